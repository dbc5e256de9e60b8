"""Downloads: formats, neutralised formula payloads, labels, no-store, audit log, the CLI."""

from __future__ import annotations

import csv
import io

import openpyxl
import pyreadstat
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from survey_app.db import get_session
from survey_app.exports.dataset import DONT_KNOW_CODE
from survey_app.models import AuditEvent, Response, Round

from .conftest import FORMULA

DOWNLOADS = {
    "risposte.csv": "export.csv",
    "risposte-per-questionario.csv": "export.csv",
    "risposte-virgola.csv": "export.csv",
    "risultati.xlsx": "export.xlsx",
    "risposte.sav": "export.sav",
    "codebook.csv": "export.codebook",
}


@pytest.fixture
def filled_round(make_round, fill):
    """A round of 8 responses; the first has a formula as its comment and "non so" on one item."""
    round_ = make_round("persona-al-centro")
    fill(round_.id, 8, comune="lovere", service="sad", comment=FORMULA,
         answers={"access_time": None})
    return round_.id


def _events(app, action=None):
    with app.app_context():
        query = sa.select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(get_session().scalars(query))


def test_every_download_is_private_and_logged(app, as_role, filled_round):
    client = as_role("evaluator")
    for name, action in DOWNLOADS.items():
        before = len(_events(app, action))
        response = client.get(f"/risultati/rilevazioni/{filled_round}/{name}")
        assert response.status_code == 200, name
        assert response.headers["Cache-Control"] == "no-store", name
        assert f"rilevazione-{filled_round}-" in response.headers["Content-Disposition"]
        assert response.data
        events = _events(app, action)
        assert len(events) == before + 1, name
        assert events[-1].actor == "valutatore@altosebino.example"
        assert events[-1].target_id == str(filled_round)
    operator = as_role("operator")
    for name in DOWNLOADS:
        assert operator.get(f"/risultati/rilevazioni/{filled_round}/{name}").status_code == 403


def test_csv_for_italian_excel_with_neutralised_comment(as_role, filled_round):
    client = as_role("evaluator")
    wide = client.get(f"/risultati/rilevazioni/{filled_round}/risposte-per-questionario.csv").data
    assert wide.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(wide.decode("utf-8-sig")), delimiter=";"))
    header, data = rows[0], rows[1:]
    assert len(data) == 8 and "commento" in header and "access_easy" in header
    comments = [row[header.index("commento")] for row in data]
    assert "'" + FORMULA in comments
    assert FORMULA not in comments
    assert all(not c.startswith(("=", "+", "-", "@")) for row in data for c in row)
    assert {row[header.index("access_time")] for row in data} == {"NS"}  # "non so", never a number

    long = client.get(f"/risultati/rilevazioni/{filled_round}/risposte.csv").data
    assert long.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(long.decode("utf-8-sig")), delimiter=";"))
    assert {r["non_so"] for r in rows if r["domanda"] == "access_time"} == {"1"}
    assert "'" + FORMULA in {r["commento"] for r in rows}

    plain = client.get(f"/risultati/rilevazioni/{filled_round}/risposte-virgola.csv").data
    assert not plain.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(plain.decode("utf-8"))))
    assert len(rows) == 8 and "'" + FORMULA in {r["commento"] for r in rows}


def test_xlsx_opens_and_neutralises_text(as_role, filled_round):
    response = as_role("evaluator").get(f"/risultati/rilevazioni/{filled_round}/risultati.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["dati", "codebook", "statistiche_item", "statistiche_dimensioni",
                               "indicatori"]
    data = book["dati"]
    header = [c.value for c in data[1]]
    column = header.index("commento") + 1
    comments = [data.cell(row=r, column=column) for r in range(2, data.max_row + 1)]
    payload = next(c for c in comments if c.value and "HYPERLINK" in c.value)
    assert payload.value == "'" + FORMULA
    assert payload.data_type == "s"
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
    items = book["statistiche_item"]
    assert items.max_row == 1 + 10  # one row per item
    assert [c.value for c in items[2]][:2] == [filled_round, "access_easy"]


def test_sav_carries_variable_and_value_labels(as_role, filled_round, tmp_path):
    response = as_role("evaluator").get(f"/risultati/rilevazioni/{filled_round}/risposte.sav")
    path = tmp_path / "r.sav"
    path.write_bytes(response.data)
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert len(frame) == 8
    labels = meta.column_names_to_labels
    assert labels["access_easy"] == "È stato facile chiedere aiuto al servizio sociale."
    assert labels["comune"] and labels["commento"]
    assert meta.variable_value_labels["access_easy"][5.0] == "Molto d'accordo"
    assert meta.variable_value_labels["access_easy"][float(DONT_KNOW_CODE)].lower().startswith("non so")
    assert meta.variable_value_labels["comune"][float(frame["comune"].iloc[0])] == "Lovere"
    assert meta.missing_ranges["access_time"] == [{"lo": 98.0, "hi": 98.0}, {"lo": 99.0, "hi": 99.0}]
    assert set(frame["access_time"]) == {99.0}  # "non so", user-missing
    assert meta.variable_measure["access_easy"] == "ordinal"
    plain, _meta = pyreadstat.read_sav(str(path))
    assert plain["access_time"].isna().all()  # SPSS leaves it out of statistics
    assert all(len(name.encode()) <= 64 and name[0].isalpha() for name in frame.columns)


def test_codebook_lists_every_variable(as_role, filled_round):
    body = as_role("evaluator").get(f"/risultati/rilevazioni/{filled_round}/codebook.csv").data
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    names = [r["variabile"] for r in rows]
    assert names[0] == "id_risposta" and names[-1] == "commento"
    access = next(r for r in rows if r["variabile"] == "access_easy")
    assert access["etichetta"].startswith("È stato facile")
    assert "5 = Molto d'accordo" in access["valori"] and "99" in access["mancanti"]


