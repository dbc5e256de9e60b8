"""Semestral indicator monitoring in the UI: recording, corrections, the objective page, imports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from bs4 import BeautifulSoup
from conftest import csrf_token_of, give_shipped_plan, shipped_plan
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.indicators.importing import parse_file
from survey_app.indicators.queries import import_catalog, indicator_series
from survey_app.models import Ambito, AuditEvent, IndicatorValue

RECORD = "/indicatori/registra"
IMPORT = "/indicatori/importa"
TAKEN_IN_CHARGE = "persona-al-centro.output-1"      # N. di prese in carico e di progettualità realizzate
COMMUNITY_HOUSE = "persona-al-centro.output-4"      # Realizzazione del progetto "Casa della Comunità"
BY_QUESTIONNAIRE = "persona-al-centro.outcome-3"    # measured by questionnaire
OBJECTIVE_PAGE = "/indicatori/obiettivo?id=persona-al-centro&piano=1"
HEADER = ["indicatore", "obiettivo", "descrizione", "semestre", "comune", "tipo", "valore", "fonte", "nota"]


def record(client, indicator=TAKEN_IN_CHARGE, semester="2022-H1", value="12", kind="number", comune="",
           source="Cartella Sociale Informatizzata", note="", replaces=None, expect=303):
    data = {"csrf_token": csrf_token_of(client, RECORD), "indicator": indicator, "semester": semester,
            "comune": comune, "kind": kind, "value": value, "source": source, "note": note}
    if replaces is not None:
        data["replaces"] = replaces
    response = client.post(RECORD, data=data)
    assert response.status_code == expect, response.get_data(as_text=True)
    return response


def upload(client, filename: str, data: bytes):
    return client.post(IMPORT, data={"csrf_token": csrf_token_of(client, "/indicatori/"),
                                     "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def csv_file(*rows: list[str]) -> bytes:
    lines = [";".join(HEADER)] + [";".join(row) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def row(indicator, semester, kind, value, comune="", source="", note=""):
    return [indicator, "", "", semester, comune, kind, value, source, note]


def stored(app) -> list[tuple]:
    with app.app_context():
        values = get_session().scalars(select(IndicatorValue).order_by(IndicatorValue.id)).all()
        return [(v.indicator_id, v.semester, v.comune.code if v.comune else None, v.value_kind, v.value, v.source)
                for v in values]


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return get_session().scalars(select(AuditEvent).where(AuditEvent.action == action)
                                     .order_by(AuditEvent.id)).all()


def text_of(response) -> str:
    return " ".join(BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text(" ").split())


def test_operator_records_values_in_the_form_and_the_objective_page_shows_latest_and_trend(app, as_role):
    operator = as_role("operator")
    form = operator.get(f"{RECORD}?indicatore={TAKEN_IN_CHARGE}")
    assert form.status_code == 200
    soup = BeautifulSoup(form.get_data(as_text=True), "html.parser")
    assert soup.find("option", attrs={"value": TAKEN_IN_CHARGE, "selected": True})
    assert soup.find("select", attrs={"name": "kind"}).find("option", selected=True)["value"] == "number"
    response = record(operator, semester="2022-H1", value="120")
    assert response.headers["Location"].endswith(f"{OBJECTIVE_PAGE}#{TAKEN_IN_CHARGE}")
    record(operator, semester="2022-H2", value="134")
    record(operator, semester="2023-H1", value="131,5", note="dato provvisorio")
    record(operator, semester="2023-H1", value="40", comune="lovere")
    record(operator, indicator=COMMUNITY_HOUSE, semester="2023-H1", kind="yes_no", value="sì", source="")
    assert stored(app)[0] == (TAKEN_IN_CHARGE, "2022-H1", None, "number", 120.0, "Cartella Sociale Informatizzata")
    recorded = events(app, "indicator.record")
    assert len(recorded) == 5 and recorded[0].detail["value"] == 120.0 and recorded[0].ambito_id is not None

    page = operator.get(OBJECTIVE_PAGE)
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    summary = soup.find("table")
    assert summary.find("caption") and summary.find("th", attrs={"scope": "col"})
    line = next(tr for tr in summary.find_all("tr") if tr.find("a", href=f"#{TAKEN_IN_CHARGE}"))
    words = " ".join(line.get_text(" ").split())
    assert "131,5 2023-H1" in words
    assert "▼" in words and "in calo di 2,5 rispetto al 2022-H2" in words
    svg = line.find("svg")
    assert svg["role"] == "img" and svg.find("title").get_text().startswith("Andamento: 2022-H1: 120")
    assert not soup.find(attrs={"style": True}) and not soup.find("script", src=False)
    section = soup.find("section", id=TAKEN_IN_CHARGE)
    assert "Lovere: 40 (2023-H1)" in " ".join(section.get_text().split())
    assert "dato provvisorio" in section.get_text()
    house = " ".join(soup.find("section", id=COMMUNITY_HOUSE).get_text().split())
    assert "Tutto l'Ambito: sì (2023-H1)" in house
    assert "Correggi" in section.get_text()


def test_evaluator_sees_the_pages_but_cannot_record_or_import(app, as_role):
    operator = as_role("operator")
    record(operator, semester="2022-H1", value="5")
    evaluator = as_role("evaluator")
    assert evaluator.get("/indicatori/").status_code == 200
    page = evaluator.get(OBJECTIVE_PAGE)
    assert page.status_code == 200 and "Correggi" not in page.get_data(as_text=True)
    assert "Indicatori" in evaluator.get("/gestione/").get_data(as_text=True)
    token = csrf_token_of(evaluator, "/indicatori/")
    data = {"csrf_token": token, "indicator": TAKEN_IN_CHARGE, "semester": "2022-H1", "kind": "number",
            "value": "99"}
    assert evaluator.post(RECORD, data=data).status_code == 403
    assert evaluator.get(RECORD).status_code == 403
    assert evaluator.get(IMPORT).status_code == 403
    assert evaluator.get("/indicatori/modello.csv").status_code == 403
    assert stored(app)[0][4] == 5.0


def test_a_correction_asks_first_then_is_audited_with_old_and_new(app, as_role, staff):
    operator = as_role("operator")
    record(operator, semester="2022-H2", value="10")
    # the same value again changes nothing
    record(operator, semester="2022-H2", value="10")
    # a different value over one the user has not seen: shown, and confirmed with a second save
    response = record(operator, semester="2022-H2", value="12", expect=409)
    assert "C'è già un valore per questo indicatore, semestre e Comune: 10" in text_of(response)
    assert stored(app)[0][4] == 10.0
    replaces = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(
        "input", attrs={"name": "replaces"})["value"]
    record(operator, semester="2022-H2", value="12", source="Flusso regionale", replaces=replaces)
    assert stored(app) == [(TAKEN_IN_CHARGE, "2022-H2", None, "number", 12.0, "Flusso regionale")]
    # a stale confirmation (the value changed since) asks again
    record(operator, semester="2022-H2", value="14", replaces=replaces, expect=409)

    corrections = events(app, "indicator.correct")
    assert len(corrections) == 1
    detail = corrections[0].detail
    assert detail["old"] == {"kind": "numero", "value": 10.0, "source": "Cartella Sociale Informatizzata",
                             "note": None, "revision": 1}
    assert detail["new"]["value"] == 12.0 and detail["new"]["source"] == "Flusso regionale"
    assert detail["indicator"] == TAKEN_IN_CHARGE and detail["semester"] == "2022-H2"
    assert corrections[0].actor == staff.operator and corrections[0].target_type == "IndicatorValue"
    # the history is readable in the audit log and on the correction form
    log = as_role("admin").get("/amministrazione/registro?azione=indicator.").get_data(as_text=True)
    assert "indicator.correct" in log and "Flusso regionale" in log
    form = operator.get(f"{RECORD}?indicatore={TAKEN_IN_CHARGE}&semestre=2022-H2&comune=")
    soup = BeautifulSoup(form.get_data(as_text=True), "html.parser")
    assert soup.find("input", attrs={"name": "value"})["value"] == "12"
    assert soup.find("caption", string="Storico")


def test_form_refuses_questionnaire_indicators_bad_values_and_other_kinds(app, as_role):
    operator = as_role("operator")
    page = operator.get(RECORD).get_data(as_text=True)
    assert f'value="{BY_QUESTIONNAIRE}"' not in page and f'value="{TAKEN_IN_CHARGE}"' in page
    response = record(operator, indicator=BY_QUESTIONNAIRE, expect=400)
    assert "Not a valid choice" in response.get_data(as_text=True) or "scelta" in text_of(response).lower()
    response = record(operator, kind="percent", value="140", expect=400)
    assert "Una percentuale va da 0 a 100, non 140." in text_of(response)
    response = record(operator, value="1.234", expect=400)
    assert "senza separatore delle migliaia" in text_of(response)
    response = record(operator, comune="bergamo", expect=400)
    record(operator, semester="2022-H1", value="3")
    response = record(operator, semester="2022-H2", kind="text", value="tre", expect=400)
    assert "l'indicatore ha già valori di tipo «numero» (per esempio 2022-H1)" in text_of(response)
    assert len(stored(app)) == 1


def test_questionnaire_indicator_refused_by_operations(app):
    from survey_app.indicators.importing import ValueRow
    from survey_app.indicators.operations import IndicatorValueError, record_value

    with app.test_request_context():
        session = get_session()
        ambito = shipped_plan(session)
        with pytest.raises(IndicatorValueError, match="si misura tramite questionario"):
            record_value(session, ambito, ValueRow(BY_QUESTIONNAIRE, "2022-H1", None, "percent", 70.0), actor="test")
        with pytest.raises(IndicatorValueError, match="sconosciuto"):
            record_value(session, ambito, ValueRow("nope.output-1", "2022-H1", None, "number", 1.0), actor="test")
        with pytest.raises(IndicatorValueError, match="Comune «bergamo» sconosciuto"):
            record_value(session, ambito, ValueRow(TAKEN_IN_CHARGE, "2022-H1", "bergamo", "number", 1.0), actor="test")


def test_csv_import_happy_path_idempotent_and_corrections_audited(app, as_role):
    operator = as_role("operator")
    data = csv_file(
        row(TAKEN_IN_CHARGE, "2022-H1", "numero", "120", source="Cartella Sociale Informatizzata"),
        row(TAKEN_IN_CHARGE, "2022-H2", "numero", "134"),
        row(TAKEN_IN_CHARGE, "2022-H2", "numero", "30", comune="Costa Volpino"),
        row(COMMUNITY_HOUSE, "2022-H2", "si_no", "no", note="progetto in definizione"),
    )
    response = upload(operator, "valori.csv", data)
    assert response.status_code == 303, text_of(response)
    done = operator.get(response.headers["Location"])
    assert "File importato: 4 valori nuovi, 0 corretti, 0 già presenti e uguali." in text_of(done)
    assert len(stored(app)) == 4
    imported = events(app, "indicator.import")
    assert len(imported) == 1 and imported[0].detail["created"] == 4 and imported[0].detail["file"] == "valori.csv"

    # the same file again: nothing changes, no duplicate
    response = upload(operator, "valori.csv", data)
    assert "0 valori nuovi, 0 corretti, 4 già presenti" in text_of(operator.get(response.headers["Location"]))
    assert len(stored(app)) == 4 and events(app, "indicator.correct") == []

    # a different value for a stored (indicator, semester, comune) is a correction
    changed = csv_file(row(TAKEN_IN_CHARGE, "2022-H2", "numero", "136", source="Flusso regionale"))
    response = upload(operator, "correzione.csv", changed)
    assert "0 valori nuovi, 1 corretti" in text_of(operator.get(response.headers["Location"]))
    correction = events(app, "indicator.correct")[0].detail
    assert correction["old"]["value"] == 134.0 and correction["new"]["value"] == 136.0
    assert correction["via"] == "import" and correction["file"] == "correzione.csv" and correction["line"] == 2

    with app.app_context():
        session = get_session()
        ambito = session.scalar(select(Ambito))
        series = {s.indicator_id: s for s in indicator_series(session, shipped_plan(session, ambito).id, "persona-al-centro")}
    taken = series[TAKEN_IN_CHARGE]
    assert taken.latest.value == 136.0 and taken.trend.direction == "up" and taken.trend.change == 16.0
    assert [s.comune_code for s in taken.series] == [None, "costa-volpino"]
    assert series[COMMUNITY_HOUSE].latest.value is False and series[COMMUNITY_HOUSE].trend is None


def test_xlsx_import_happy_path(app, as_role):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([TAKEN_IN_CHARGE, "", "", "2023-H1", "Lovere", "numero", 42, "CSI", None])
    sheet.append([COMMUNITY_HOUSE, "", "", "2023-H1", None, "si_no", True, None, None])
    sheet.append(["persona-al-centro.outcome-1", "", "", "2023-H1", None, "percentuale", 0.25, None, None])
    sheet["G4"].number_format = "0%"
    out = io.BytesIO()
    book.save(out)
    response = upload(as_role("operator"), "valori.xlsx", out.getvalue())
    assert response.status_code == 303, text_of(response)
    assert stored(app) == [
        (TAKEN_IN_CHARGE, "2023-H1", "lovere", "number", 42.0, "CSI"),
        (COMMUNITY_HOUSE, "2023-H1", None, "yes_no", True, None),
        ("persona-al-centro.outcome-1", "2023-H1", None, "percent", 25.0, None),
    ]
    assert events(app, "indicator.import")[0].detail["format"] == "xlsx"


def test_a_file_with_one_bad_row_reports_its_line_and_stores_nothing(app, as_role):
    operator = as_role("operator")
    data = csv_file(
        row(TAKEN_IN_CHARGE, "2022-H1", "numero", "120"),
        row(TAKEN_IN_CHARGE, "2022-H2", "numero", "134"),
        row("persona-al-centro.outcome-1", "2022-H2", "percentuale", "140"),
        row(COMMUNITY_HOUSE, "2022-H2", "si_no", "sì"),
    )
    response = upload(operator, "valori.csv", data)
    assert response.status_code == 422
    text = text_of(response)
    assert "Il file non è stato importato: c'è 1 errore." in text
    assert "riga 4, colonna «valore»: una percentuale va da 0 a 100, non 140" in text
    assert "Nessun valore del file è stato salvato" in text
    assert stored(app) == [] and events(app, "indicator.import") == []


def test_import_refuses_questionnaire_indicators_and_unknown_comuni(app, as_role):
    operator = as_role("operator")
    response = upload(operator, "valori.csv", csv_file(
        row(TAKEN_IN_CHARGE, "2022-H1", "numero", "120"),
        row(BY_QUESTIONNAIRE, "2022-H1", "percentuale", "70"),
        row(TAKEN_IN_CHARGE, "2022-H1", "numero", "7", comune="Bergamo"),
    ))
    assert response.status_code == 422
    text = text_of(response)
    assert (f"riga 3, colonna «indicatore»: l'indicatore {BY_QUESTIONNAIRE} si misura tramite questionario"
            in text)
    assert "riga 4, colonna «comune»: Comune «Bergamo» sconosciuto nell'Ambito" in text
    assert stored(app) == []


def test_import_refuses_a_kind_other_than_the_stored_one(app, as_role):
    operator = as_role("operator")
    record(operator, semester="2022-H1", value="3")
    response = upload(operator, "valori.csv", csv_file(row(TAKEN_IN_CHARGE, "2022-H2", "testo", "molte")))
    assert response.status_code == 422
    assert "riga 2, colonna «tipo»: l'indicatore ha già valori di tipo «numero»" in text_of(response)
    # correcting the only stored value to another kind is allowed: nothing else has the old kind
    response = upload(operator, "valori.csv", csv_file(row(TAKEN_IN_CHARGE, "2022-H1", "testo", "molte")))
    assert response.status_code == 303
    assert stored(app)[0][3:5] == ("text", "molte")


def test_import_without_a_file_or_with_a_wrong_extension(app, as_role):
    operator = as_role("operator")
    response = operator.post(IMPORT, data={"csrf_token": csrf_token_of(operator, IMPORT)})
    assert response.status_code == 400 and "Scegli un file." in text_of(response)
    response = upload(operator, "valori.pdf", b"%PDF-1.4")
    assert response.status_code == 400 and "Il file deve essere .csv o .xlsx." in text_of(response)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_downloads_list_every_indicator_and_parse_back(app, as_role, fmt):
    operator = as_role("operator")
    record(operator, indicator=COMMUNITY_HOUSE, kind="yes_no", value="no", source="")
    response = operator.get(f"/indicatori/modello.{fmt}")
    assert response.status_code == 200
    assert "attachment; filename=modello-indicatori-" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    if fmt == "csv":
        lines = response.data.decode("utf-8-sig").splitlines()
        header, rows = lines[0].split(";"), [line.split(";") for line in lines[1:]]
    else:
        sheet = load_workbook(io.BytesIO(response.data))["valori"]
        header, *rows = [[c.value or "" for c in r] for r in sheet.iter_rows()]
    assert header == HEADER
    ids = [r[0] for r in rows]
    with app.app_context():
        session = get_session()
        catalog = import_catalog(session, shipped_plan(session), __import__("datetime").date.today())
    expected = sorted(i for i, by_questionnaire in catalog.indicators.items() if not by_questionnaire)
    assert sorted(ids) == expected and BY_QUESTIONNAIRE not in ids and len(ids) == 459
    kinds = {r[0]: r[5] for r in rows}
    assert kinds[COMMUNITY_HOUSE] == "si_no" and kinds[TAKEN_IN_CHARGE] == "numero"
    assert all(not (cell or "").startswith(("=", "+", "-", "@")) for r in rows for cell in r)
    parsed = parse_file(f"modello.{fmt}", response.data, catalog)
    assert parsed.skipped == 459 and "non contiene valori" in str(parsed.errors[0])
    # filled in and uploaded, it imports
    if fmt == "csv":
        text = response.data.decode("utf-8-sig").replace(
            f"{TAKEN_IN_CHARGE};", f"{TAKEN_IN_CHARGE};", 1)
        filled = []
        for line in text.splitlines():
            cells = line.split(";")
            if cells[0] == TAKEN_IN_CHARGE:
                cells[3], cells[6] = "2023-H2", "77"
            filled.append(";".join(cells))
        data = "\r\n".join(filled).encode("utf-8")
    else:
        book = load_workbook(io.BytesIO(response.data))
        for cells in book["valori"].iter_rows(min_row=2):
            if cells[0].value == TAKEN_IN_CHARGE:
                cells[3].value, cells[6].value = "2023-H2", 77
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    response = upload(operator, f"modello.{fmt}", data)
    assert response.status_code == 303, text_of(response)
    assert (TAKEN_IN_CHARGE, "2023-H2", None, "number", 77.0, None) in stored(app)


def test_a_whole_filled_template_beyond_the_app_wide_size_limit_imports(app, as_role):
    operator = as_role("operator")
    template = operator.get("/indicatori/modello.csv").data.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(template, newline=""), delimiter=";"))
    for cells in rows:
        kind = cells[5] or "testo"
        cells[3], cells[5], cells[6], cells[8] = "2023-H1", kind, "x" if kind == "testo" else "1", "n" * 400
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";").writerows([header, *rows])
    data = out.getvalue().encode("utf-8")
    # above the app-wide limit, below the 500 KB beyond which the test client spools to a temporary file
    assert app.config["MAX_CONTENT_LENGTH"] < len(data) < 500 * 1024
    # only users who may import get the larger limit
    assert upload(as_role("evaluator"), "tutti.csv", data).status_code == 413
    response = upload(operator, "tutti.csv", data)
    assert response.status_code == 303, text_of(response)[:2000]
    assert len(stored(app)) == 459


def test_cli_import_reports_errors_and_imports_whole_files(app, runner, tmp_path):
    bad = tmp_path / "valori.csv"
    bad.write_bytes(csv_file(row(TAKEN_IN_CHARGE, "2022-H1", "numero", "1"),
                             row(TAKEN_IN_CHARGE, "2022-H2", "numero", "-4")))
    result = runner.invoke(args=["indicators", "import", str(bad)])
    assert result.exit_code == 1
    assert "valori.csv: riga 3, colonna «valore»: il valore non può essere negativo (-4)" in result.output
    assert stored(app) == []
    good = tmp_path / "buoni.csv"
    good.write_bytes(csv_file(row(TAKEN_IN_CHARGE, "2022-H1", "numero", "1")))
    result = runner.invoke(args=["indicators", "import", str(good), "--dry-run"])
    assert result.exit_code == 0 and "nothing stored" in result.output and stored(app) == []
    result = runner.invoke(args=["indicators", "import", str(good)])
    assert result.exit_code == 0 and "1 new" in result.output and len(stored(app)) == 1
    out = tmp_path / "modello.xlsx"
    result = runner.invoke(args=["indicators", "template", "--output", str(out)])
    assert result.exit_code == 0 and out.read_bytes().startswith(b"PK")


def test_pages_work_on_the_users_ambito_only(app, as_role):
    from survey_app.models import Comune

    with app.app_context():
        session = get_session()
        other = Ambito(code="basso-sebino", name="Basso Sebino", comuni=[Comune(code="sarnico", name="Sarnico")])
        session.add(other)
        session.flush()
        session.add(IndicatorValue(ambito_id=other.id, plan_id=give_shipped_plan(session, other).id,
                                   indicator_id=TAKEN_IN_CHARGE, semester="2022-H1",
                                   value_kind="number", value_number=999))
        session.commit()
    operator = as_role("operator")
    page = operator.get(OBJECTIVE_PAGE + "&ambito=basso-sebino").get_data(as_text=True)
    assert "999" not in page
    response = record(operator, comune="sarnico", expect=400)
    assert "Sarnico" not in response.get_data(as_text=True)
    with app.app_context():
        total = get_session().scalar(select(func.count()).select_from(IndicatorValue))
    assert total == 1


def test_unknown_objective_is_not_found_and_missing_one_goes_to_the_list(as_role):
    evaluator = as_role("evaluator")
    assert evaluator.get("/indicatori/obiettivo?id=nope").status_code == 404
    response = evaluator.get("/indicatori/obiettivo")
    assert response.status_code == 303 and response.headers["Location"].endswith("/indicatori/?piano=1")
    listing = evaluator.get("/indicatori/")
    assert re.search(r"Persona al centro|persona al centro", listing.get_data(as_text=True), re.IGNORECASE)


DELETE = "/indicatori/elimina"


def delete_form(client, indicator=TAKEN_IN_CHARGE, semester="2022-H1", comune=""):
    """The deletion form of the value shown on its correction page, as the browser would post it."""
    page = client.get(f"{RECORD}?indicatore={indicator}&semestre={semester}&comune={comune}")
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    form = soup.find("form", action=re.compile(r"/indicatori/elimina"))
    assert form is not None, "the correction page of a stored value offers to delete it"
    return {field["name"]: field.get("value", "") for field in form.find_all("input") if field["type"] == "hidden"}


def test_a_value_entered_by_mistake_is_deleted_after_confirmation_and_stays_in_the_log(app, as_role, staff):
    operator = as_role("operator")
    record(operator, semester="2022-H1", value="12")
    record(operator, semester="2022-H2", value="15")
    data = delete_form(operator, semester="2022-H2")
    # without the confirmation nothing happens, and the page says why
    response = operator.post(DELETE, data=data)
    assert response.status_code == 303 and "/indicatori/registra" in response.headers["Location"]
    assert "spunta la conferma" in text_of(operator.get(response.headers["Location"]))
    assert len(stored(app)) == 2
    response = operator.post(DELETE, data=data | {"conferma": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#{TAKEN_IN_CHARGE}")
    assert "Valore eliminato" in text_of(operator.get(response.headers["Location"]))
    assert stored(app) == [(TAKEN_IN_CHARGE, "2022-H1", None, "number", 12.0, "Cartella Sociale Informatizzata")]
    deleted = events(app, "indicator.delete")
    assert len(deleted) == 1 and deleted[0].actor == staff.operator
    assert deleted[0].detail["old"]["value"] == 15.0 and deleted[0].detail["semester"] == "2022-H2"
    # a value typed again for that semester starts a history of its own (SQLite may reuse the id)
    record(operator, semester="2022-H2", value="16")
    page = operator.get(f"{RECORD}?indicatore={TAKEN_IN_CHARGE}&semestre=2022-H2&comune=")
    history = BeautifulSoup(page.get_data(as_text=True), "html.parser").find("caption", string="Storico")
    rows = history.find_parent("table").find("tbody").find_all("tr")
    assert len(rows) == 1 and "15" not in rows[0].get_text()
    # the same deletion posted again finds nothing
    assert operator.post(DELETE, data=data | {"conferma": "1"}).status_code in (303, 404)
    assert len(stored(app)) == 2


def test_a_value_corrected_since_it_was_shown_is_not_deleted(app, as_role):
    operator = as_role("operator")
    record(operator, value="12")
    data = delete_form(operator)
    replaces = data["valore"]
    record(operator, value="13", replaces=replaces)  # someone corrects it meanwhile
    response = operator.post(DELETE, data=data | {"conferma": "1"})
    assert response.status_code == 303
    assert "corretto nel frattempo" in text_of(operator.get(response.headers["Location"]))
    assert stored(app)[0][4] == 13.0 and events(app, "indicator.delete") == []


def test_only_operators_of_the_values_ambito_delete_it(app, as_role):
    with app.app_context():
        session = get_session()
        other = Ambito(code="basso-sebino", name="Basso Sebino")
        session.add(other)
        session.flush()
        foreign = IndicatorValue(ambito_id=other.id, plan_id=give_shipped_plan(session, other).id,
                                 indicator_id=TAKEN_IN_CHARGE, semester="2022-H1",
                                 value_kind="number", value_number=999)
        session.add(foreign)
        session.commit()
        from survey_app.indicators.operations import revision_token

        foreign_token = revision_token(foreign)
    operator = as_role("operator")
    csrf = csrf_token_of(operator, RECORD)
    assert operator.post(DELETE, data={"csrf_token": csrf, "valore": foreign_token, "conferma": "1"}).status_code == 404
    assert operator.post(DELETE, data={"csrf_token": csrf, "valore": "nonsense", "conferma": "1"}).status_code == 400
    record(operator, value="12")
    data = delete_form(operator)
    evaluator = as_role("evaluator")
    assert evaluator.post(DELETE, data=data | {"csrf_token": csrf_token_of(evaluator, "/indicatori/"),
                                               "conferma": "1"}).status_code == 403
    assert len(stored(app)) == 2
