"""The rules of a semestral value and the reading of CSV/XLSX files (pure, no database)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from survey_app.indicators.importing import (
    MAX_ROWS,
    MAX_XLSX_UNZIPPED_BYTES,
    Catalog,
    InvalidValue,
    parse_file,
    parse_kind,
    parse_semester,
    parse_value,
    resolve_comune,
    semesters_until,
    suggest_kind,
)
from survey_app.indicators.template_file import (
    TemplateRow,
    instructions,
    template_csv,
    template_xlsx,
)

TODAY = date(2024, 3, 15)
CATALOG = Catalog(
    indicators={"persona-al-centro.output-1": False, "persona-al-centro.output-4": False,
                "persona-al-centro.outcome-1": False, "persona-al-centro.outcome-3": True},
    comuni={"lovere": "Lovere", "costa-volpino": "Costa Volpino", "riva-di-solto": "Riva di Solto"},
    today=TODAY,
)
HEADER = "indicatore;semestre;comune;tipo;valore;fonte;nota"


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode(encoding)


@pytest.mark.parametrize("raw, expected", [
    ("2022-H1", "2022-H1"), ("2022-h2", "2022-H2"), (" 2023 H1 ", "2023-H1"), ("2023/S2", "2023-H2"),
    ("H1 2022", "2022-H1"), ("2021-H1", "2021-H1"), ("2024-H1", "2024-H1"),
])
def test_semesters_are_read_in_their_usual_spellings(raw, expected):
    assert parse_semester(raw, today=TODAY) == expected


@pytest.mark.parametrize("raw, fragment", [
    ("2022-3", "non è un semestre"), ("2022", "non è un semestre"), ("", "non è un semestre"),
    ("2020-H2", "prima del Piano di Zona"), ("2024-H2", "semestre futuro"),
])
def test_bad_semesters_are_refused_with_the_reason(raw, fragment):
    with pytest.raises(InvalidValue, match=fragment):
        parse_semester(raw, today=TODAY)


def test_semesters_until_lists_every_semester():
    assert semesters_until("2022-H2") == ["2021-H1", "2021-H2", "2022-H1", "2022-H2"]


@pytest.mark.parametrize("kind, raw, expected", [
    ("number", "12", 12.0), ("number", "12,5", 12.5), ("number", "12.5", 12.5), ("number", " 1 234 ", 1234.0),
    ("number", 7, 7.0), ("number", 0, 0.0), ("number", "0,125", 0.125),
    ("percent", "45", 45.0), ("percent", "45,5 %", 45.5), ("percent", "100", 100.0), ("percent", 0.0, 0.0),
    ("yes_no", "sì", True), ("yes_no", "Si", True), ("yes_no", "YES", True), ("yes_no", "true", True),
    ("yes_no", "1", True), ("yes_no", 1, True), ("yes_no", True, True), ("yes_no", "no", False),
    ("yes_no", "false", False), ("yes_no", "0", False), ("yes_no", "Falso", False),
    ("text", "  In corso di attivazione  ", "In corso di attivazione"), ("text", "'=pericolo", "=pericolo"),
])
def test_values_of_each_kind(kind, raw, expected):
    assert parse_value(kind, raw) == expected


@pytest.mark.parametrize("kind, raw, fragment", [
    ("number", "-3", "negativo"), ("number", -3, "negativo"), ("number", "1.234", "separatore delle migliaia"),
    ("number", "1.234,5", "separatore delle migliaia"), ("number", "dodici", "non è un numero"),
    ("number", "", "manca il valore"), ("number", True, "non un valore vero/falso"),
    ("percent", "140", "da 0 a 100"), ("percent", 140, "da 0 a 100"), ("percent", "tanto", "non è una percentuale"),
    ("yes_no", "forse", "scrivi sì o no"), ("yes_no", "", "manca il valore"),
    ("text", "x" * 501, "500 caratteri"), ("text", "   ", "manca il valore"),
])
def test_bad_values_are_refused_with_the_reason(kind, raw, fragment):
    with pytest.raises(InvalidValue, match=fragment):
        parse_value(kind, raw)


def test_kinds_in_italian_english_and_variants():
    assert [parse_kind(k) for k in ("numero", "Percentuale", "si_no", "sì/no", "testo", "number", "%")] == [
        "number", "percent", "yes_no", "yes_no", "text", "number", "percent"]
    with pytest.raises(InvalidValue, match="sconosciuto"):
        parse_kind("data")


def test_kind_suggested_by_the_wording():
    assert suggest_kind("N. di prese in carico e di progettualità realizzate") == "number"
    assert suggest_kind("Numero di Uffici di Prossimità istituiti") == "number"
    assert suggest_kind("% di riduzione degli archivi fisici") == "percent"
    assert suggest_kind("Realizzazione del progetto “Casa della Comunità”") is None


def test_comuni_by_name_or_code_and_the_whole_ambito():
    assert resolve_comune("Costa Volpino", CATALOG.comuni) == "costa-volpino"
    assert resolve_comune("riva-di-solto", CATALOG.comuni) == "riva-di-solto"
    assert resolve_comune("LOVERE", CATALOG.comuni) == "lovere"
    assert resolve_comune("", CATALOG.comuni) is None
    assert resolve_comune("Tutto l'Ambito", CATALOG.comuni) is None
    with pytest.raises(InvalidValue, match="Comune «Bergamo» sconosciuto"):
        resolve_comune("Bergamo", CATALOG.comuni)


def test_a_valid_csv_gives_every_row():
    parsed = parse_file("valori.csv", csv_bytes(
        "persona-al-centro.output-1;2022-H1;;numero;12;Cartella Sociale Informatizzata;",
        "persona-al-centro.output-1;2022-H1;Lovere;numero;3;;prima rilevazione",
        "persona-al-centro.output-4;2022-H2;;si_no;sì;;",
    ), CATALOG)
    assert parsed.ok and parsed.format == "csv"
    assert [(r.line, r.indicator_id, r.semester, r.comune, r.kind, r.value) for r in parsed.rows] == [
        (2, "persona-al-centro.output-1", "2022-H1", None, "number", 12.0),
        (3, "persona-al-centro.output-1", "2022-H1", "lovere", "number", 3.0),
        (4, "persona-al-centro.output-4", "2022-H2", None, "yes_no", True),
    ]
    assert parsed.rows[0].source == "Cartella Sociale Informatizzata" and parsed.rows[1].note == "prima rilevazione"


@pytest.mark.parametrize("encoding, bom, delimiter", [
    ("utf-8", True, ";"), ("utf-8", False, ","), ("cp1252", False, ";"), ("utf-16", False, "\t"),
])
def test_csv_encodings_and_separators(encoding, bom, delimiter):
    header = HEADER.replace(";", delimiter)
    row = delimiter.join(["persona-al-centro.outcome-1", "2023-H1", "", "testo", "Attività già avviata", "",
                          "perché sì"])
    data = csv_bytes(row, header=header, encoding=encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    parsed = parse_file("valori.csv", data, CATALOG)
    assert parsed.ok, parsed.errors
    assert parsed.rows[0].value == "Attività già avviata" and parsed.rows[0].note == "perché sì"


def test_every_error_of_every_row_is_reported_with_its_line_and_nothing_is_returned():
    parsed = parse_file("valori.csv", csv_bytes(
        "persona-al-centro.output-1;2022-H1;;numero;12;;",
        "",
        "persona-al-centro.outcome-1;2022-H1;;percentuale;140;;",
        "persona-al-centro.outcome-3;2022-H1;;percentuale;40;;",
        "persona-al-centro.output-9;2030-H1;Bergamo;numero;1;;",
    ), CATALOG)
    assert parsed.rows == []
    messages = [str(e) for e in parsed.errors]
    assert messages[0].startswith("riga 4, colonna «valore»: una percentuale va da 0 a 100")
    assert messages[1].startswith("riga 5, colonna «indicatore»: l'indicatore persona-al-centro.outcome-3 si misura "
                                  "tramite questionario")
    assert [(e.line, e.column) for e in parsed.errors[2:]] == [(6, "indicatore"), (6, "semestre"), (6, "comune")]


def test_duplicates_and_mixed_kinds_in_one_file_are_errors():
    parsed = parse_file("valori.csv", csv_bytes(
        "persona-al-centro.output-1;2022-H1;;numero;12;;",
        "persona-al-centro.output-1;2022-H1;;numero;13;;",
        "persona-al-centro.output-1;2022-H2;;testo;tanti;;",
    ), CATALOG)
    assert [(e.line, e.column) for e in parsed.errors] == [(3, "indicatore"), (4, "tipo")]
    assert "riga 2" in parsed.errors[0].message and "riga 2" in parsed.errors[1].message


def test_header_problems_are_reported_on_line_1():
    parsed = parse_file("valori.csv", csv_bytes("x;2022-H1;1", header="indicatore;semestre;valori"), CATALOG)
    assert [(e.line, e.column) for e in parsed.errors] == [(1, "valori"), (1, "tipo"), (1, "valore")]


def test_files_with_nothing_to_import_or_unreadable():
    assert "non contiene valori" in str(parse_file("v.csv", csv_bytes(), CATALOG).errors[0])
    assert "vuoto" in str(parse_file("v.csv", b"", CATALOG).errors[0])
    assert "Excel (.xlsx) leggibile" in str(parse_file("v.xlsx", b"PK\x03\x04 not a zip", CATALOG).errors[0])
    assert ".xlsx" in str(parse_file("v.xls", b"\xd0\xcf\x11\xe0", CATALOG).errors[0])


def test_xlsx_cells_numbers_percent_format_and_booleans():
    book = Workbook()
    sheet = book.active
    sheet.append(["indicatore", "semestre", "tipo", "valore"])
    sheet.append(["persona-al-centro.output-1", "2022-H1", "numero", 12])
    sheet.append([])
    sheet.append(["persona-al-centro.outcome-1", "2022-H1", "percentuale", 0.455])
    sheet["D4"].number_format = "0.0%"
    sheet.append(["persona-al-centro.output-4", "2022-H1", "si_no", True])
    sheet.append(["persona-al-centro.output-4", "2022-H2", "si_no", "forse"])
    out = io.BytesIO()
    book.save(out)
    parsed = parse_file("valori.xlsx", out.getvalue(), CATALOG)
    assert [(e.line, e.column) for e in parsed.errors] == [(6, "valore")]
    out_ok = io.BytesIO()
    sheet.delete_rows(6)
    book.save(out_ok)
    parsed = parse_file("valori.xlsx", out_ok.getvalue(), CATALOG)
    assert parsed.format == "xlsx"
    assert [(r.line, r.value) for r in parsed.rows] == [(2, 12.0), (4, 45.5), (5, True)]


def test_template_neutralises_formulas_and_reads_back_as_nothing_to_import():
    rows = [TemplateRow("persona-al-centro.output-1", "=HYPERLINK(\"http://evil.example\")", "-1 test", "number"),
            TemplateRow("persona-al-centro.output-4", "Obiettivo", "@SUM(A1)", None)]
    text = template_csv(rows).decode("utf-8")
    assert text.startswith("\ufeffindicatore;obiettivo;descrizione;semestre;comune;tipo;valore;fonte;nota")
    assert "'=HYPERLINK" in text and ";'-1 test;" in text and ";'@SUM(A1);" in text and ";numero;" in text
    book = load_workbook(io.BytesIO(template_xlsx(rows, instructions(["Lovere"], "2024-H1"))))
    assert book.sheetnames == ["valori", "istruzioni"]
    values = [[c.value for c in row] for row in book["valori"].iter_rows()]
    assert values[1][1] == "'=HYPERLINK(\"http://evil.example\")" and values[2][2] == "'@SUM(A1)"
    assert all(c.data_type != "f" for row in book["valori"].iter_rows() for c in row)
    for name, data in (("m.csv", template_csv(rows)), ("m.xlsx", template_xlsx(rows, []))):
        parsed = parse_file(name, data, CATALOG)
        assert parsed.skipped == 2 and "non contiene valori" in str(parsed.errors[0])


# --- workbooks that expand in memory ---------------------------------------------------------

def inflating_workbook(megabytes: int) -> bytes:
    """A valid workbook whose second row is one cell of *megabytes* MB of text: about 1 KB per MB zipped."""
    book = Workbook()
    book.active.append(["indicatore", "semestre", "tipo", "valore"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename != "xl/worksheets/sheet1.xml":
                target.writestr(member.filename, source.read(member.filename))
                continue
            with target.open(member.filename, "w") as sheet:  # streamed: the text is never whole in memory
                sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                            b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
                            b'<t>indicatore</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>')
                for _ in range(megabytes):
                    sheet.write(b"A" * (1024 * 1024))
                sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    return out.getvalue()


def test_a_workbook_too_large_once_unzipped_is_refused_before_it_is_opened(monkeypatch):
    import openpyxl

    data = inflating_workbook(MAX_XLSX_UNZIPPED_BYTES // (1024 * 1024) + 1)
    assert len(data) < 100_000
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("the workbook was opened"))
    errors = parse_file("valori.xlsx", data, CATALOG).errors
    assert len(errors) == 1 and "troppi dati" in str(errors[0]) and "al massimo 20 MB" in str(errors[0])


MEMORY_PROBE = """
import json, resource, sys
from survey_app.indicators.importing import InvalidValue, read_table
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read_table("valori.xlsx", data)
    outcome = "read"
except InvalidValue as exc:
    outcome = str(exc)
grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before  # Linux: kilobytes
print(json.dumps({"outcome": outcome, "grown_mb": grown_kb / 1024}))
"""


def test_reading_a_100_kb_workbook_of_100_mb_of_text_keeps_the_process_small(tmp_path):
    # peak memory of a fresh process: without the unzipped-size check this one grows by about 200 MB
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(inflating_workbook(100))
    done = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path)], capture_output=True, text=True,
                          check=True, timeout=120)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "troppi dati" in result["outcome"]
    assert result["grown_mb"] < 16


def test_a_workbook_with_more_rows_than_allowed_is_refused():
    book = Workbook()
    sheet = book.active
    sheet.append(["indicatore", "semestre", "tipo", "valore"])
    for _ in range(MAX_ROWS + 1):
        sheet.append(["persona-al-centro.output-1", "2022-H1", "numero", 1])
    out = io.BytesIO()
    book.save(out)
    errors = parse_file("valori.xlsx", out.getvalue(), CATALOG).errors
    assert len(errors) == 1 and f"più di {MAX_ROWS} righe" in str(errors[0])