def test_comparison_workbook(app, as_role, make_round, fill):
    before, after = make_round("persona-al-centro"), make_round("persona-al-centro", "ex-post")
    fill(before.id, 6, seed=1)
    fill(after.id, 7, seed=2, shift=0.5)
    client = as_role("admin")
    response = client.get(f"/risultati/confronto.xlsx?prima={before.id}&dopo={after.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert "confronti" in book.sheetnames
    assert book["dati"].max_row == 1 + 13
    tests = [c.value for c in book["confronti"]["G"]][1:]  # "codice test"
    assert book["confronti"]["G1"].value == "codice test"
    assert "mann_whitney" in tests
    event = _events(app, "export.xlsx")[-1]
    assert event.detail["compared_with"] == before.id
    assert client.get("/risultati/confronto.xlsx").status_code == 400


def test_cli_export_writes_the_same_files_and_logs(app, runner, filled_round, tmp_path):
    for fmt in ("csv", "csv-wide", "csv-comma", "xlsx", "sav", "codebook"):
        output = tmp_path / f"out.{fmt}"
        result = runner.invoke(args=["results", "export", str(filled_round), "--format", fmt,
                                     "--output", str(output)])
        assert result.exit_code == 0, result.output
        assert output.stat().st_size > 0
    frame, meta = pyreadstat.read_sav(str(tmp_path / "out.sav"))
    assert len(frame) == 8 and meta.column_names_to_labels["access_easy"]
    assert openpyxl.load_workbook(tmp_path / "out.xlsx").sheetnames[0] == "dati"
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    events = [e for e in _events(app) if e.action.startswith("export.")]
    assert len(events) == 6 and {e.actor for e in events} == {"cli"}
    bad = runner.invoke(args=["results", "export", "999", "--format", "csv", "--output",
                              str(tmp_path / "x.csv")])
    assert bad.exit_code != 0


def test_downloads_declare_the_charset_once_and_rows_are_not_in_submission_order(
        app, as_role, filled_round):
    client = as_role("evaluator")
    for name in DOWNLOADS:
        content_type = client.get(f"/risultati/rilevazioni/{filled_round}/{name}").content_type
        assert content_type.count("charset") <= 1, (name, content_type)
        if name.endswith(".csv"):
            assert content_type == "text/csv; charset=utf-8"
    wide = client.get(f"/risultati/rilevazioni/{filled_round}/risposte-virgola.csv").data
    ids = [line.split(b",")[0] for line in wide.splitlines()[1:]]
    with app.app_context():
        stored = [str(i).encode() for i in get_session().scalars(
            sa.select(Response.id).where(Response.round_id == filled_round))]
    assert len(ids) == 8 and not set(ids) & set(stored)  # pseudonymous, not the row ids
    assert ids == sorted(ids)  # the order of the pseudonyms, not of submission
    again = client.get(f"/risultati/rilevazioni/{filled_round}/risposte-virgola.csv").data
    assert [line.split(b",")[0] for line in again.splitlines()[1:]] == ids  # stable


def test_an_item_everybody_answered_non_so_shows_its_counts(app, as_role, filled_round):
    """Issue 15.11: n = 0 and 8 "non so", not "n<5" with missing "–"; labels, dates, formats."""
    client = as_role("evaluator")
    page = BeautifulSoup(client.get(f"/risultati/rilevazioni/{filled_round}").data, "html.parser")
    with app.app_context():
        round_ = get_session().get(Round, filled_round)
        text = next(i.text["it"] for i in round_.questionnaire_version.questionnaire.items
                    if i.id == "access_time")
    heading = next(th for th in page.find_all("th", scope="row") if th.get_text().startswith(text))
    cells = [td.get_text(strip=True) for td in heading.find_parent("tr").find_all("td")]
    assert cells[:3] == ["0", "8", "0"]  # n, "non so", not answered
    book = openpyxl.load_workbook(io.BytesIO(
        client.get(f"/risultati/rilevazioni/{filled_round}/risultati.xlsx").data))
    items = book["statistiche_item"]
    header = [c.value for c in items[1]]
    rows = [dict(zip(header, (c.value for c in r))) for r in items.iter_rows(min_row=2)]
    access = next(r for r in rows if r["domanda"] == "access_time")
    assert access["n"] == 0 and access["non so"] == 8 and access["senza risposta"] == 0
    assert access["nota"] == "nessuna risposta valida" and access["media"] is None
    shown = next(r for r in rows if r["domanda"] == "access_easy")
    assert shown["nome dimensione"] and shown["nome dimensione"] != shown["dimensione"]
    column = header.index("media") + 1
    assert items.cell(2, column).number_format == "0.0"
    assert items.cell(2, header.index("IC 95% inf") + 1).number_format == "0.000"
    for r in rows:  # Wilson bounds: exact 0 or 1, never 2.8e-17
        for key in ("IC 95% inf", "IC 95% sup"):
            assert r[key] is None or r[key] == 0 or r[key] == 1 or 1e-9 < r[key] < 1 - 1e-9
    data = book["dati"]
    dates = [c for c in data[header_index(data, "data")]][1:]
    assert dates and all(c.is_date and c.number_format == "yyyy-mm-dd" for c in dates)
    assert all(data.column_dimensions[letter].width for letter in ("A", "B", "C"))


def header_index(sheet, title: str) -> str:
    """Return the column letter of *title* in *sheet*'s header row."""
    return next(c.column_letter for c in sheet[1] if c.value == title)
