"""``flask questionnaires import|export``: XLSForm and JSON, a plan's indicators, nothing stored on failure."""

from __future__ import annotations

import copy
import io
import json

from openpyxl import load_workbook
from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.models import AuditEvent, Plan, QuestionnaireLink, QuestionnaireVersion
from survey_app.questionnaires.definition import DEFAULT_DIRECTORY, content_hash
from survey_app.questionnaires.xlsform import write_xlsform
from tests.plans.helpers import OTHER_AMBITO

PERSONA = json.loads((DEFAULT_DIRECTORY / "persona-al-centro.json").read_text(encoding="utf-8"))


def versions(app, questionnaire_id: str) -> list[int]:
    with app.app_context():
        return list(get_session().scalars(select(QuestionnaireVersion.version).where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id).order_by(QuestionnaireVersion.version)))


def for_the_example_ambito() -> dict:
    """A new questionnaire of the other Ambito's plan: its objective and indicator ids are that plan's."""
    definition = copy.deepcopy(PERSONA)
    definition.update(id="domiciliarita-esempio", objective="domiciliarita-di-comunita",
                      indicators=["domiciliarita-di-comunita.outcome-1"])
    definition["measures"][0]["indicator"] = "domiciliarita-di-comunita.outcome-1"
    definition["title"] = {"it": "Esempio – La domiciliarità di comunità"}
    return definition


def import_example_plan(runner) -> None:
    result = runner.invoke(args=["plans", "import", str(OTHER_AMBITO), "--ambito", "ambito-di-esempio",
                                 "--create-ambito", "Ambito di esempio", "--comuni", "Borgo Uno, Borgo Due"])
    assert result.exit_code == 0, result.output


def test_an_exported_xlsform_imports_back_as_the_same_questionnaire(app, runner, tmp_path):
    target = tmp_path / "persona.xlsx"
    result = runner.invoke(args=["questionnaires", "export", "persona-al-centro", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {target} (persona-al-centro v1)." in result.output
    book = load_workbook(target)
    comuni = {row[1].value for row in book["choices"].iter_rows(min_row=2) if row[0].value == "comune"}
    assert {"lovere", "costa-volpino", "sovere"} <= comuni  # the Ambito's comuni, by code
    again = runner.invoke(args=["questionnaires", "import", str(target)])
    assert again.exit_code == 0, again.output
    assert "persona.xlsx: persona-al-centro v1 in plan" in again.output.replace("Imported ", "")
    assert "already published, unchanged" in again.output
    assert versions(app, "persona-al-centro") == [1]

    as_json = tmp_path / "persona.json"
    assert runner.invoke(args=["questionnaires", "export", "persona-al-centro", "--format", "json",
                               "--output", str(as_json)]).exit_code == 0
    assert content_hash(json.loads(as_json.read_text(encoding="utf-8"))) == content_hash(PERSONA)


def test_a_new_questionnaire_for_another_ambitos_plan_is_published_and_linked(app, runner, tmp_path):
    import_example_plan(runner)
    path = tmp_path / "domiciliarita.xlsx"
    path.write_bytes(write_xlsform(for_the_example_ambito()))

    checked = runner.invoke(args=["questionnaires", "import", str(path), "--plan", "ambito-di-esempio/pdz-2025-2027",
                                  "--dry-run"])
    assert checked.exit_code == 0, checked.output
    assert "Nothing stored (--dry-run)" in checked.output
    assert versions(app, "domiciliarita-esempio") == []

    # several plans: the command asks which one
    ambiguous = runner.invoke(args=["questionnaires", "import", str(path)])
    assert ambiguous.exit_code == 2 and "--plan" in ambiguous.output

    done = runner.invoke(args=["questionnaires", "import", str(path), "--plan", "ambito-di-esempio/pdz-2025-2027"])
    assert done.exit_code == 0, done.output
    assert "domiciliarita-esempio v1" in done.output and "new version; 1 new indicator link(s)" in done.output
    assert versions(app, "domiciliarita-esempio") == [1]
    with app.app_context():
        session = get_session()
        plan = session.scalar(select(Plan).where(Plan.title.contains("Ambito di esempio")))
        links = session.scalars(select(QuestionnaireLink).where(
            QuestionnaireLink.questionnaire_id == "domiciliarita-esempio")).all()
        assert [(link.plan_id, link.indicator_id) for link in links] == [
            (plan.id, "domiciliarita-di-comunita.outcome-1")]
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "questionnaire.publish"))
        assert event.actor == "cli"
        assert event.detail["questionnaire"] == "domiciliarita-esempio" and event.detail["format"] == "xlsform"
        assert event.detail["plan"] == plan.id


