"""Storing plan files: all or nothing, predecessors, re-import by status, audit, export round trip."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey_app.models import Ambito, AuditEvent, Indicator, Objective, Plan, QuestionnaireLink, RoundDesignation
from survey_app.plans.exporting import export_json, export_xlsx, find_plan, plan_data, plan_summaries
from survey_app.plans.fileformat import read_plan_file
from survey_app.plans.importing import PlanImportRejected, create_ambito, import_plan
from tests.plans.helpers import OTHER_AMBITO, QUESTIONNAIRES, dump, example, parsed


@pytest.fixture
def alto(session) -> Ambito:
    return session.scalar(select(Ambito).where(Ambito.code == "alto-sebino"))


@pytest.fixture(autouse=True)
def first_event(session) -> None:
    """Events of the test are those after the ones already in the database."""
    global FIRST_EVENT
    FIRST_EVENT = session.scalar(select(func.max(AuditEvent.id))) or 0


FIRST_EVENT = 0


def load(session, ambito, data, name="piano.json"):
    summary = import_plan(session, ambito, parsed(data, name), actor="test", filename=name)
    session.commit()
    return summary.plan


def events(session, action):
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.id > FIRST_EVENT)
                                .order_by(AuditEvent.id)))


def test_the_example_loads_with_its_links_and_its_predecessors_in_2021_2023(session, alto):
    plan = load(session, alto, example())
    assert (plan.code, plan.period, plan.status) == ("pdz-2025-2027", "2025-2027", "in_force")
    assert session.scalar(select(func.count()).select_from(Objective).where(Objective.plan_id == plan.id)) == 4
    indicator = session.get(Indicator, (plan.id, "persona-al-centro.outcome-1"))
    previous = find_plan(session, "alto-sebino/pdz-2021-2023")
    assert (indicator.predecessor_plan_id, indicator.predecessor_id) == (previous.id, "persona-al-centro.outcome-3")
    link = session.get(QuestionnaireLink, (plan.id, "inclusione-attiva.outcome-1", "inclusione-attiva-beneficiari"))
    assert link.measure == "inclusione-attiva-distretto.outcome-4"
    # the 2021-2023 plan of the same ids is untouched
    assert session.get(Objective, (previous.id, "persona-al-centro")).title.startswith("LA PERSONA AL CENTRO")
    [event] = events(session, "plan.import")
    assert event.target_id == str(plan.id) and event.ambito_id == alto.id and event.detail["created"] is True


def test_an_unknown_predecessor_is_refused_and_nothing_is_stored(session, alto):
    data = example()
    data["objectives"][0]["outcome_indicators"][0]["predecessor"]["indicator"] = "persona-al-centro.outcome-99"
    data["objectives"][2]["outcome_indicators"][0]["predecessor"]["plan"] = "pdz-2018-2020"
    with pytest.raises(PlanImportRejected) as caught:
        import_plan(session, alto, parsed(data), actor="test")
    session.rollback()
    assert [str(p) for p in caught.value.problems] == [
        "piano.json: $.objectives[0].outcome_indicators[0].predecessor: predecessore sconosciuto: il piano "
        "«pdz-2021-2023» non ha l'indicatore «persona-al-centro.outcome-99»",
        "piano.json: $.objectives[2].outcome_indicators[0].predecessor: predecessore sconosciuto: l'Ambito "
        f"{alto.name} non ha un piano «pdz-2018-2020»; i suoi piani sono pdz-2021-2023",
    ]
    assert find_plan(session, "alto-sebino/pdz-2025-2027") is None
    assert events(session, "plan.import") == []


def test_a_predecessor_must_be_in_an_earlier_plan(session, alto):
    load(session, alto, example())
    data = example()
    data["plan"].update(code="pdz-2024-2024", first_year=2024, last_year=2024)
    data["objectives"][0]["outcome_indicators"][0]["predecessor"] = {"plan": "pdz-2025-2027",
                                                                     "indicator": "persona-al-centro.outcome-1"}
    with pytest.raises(PlanImportRejected, match=r"il piano «pdz-2025-2027» \(2025-2027\) non è precedente"):
        import_plan(session, alto, parsed(data), actor="test")


def test_the_plans_of_one_ambito_do_not_see_another_ambitos_predecessors(session, alto):
    other = create_ambito(session, "ambito-di-esempio", "Ambito di esempio", ["Uno", "Due"])
    with pytest.raises(PlanImportRejected, match="l'Ambito Ambito di esempio non ha un piano «pdz-2021-2023»"):
        import_plan(session, other, parsed(example()), actor="test")


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_importing_an_export_gives_the_same_plan(session, alto, fmt):
    source = load(session, create_ambito(session, "ambito-di-esempio", "Ambito di esempio", ["Uno"]),
                  example(OTHER_AMBITO))
    write = export_json if fmt == "json" else export_xlsx
    copy_into = create_ambito(session, "copia", "Copia", [])
    copied = import_plan(session, copy_into, read_plan_file(f"piano.{fmt}", write(session, source), QUESTIONNAIRES),
                         actor="test").plan
    session.commit()
    assert dump(session, copied) == dump(session, source)


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_reimporting_an_export_changes_nothing(session, alto, fmt):
    plan = load(session, alto, example())
    before = dump(session, plan)
    write = export_json if fmt == "json" else export_xlsx
    summary = import_plan(session, alto, read_plan_file(f"piano.{fmt}", write(session, plan), QUESTIONNAIRES),
                          actor="test")
    session.commit()
    assert not summary.changes
    assert dump(session, plan) == before
    assert events(session, "plan.update") == []


def test_the_2021_2023_plan_exports_and_imports_unchanged(session, alto):
    previous = find_plan(session, "alto-sebino/pdz-2021-2023")
    copy_into = create_ambito(session, "copia", "Copia", [])
    raw = export_json(session, previous)
    copied = import_plan(session, copy_into, read_plan_file("piano.json", raw, QUESTIONNAIRES), actor="test").plan
    session.commit()
    # the migrated plan keeps objectives.json's entries as they were (timing null, links in the
    # questionnaire files), an imported one the file's normal form: the same plan, written alike
    assert plan_data(session, copied) == plan_data(session, previous)
    columns = dump(session, copied), dump(session, previous)
    for kept in columns:
        kept["objectives"] = [row[:-1] for row in kept["objectives"]]
    assert columns[0] == columns[1]


def test_a_draft_is_replaced_by_its_new_file(session, alto):
    data = example()
    data["plan"]["status"] = "draft"
    plan = load(session, alto, data)
    data["objectives"].pop(3)  # inclusione-attiva
    persona = data["objectives"][0]
    persona["process_indicators"].reverse()
    persona["output_indicators"][0]["text"] = "N. di progetti personalizzati"
    persona["outcome_indicators"][0]["questionnaires"] = ["nuova-domiciliarita"]
    load(session, alto, data)
    rows = dump(session, plan)
    assert {o[0] for o in rows["objectives"]} == {"persona-al-centro", "nuova-domiciliarita", "vivere-la-disabilita"}
    assert session.get(Indicator, (plan.id, "persona-al-centro.process-1")).text.startswith("Tavoli di confronto")
    assert session.get(Indicator, (plan.id, "persona-al-centro.output-1")).text == "N. di progetti personalizzati"
    assert ("persona-al-centro.outcome-1", "nuova-domiciliarita", "nuova-domiciliarita.outcome-5") in rows["links"]
    assert not any(k[1] == "persona-al-centro" for k in rows["links"])
    assert session.get(Indicator, (plan.id, "inclusione-attiva.outcome-1")) is None
    # a draft is not audited change by change
    assert events(session, "plan.update") == []
    assert len(events(session, "plan.import")) == 2


def test_a_plan_in_force_keeps_its_ids_and_records_every_change(session, alto):
    data = example()
    for objective in data["objectives"]:
        for kind in ("process", "output"):
            objective[f"{kind}_indicators"] = [
                {"id": f"{objective['id']}.{kind}-{n}", **({"text": raw} if isinstance(raw, str) else raw)}
                for n, raw in enumerate(objective.get(f"{kind}_indicators", []), start=1)]
    plan = load(session, alto, data)
    persona = data["objectives"][0]
    persona["process_indicators"].reverse()  # same ids, other positions
    persona["process_indicators"].append({"text": "Nuova équipe integrata", "id": "persona-al-centro.process-3"})
    persona["outcome_indicators"][0]["target"] = "almeno il 75% d'accordo"
    del data["objectives"][1]["output_indicators"][0]
    data["plan"]["title"] = "Esempio – Piano di Zona 2025-2027 (aggiornato)"
    load(session, alto, data)
    assert session.get(Indicator, (plan.id, "persona-al-centro.process-1")).position == 2
    assert session.get(Indicator, (plan.id, "persona-al-centro.process-2")).position == 1
    assert session.get(Indicator, (plan.id, "persona-al-centro.process-3")).text == "Nuova équipe integrata"
    assert session.get(Indicator, (plan.id, "nuova-domiciliarita.output-1")) is None
    [update] = events(session, "plan.update")
    assert update.target_id == str(plan.id)
    assert update.detail["header"] == {"title": ["Esempio – Piano di Zona 2025-2027 (non è il piano approvato)",
                                                 "Esempio – Piano di Zona 2025-2027 (aggiornato)"]}
    # an indicator's change is its own, not its objective's
    assert "objectives" not in update.detail
    assert update.detail["indicators"]["added"] == ["persona-al-centro.process-3"]
    assert update.detail["indicators"]["removed"] == ["nuova-domiciliarita.output-1"]
    changed = update.detail["indicators"]["changed"]
    assert changed["persona-al-centro.outcome-1"] == {"target": ["almeno il 70% d'accordo", "almeno il 75% d'accordo"]}
    assert changed["persona-al-centro.process-1"] == {"position": [1, 2]}


def test_an_indicator_in_use_cannot_be_removed_and_nothing_changes(session, alto):
    plan = load(session, alto, example())
    session.add(RoundDesignation(plan_id=plan.id, indicator_id="vivere-la-disabilita.outcome-1"))
    session.commit()
    before = dump(session, plan)
    data = example()
    data["objectives"][2]["outcome_indicators"] = []
    data["objectives"][0]["title"] = "Esempio – titolo cambiato"
    with pytest.raises(PlanImportRejected) as caught:
        import_plan(session, alto, parsed(data), actor="test")
    session.rollback()
    assert [str(p) for p in caught.value.problems] == [
        "piano.json: l'indicatore «vivere-la-disabilita.outcome-1» non è più nel file ma non si può togliere: lo usano "
        "una scelta delle rilevazioni da confrontare"]
    assert dump(session, plan) == before


def test_an_indicator_named_as_predecessor_cannot_be_removed(session, alto):
    previous = find_plan(session, "alto-sebino/pdz-2021-2023")
    previous.status = "in_force"
    load(session, alto, example())
    # the 2021-2023 file with persona-al-centro.outcome-3, the example's predecessor, renamed
    raw = export_json(session, previous).replace(b'"id": "persona-al-centro.outcome-3"',
                                                 b'"id": "persona-al-centro.outcome-30"')
    with pytest.raises(PlanImportRejected, match="«persona-al-centro.outcome-3» non è più nel file ma non si può "
                                                 "togliere: lo usano 1 indicatori di piani successivi"):
        import_plan(session, alto, read_plan_file("p.json", raw, QUESTIONNAIRES), actor="test")


def test_a_closed_plan_refuses_a_new_file(session, alto):
    data = example()
    data["plan"]["status"] = "closed"
    load(session, alto, data)
    with pytest.raises(PlanImportRejected) as caught:
        import_plan(session, alto, parsed(data), actor="test")
    assert [str(p) for p in caught.value.problems] == [
        f"piano.json: $.plan.code: il piano «pdz-2025-2027» dell'Ambito {alto.name} è chiuso: non si può più "
        "modificare reimportandolo"]


def test_a_plan_in_force_cannot_go_back_to_draft(session, alto):
    load(session, alto, example())
    data = example()
    data["plan"]["status"] = "draft"
    with pytest.raises(PlanImportRejected, match="è già in vigore: non può tornare in bozza"):
        import_plan(session, alto, parsed(data), actor="test")


def test_a_dry_run_says_what_would_change_and_stores_nothing(session, alto):
    summary = import_plan(session, alto, parsed(example()), actor="test", dry_run=True)
    assert summary.created and summary.plan is None and (summary.objectives, summary.indicators) == (4, 12)
    session.rollback()
    assert find_plan(session, "alto-sebino/pdz-2025-2027") is None


def test_plans_are_listed_with_their_counts(session, alto):
    plan = load(session, alto, example())
    listed = {p["code"]: p for p in plan_summaries(session, alto.id)}
    assert listed["pdz-2025-2027"] == {
        "id": plan.id, "ambito": "alto-sebino", "ambito_name": alto.name, "code": "pdz-2025-2027",
        "title": plan.title, "period": "2025-2027", "first_year": 2025, "last_year": 2027, "status": "in_force",
        "objectives": 4, "indicators": 12, "rounds": 0}
    assert "pdz-2021-2023" in listed
    assert find_plan(session, str(plan.id)) is plan
    assert session.scalar(select(func.count()).select_from(Plan)) == 2
