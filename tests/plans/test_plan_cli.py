"""``flask plans import|list|export|template``: exit codes, output, nothing stored on failure."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.models import Ambito, AuditEvent, Plan, Round
from tests.plans.helpers import ALTO_SEBINO, OTHER_AMBITO, dump, example


def plans_listed(runner) -> list[dict]:
    result = runner.invoke(args=["plans", "list", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def count(app, model) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(model))


def test_the_two_examples_load_from_a_fresh_database_and_three_plans_are_listed(app, runner):
    first = runner.invoke(args=["plans", "import", str(ALTO_SEBINO), "--ambito", "alto-sebino"])
    assert first.exit_code == 0, first.output
    assert "Imported alto-sebino-2025-2027-esempio.json as plan" in first.output
    assert "(alto-sebino/pdz-2025-2027, 2025-2027, in_force): 4 objectives, 12 indicators, 5 questionnaire links; " \
           "new plan." in first.output
    second = runner.invoke(args=["plans", "import", str(OTHER_AMBITO), "--ambito", "ambito-di-esempio",
                                 "--create-ambito", "Ambito di esempio", "--comuni", "Borgo Uno, Borgo Due"])
    assert second.exit_code == 0, second.output
    plans = plans_listed(runner)
    assert len(plans) == 3
    assert {(p["ambito"], p["code"], p["period"]) for p in plans} == {
        ("alto-sebino", "pdz-2021-2023", "2021-2023"), ("alto-sebino", "pdz-2025-2027", "2025-2027"),
        ("ambito-di-esempio", "pdz-2025-2027", "2025-2027")}
    other = next(p for p in plans if p["ambito"] == "ambito-di-esempio")
    assert (other["objectives"], other["indicators"], other["rounds"], other["status"]) == (2, 6, 0, "in_force")
    assert set(other) == {"id", "ambito", "ambito_name", "code", "title", "period", "first_year", "last_year",
                          "status", "objectives", "indicators", "rounds"}
    with app.app_context():
        ambito = get_session().scalar(select(Ambito).where(Ambito.code == "ambito-di-esempio"))
        assert ambito.name == "Ambito di esempio"
        assert [c.name for c in ambito.comuni] == ["Borgo Due", "Borgo Uno"]
    # a round opened today (2026) in each Ambito belongs to its 2025-2027 plan, without naming it
    for ambito_code in ("alto-sebino", "ambito-di-esempio"):
        opened = runner.invoke(args=["rounds", "open", "persona-al-centro", "--kind", "in-itinere",
                                     "--ambito", ambito_code])
        assert opened.exit_code == 0, opened.output
        assert "Esempio – Piano di Zona 2025-2027" in opened.output
    with app.app_context():
        rounds = get_session().scalars(select(Round)).all()
        assert {(r.ambito.code, r.plan.code, r.plan.ambito_id == r.ambito_id, r.is_follow_up) for r in rounds} == {
            ("alto-sebino", "pdz-2025-2027", True, False), ("ambito-di-esempio", "pdz-2025-2027", True, False)}
    counts = {(p["ambito"], p["code"]): p["rounds"] for p in plans_listed(runner)}
    assert counts == {("alto-sebino", "pdz-2021-2023"): 0, ("alto-sebino", "pdz-2025-2027"): 1,
                      ("ambito-di-esempio", "pdz-2025-2027"): 1}


def test_a_broken_file_prints_one_line_per_problem_exits_1_and_stores_nothing(app, runner, tmp_path):
    data = example()
    data["plan"]["first_year"] = 1999
    del data["objectives"][1]["title"]
    data["objectives"][2]["outcome_indicators"][0]["questionnaires"] = ["questionario-che-non-c-e"]
    path = tmp_path / "piano.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    plans, events = count(app, Plan), count(app, AuditEvent)
    result = runner.invoke(args=["plans", "import", str(path), "--ambito", "alto-sebino"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "piano.json: $.plan.first_year: 1999 è troppo piccolo: il minimo è 2000",
        "piano.json: $.objectives[1].title: campo obbligatorio mancante",
        "piano.json: $.objectives[2].outcome_indicators[0].questionnaires[0]: questionario «questionario-che-non-c-e» "
        "sconosciuto: non c'è il file questionnaires/questionario-che-non-c-e.json",
        "3 problem(s): nothing imported.",
    ]
    assert (count(app, Plan), count(app, AuditEvent)) == (plans, events)


def test_a_refused_file_does_not_create_the_ambito_either(app, runner, tmp_path):
    data = example(OTHER_AMBITO)
    data["objectives"][0]["outcome_indicators"][0]["predecessor"] = {"plan": "pdz-2021-2023",
                                                                     "indicator": "persona-al-centro.outcome-3"}
    path = tmp_path / "altro.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["plans", "import", str(path), "--ambito", "ambito-di-esempio",
                                 "--create-ambito", "Ambito di esempio"])
    assert result.exit_code == 1
    assert "non ha un piano «pdz-2021-2023»" in result.output
    with app.app_context():
        assert get_session().scalar(select(Ambito).where(Ambito.code == "ambito-di-esempio")) is None


def test_a_dry_run_checks_and_stores_nothing(app, runner):
    result = runner.invoke(args=["plans", "import", str(ALTO_SEBINO), "--ambito", "alto-sebino", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("alto-sebino-2025-2027-esempio.json is valid: alto-sebino/pdz-2025-2027, "
                                     "4 objectives, 12 indicators, 5 questionnaire links; new plan. "
                                     "Nothing stored (--dry-run).")
    assert len(plans_listed(runner)) == 1


def test_an_unknown_ambito_is_a_usage_error(runner):
    result = runner.invoke(args=["plans", "import", str(ALTO_SEBINO), "--ambito", "nessuno"])
    assert result.exit_code == 2
    assert "unknown Ambito 'nessuno'; known: alto-sebino" in result.output


def test_reimporting_a_changed_file_reports_the_changes(runner, tmp_path):
    assert runner.invoke(args=["plans", "import", str(ALTO_SEBINO), "--ambito", "alto-sebino"]).exit_code == 0
    data = example()
    data["objectives"][0]["outcome_indicators"][0]["target"] = "almeno l'80% d'accordo"
    path = tmp_path / "piano.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["plans", "import", str(path), "--ambito", "alto-sebino"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("changes: indicators 1 changed.")


def test_export_by_id_or_code_writes_files_that_import_back(app, runner, tmp_path):
    assert runner.invoke(args=["plans", "import", str(ALTO_SEBINO), "--ambito", "alto-sebino"]).exit_code == 0
    plan_id = next(p["id"] for p in plans_listed(runner) if p["code"] == "pdz-2025-2027")
    as_json, as_xlsx = tmp_path / "piano.json", tmp_path / "piano.xlsx"
    result = runner.invoke(args=["plans", "export", str(plan_id), "--format", "json", "--output", str(as_json)])
    assert result.exit_code == 0, result.output
    assert json.loads(as_json.read_text(encoding="utf-8"))["plan"]["code"] == "pdz-2025-2027"
    result = runner.invoke(args=["plans", "export", "alto-sebino/pdz-2025-2027", "--format", "xlsx",
                                 "--output", str(as_xlsx)])
    assert result.exit_code == 0, result.output
    assert load_workbook(io.BytesIO(as_xlsx.read_bytes()))["Piano"]["B2"].value == "pdz-2025-2027"
    with app.app_context():
        before = dump(get_session(), get_session().get(Plan, plan_id))
    for path in (as_json, as_xlsx):
        again = runner.invoke(args=["plans", "import", str(path), "--ambito", "alto-sebino"])
        assert again.exit_code == 0, again.output
        assert again.output.strip().endswith("no changes.")
    with app.app_context():
        assert dump(get_session(), get_session().get(Plan, plan_id)) == before


def test_exporting_an_unknown_plan_names_the_known_ones(runner, tmp_path):
    result = runner.invoke(args=["plans", "export", "alto-sebino/pdz-2099", "--output", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    assert "unknown plan 'alto-sebino/pdz-2099'; known: " in result.output
    assert "(alto-sebino/pdz-2021-2023)" in result.output
    assert not (tmp_path / "x.json").exists()


def test_the_template_is_written_with_its_sheets(runner, tmp_path):
    path = tmp_path / "piano.xlsx"
    result = runner.invoke(args=["plans", "template", "--output", str(path)])
    assert result.exit_code == 0, result.output
    book = load_workbook(io.BytesIO(path.read_bytes()))
    assert book.sheetnames == ["Istruzioni", "Piano", "Obiettivi", "Indicatori"]
    assert book["Istruzioni"]["A1"].value.startswith("Questo file descrive un Piano di Zona")


def test_list_without_json_prints_one_line_per_plan(runner):
    result = runner.invoke(args=["plans", "list"])
    assert result.exit_code == 0
    [line] = result.output.splitlines()
    assert "alto-sebino/pdz-2021-2023  2021-2023" in line