def test_a_questionnaire_checked_against_the_wrong_plan_is_refused_and_nothing_is_stored(app, runner, tmp_path):
    import_example_plan(runner)
    path = tmp_path / "domiciliarita.xlsx"
    path.write_bytes(write_xlsform(for_the_example_ambito()))
    refused = runner.invoke(args=["questionnaires", "import", str(path), "--plan", "alto-sebino/pdz-2021-2023"])
    assert refused.exit_code == 1
    assert ("domiciliarita.xlsx: foglio settings, riga 2, colonna «objective»: obiettivo sconosciuto "
            "«domiciliarita-di-comunita»: non è nel piano") in refused.output
    assert "nothing imported" in refused.output
    assert versions(app, "domiciliarita-esempio") == []


def test_a_changed_workbook_with_the_same_version_is_refused(app, runner, tmp_path):
    changed = copy.deepcopy(PERSONA)
    changed["dimensions"][0]["items"][0]["text"]["it"] = "Chiedere aiuto è stato facile."
    path = tmp_path / "persona.xlsx"
    path.write_bytes(write_xlsform(changed))
    refused = runner.invoke(args=["questionnaires", "import", str(path)])
    assert refused.exit_code == 1
    assert "la versione 1 è già caricata con un contenuto diverso" in refused.output
    changed["version"] = 2
    path.write_bytes(write_xlsform(changed))
    accepted = runner.invoke(args=["questionnaires", "import", str(path)])
    assert accepted.exit_code == 0, accepted.output
    assert versions(app, "persona-al-centro") == [1, 2]
    with app.app_context():
        stored = get_session().scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.version == 2))
        assert stored.definition == changed


def test_a_broken_workbook_prints_its_lines_and_exits_1(app, runner, tmp_path):
    book = load_workbook(io.BytesIO(write_xlsform(PERSONA)))
    book["survey"].cell(row=5, column=1).value = "begin_repeat"
    path = tmp_path / "rotto.xlsx"
    book.save(path)
    with app.app_context():
        before = get_session().scalar(select(func.count()).select_from(QuestionnaireVersion))
    result = runner.invoke(args=["questionnaires", "import", str(path)])
    assert result.exit_code == 1
    assert "rotto.xlsx: foglio survey, riga 5, colonna «type»: le ripetizioni («begin_repeat») non sono supportate" \
        in result.output
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(QuestionnaireVersion)) == before


def test_a_plan_file_may_link_a_questionnaire_published_from_a_workbook(app, runner, tmp_path):
    import_example_plan(runner)
    path = tmp_path / "domiciliarita.xlsx"
    path.write_bytes(write_xlsform(for_the_example_ambito()))
    assert runner.invoke(args=["questionnaires", "import", str(path), "--plan",
                               "ambito-di-esempio/pdz-2025-2027"]).exit_code == 0
    plan = json.loads(OTHER_AMBITO.read_text(encoding="utf-8"))
    indicator = plan["objectives"][0]["outcome_indicators"][0]
    indicator["questionnaires"] = ["persona-al-centro", "domiciliarita-esempio"]
    changed = tmp_path / "piano.json"
    changed.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["plans", "import", str(changed), "--ambito", "ambito-di-esempio"])
    assert result.exit_code == 0, result.output


def test_export_of_an_unknown_questionnaire_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(args=["questionnaires", "export", "nessuno", "--output", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "no questionnaire 'nessuno'" in result.output


def test_a_new_version_is_checked_against_the_plan_it_was_written_for(app, runner, tmp_path):
    """persona-al-centro names 2021-2023 indicators; the 2025-2027 plan uses it under other ids."""
    from tests.plans.helpers import ALTO_SEBINO

    assert runner.invoke(args=["plans", "import", str(ALTO_SEBINO), "--ambito", "alto-sebino"]).exit_code == 0
    changed = copy.deepcopy(PERSONA)
    changed["version"] = 2
    changed["dimensions"][0]["items"][0]["text"] = {"it": "Chiedere aiuto è stato facile."}
    path = tmp_path / "persona.xlsx"
    path.write_bytes(write_xlsform(changed))
    result = runner.invoke(args=["questionnaires", "import", str(path), "--plan", "alto-sebino/pdz-2025-2027"])
    assert result.exit_code == 0, result.output
    assert "persona-al-centro v2 in plan" in result.output and "/pdz-2021-2023" in result.output
    assert versions(app, "persona-al-centro") == [1, 2]
