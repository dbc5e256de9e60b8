"""Reading and checking plan files, JSON and XLSX (pure: no database)."""

from __future__ import annotations

import copy
import io
import json
import zipfile

import pytest
from openpyxl import load_workbook

from survey_app.plans import fileformat, workbook
from survey_app.plans.fileformat import PlanFileError, parse_plan, questionnaire_measures, read_plan_file
from survey_app.plans.workbook import read_workbook, write_workbook
from survey_app.questionnaires.definition import DEFAULT_DIRECTORY

QUESTIONNAIRES = questionnaire_measures()
EXAMPLES = DEFAULT_DIRECTORY / "plans"
ALTO_SEBINO = EXAMPLES / "alto-sebino-2025-2027-esempio.json"
OTHER_AMBITO = EXAMPLES / "ambito-di-esempio-2025-2027.json"
HEADER_2021 = {"code": "pdz-2021-2023", "title": "Piano di Zona 2021-2023", "first_year": 2021,
               "last_year": 2023, "status": "closed"}


def example() -> dict:
    return json.loads(ALTO_SEBINO.read_text(encoding="utf-8"))


def problems_of(data: dict) -> list[str]:
    with pytest.raises(PlanFileError) as caught:
        parse_plan(data, QUESTIONNAIRES, source="piano.json")
    return [str(p) for p in caught.value.problems]


def test_the_shipped_2021_2023_catalog_is_a_plan_with_a_header():
    objectives = json.loads((DEFAULT_DIRECTORY / "objectives.json").read_text(encoding="utf-8"))
    plan = parse_plan({"format": 1, "plan": HEADER_2021, "objectives": objectives}, QUESTIONNAIRES)
    assert plan.header.period == "2021-2023"
    assert len(plan.catalog.objectives) == 29
    assert plan.catalog.indicators["persona-al-centro.process-1"].kind == "process"
    assert plan.catalog.indicators["persona-al-centro.outcome-3"].via_questionnaire
    # extra keys of the catalog stay with the objective for the reports
    assert plan.entries[0]["source_lines"] == objectives[0]["source_lines"]


def test_the_examples_are_marked_as_examples_and_link_existing_questionnaires():
    alto = read_plan_file(ALTO_SEBINO.name, ALTO_SEBINO.read_bytes(), QUESTIONNAIRES)
    other = read_plan_file(OTHER_AMBITO.name, OTHER_AMBITO.read_bytes(), QUESTIONNAIRES)
    for plan in (alto, other):
        assert "esempio" in plan.header.title.lower()
        assert plan.header.period == "2025-2027"
    assert {link.questionnaire_id for link in alto.links} >= {"persona-al-centro", "nuova-domiciliarita",
                                                              "vivere-la-disabilita"}
    assert any("migliorano" in i.text for i in alto.catalog.indicators.values() if i.questionnaires)
    assert all(i.predecessor[0] == "pdz-2021-2023" for i in alto.catalog.indicators.values() if i.questionnaires)
    assert [link.questionnaire_id for link in other.links] == ["persona-al-centro"]
    assert not set(other.catalog.objectives) & set(alto.catalog.objectives)


def test_a_link_without_measure_takes_the_indicators_own_or_the_only_one():
    plan = read_plan_file(ALTO_SEBINO.name, ALTO_SEBINO.read_bytes(), QUESTIONNAIRES)
    links = {link.indicator_id: link for link in plan.links}
    assert links["persona-al-centro.outcome-1"].measure == "persona-al-centro.outcome-3"
    assert links["inclusione-attiva.outcome-1"].measure == "inclusione-attiva-distretto.outcome-4"


def _set(data, path, value):
    *parents, last = path
    for key in parents:
        data = data[key]
    if value is DELETE:
        del data[last]
    else:
        data[last] = value


DELETE = object()
OUTCOME = ["objectives", 0, "outcome_indicators", 0]


@pytest.mark.parametrize("path, value, where, fragment", [
    (["objectives", 0, "impact_indicators"], ["x"], "$.objectives[0].impact_indicators", "tipo di indicatore sconosciuto"),
    (["objectives", 1, "id"], "persona-al-centro", "$.objectives[1].id", "compare due volte"),
    (["objectives", 1, "outcome_indicators", 0, "id"], "persona-al-centro.outcome-1",
     "$.objectives[1].outcome_indicators[0].id", "compare due volte"),
    (["objectives", 0, "output_indicators", 0, "id"], "persona-al-centro.process-2",
     "$.objectives[0].output_indicators[0].id", "compare due volte"),
    (["objectives", 2, "title"], DELETE, "$.objectives[2].title", "campo obbligatorio mancante"),
    (["objectives", 2, "title"], "  ", "$.objectives[2].title", "non può essere vuoto"),
    (["plan", "title"], DELETE, "$.plan.title", "campo obbligatorio mancante"),
    (["plan", "first_year"], 1999, "$.plan.first_year", "il minimo è 2000"),
    (["plan", "first_year"], "2025", "$.plan.first_year", "deve essere un numero intero"),
    (["plan", "first_year"], 2028, "$.plan.last_year", "viene prima del primo"),
    (["plan", "first_year"], 2020, "$.plan.last_year", "al massimo 6 anni"),
    (["plan", "status"], "vigente", "$.plan.status", "«vigente» non è ammesso"),
    (["plan", "code"], "PdZ 2025", "$.plan.code", "non è un identificativo valido"),
    (["plan", "document_url"], "www.example.org", "$.plan.document_url", "non è un indirizzo web"),
    (["plan", "colour"], "blu", "$.plan.colour", "campo sconosciuto «colour»"),
    (OUTCOME + ["questionnaires"], ["persona-al-centra"], "$.objectives[0].outcome_indicators[0].questionnaires[0]",
     "questionario «persona-al-centra» sconosciuto"),
    (OUTCOME + ["questionnaires"], [{"questionnaire": "persona-al-centro", "measure": "persona-al-centro.outcome-9"}],
     "$.objectives[0].outcome_indicators[0].questionnaires[0].measure", "non ha la misura"),
    (OUTCOME + ["questionnaires"], ["inclusione-attiva-beneficiari"],
     "$.objectives[0].outcome_indicators[0].questionnaires[0]", "ha più misure"),
    (OUTCOME + ["questionnaires"], ["persona-al-centro", "persona-al-centro"],
     "$.objectives[0].outcome_indicators[0].questionnaires[1]", "indicato due volte"),
    (OUTCOME + ["via_questionnaire"], False, "$.objectives[0].outcome_indicators[0].questionnaires",
     "non è misurato con questionario"),
    (OUTCOME + ["predecessor"], {"plan": "pdz-2025-2027", "indicator": "x.outcome-1"},
     "$.objectives[0].outcome_indicators[0].predecessor", "piano precedente"),
    (OUTCOME + ["timing"], ["a metà"], "$.objectives[0].outcome_indicators[0].timing[0]", "non è ammesso"),
    (["objectives", 0, "process_indicators", 0], 7, "$.objectives[0].process_indicators[0]", "un testo o un oggetto"),
])
def test_each_broken_json_field_gives_one_line_naming_its_path(path, value, where, fragment):
    data = example()
    _set(data, path, value)
    problems = problems_of(data)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"piano.json: {where}: "), problems
    assert fragment in problems[0]


def test_every_problem_is_reported_at_once_in_file_order():
    data = example()
    data["plan"]["status"] = "vigente"
    del data["objectives"][1]["title"]
    data["objectives"][3]["id"] = "persona-al-centro"
    problems = problems_of(data)
    assert [p.split(": ")[1] for p in problems] == ["$.plan.status", "$.objectives[1].title", "$.objectives[3].id"]


def test_undecodable_json_is_refused_with_line_and_column():
    with pytest.raises(PlanFileError) as caught:
        read_plan_file("piano.json", b'{"format": 1,\n "plan": }', QUESTIONNAIRES)
    assert str(caught.value) == ("piano.json: $: JSON non valido alla riga 2, colonna 10: Expecting value")


def test_an_oversized_file_is_refused_unread(monkeypatch):
    monkeypatch.setattr(fileformat, "MAX_FILE_BYTES", 100)
    with pytest.raises(PlanFileError, match="il file supera"):
        read_plan_file("piano.json", ALTO_SEBINO.read_bytes(), QUESTIONNAIRES)


def test_the_normal_form_is_stable():
    plan = parse_plan(example(), QUESTIONNAIRES)
    again = parse_plan({"format": 1, "plan": example()["plan"], "objectives": plan.entries}, QUESTIONNAIRES)
    assert again.entries == plan.entries
    assert again.links == plan.links
    # process indicators written as text get their derived id written out
    assert plan.entries[0]["process_indicators"][0] == {
        "id": "persona-al-centro.process-1", "text": "Progetto personalizzato per ogni nuova presa in carico"}


# --- workbooks ---------------------------------------------------------------------------------

def as_workbook(data: dict) -> bytes:
    plan = parse_plan(data, QUESTIONNAIRES)
    return write_workbook({"plan": data["plan"], "objectives": plan.entries})


def edited(raw: bytes, sheet: str, cell: str | dict, value=None) -> bytes:
    """*raw* with *cell* of *sheet* set to *value* (or every cell -> value of a dict)."""
    book = load_workbook(io.BytesIO(raw))
    for name, new in (cell.items() if isinstance(cell, dict) else [(cell, value)]):
        book[sheet][name] = new
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook_problems(raw: bytes) -> list[str]:
    with pytest.raises(PlanFileError) as caught:
        read_plan_file("piano.xlsx", raw, QUESTIONNAIRES)
    return [str(p) for p in caught.value.problems]


def test_a_plan_survives_the_workbook_unchanged():
    objectives = json.loads((DEFAULT_DIRECTORY / "objectives.json").read_text(encoding="utf-8"))
    for data in (example(), {"format": 1, "plan": HEADER_2021, "objectives": objectives}):
        plan = parse_plan(data, QUESTIONNAIRES)
        back = read_plan_file("piano.xlsx", write_workbook({"plan": data["plan"], "objectives": plan.entries}),
                              QUESTIONNAIRES)
        assert back.header == plan.header
        assert back.entries == plan.entries
        assert back.links == plan.links


def test_the_workbook_has_italian_headers_and_lists_to_choose_from():
    book = load_workbook(io.BytesIO(as_workbook(example())))
    assert book.sheetnames == ["Istruzioni", "Piano", "Obiettivi", "Indicatori"]
    assert [c.value for c in book["Piano"]["A"]] == ["campo", *workbook.PLAN_FIELDS]
    assert book["Piano"]["B6"].value == "in vigore"
    assert [c.value for c in book["Obiettivi"][1]][:7] == ["id", "capitolo", "livello", "macroarea", "titolo",
                                                          "descrizione", "destinatari"]
    assert [c.value for c in book["Indicatori"][1]][:10] == [
        "obiettivo", "id", "tipo", "testo", "valore atteso", "misurato con questionario", "questionari", "tempi",
        "rispondenti", "predecessore"]
    lists = {v.formula1 for v in book["Indicatori"].data_validations.dataValidation}
    assert lists == {'"processo,output,esito"', '"sì,no"'}
    assert {v.formula1 for v in book["Piano"].data_validations.dataValidation} == {'"bozza,in vigore,chiuso"'}
    row = [c.value for c in book["Indicatori"][5]]
    assert row[:3] == ["persona-al-centro", "persona-al-centro.outcome-1", "esito"]
    assert row[6:10] == ["persona-al-centro:persona-al-centro.outcome-3", "ex ante, ex post",
                         "beneficiari e famiglie/caregiver", "pdz-2021-2023:persona-al-centro.outcome-3"]


def test_the_template_is_empty_and_says_what_is_missing():
    raw = write_workbook()
    book = load_workbook(io.BytesIO(raw))
    assert book["Istruzioni"]["A1"].value.startswith("Questo file descrive un Piano di Zona")
    assert book["Obiettivi"].max_row == 1 and book["Indicatori"].max_row == 1
    problems = workbook_problems(raw)
    assert "piano.xlsx: foglio Piano, riga 2, colonna «valore»: campo obbligatorio mancante" in problems
    assert "piano.xlsx: foglio Obiettivi: non può essere vuoto" in problems


TIPO, ID, OBJ = "C", "B", "A"


@pytest.mark.parametrize("sheet, cell, value, where, fragment", [
    ("Indicatori", "C3", "impatto", "foglio Indicatori, riga 3, colonna «tipo»", "tipo «impatto» sconosciuto"),
    ("Indicatori", "C3", None, "foglio Indicatori, riga 3, colonna «tipo»", "manca il tipo"),
    ("Obiettivi", {"A6": "persona-al-centro", "E6": "Doppione"}, None, "foglio Obiettivi, riga 6, colonna «id»",
     "l'obiettivo «persona-al-centro» compare due volte (prima in foglio Obiettivi, riga 2, colonna «id»)"),
    ("Indicatori", "B3", "persona-al-centro.process-1", "foglio Indicatori, riga 3, colonna «id»", "compare due volte"),
    ("Obiettivi", "E4", None, "foglio Obiettivi, riga 4, colonna «titolo»", "campo obbligatorio mancante"),
    ("Piano", "B3", None, "foglio Piano, riga 3, colonna «valore»", "campo obbligatorio mancante"),
    ("Piano", "B4", "duemilaventicinque", "foglio Piano, riga 4, colonna «valore»", "non è un anno"),
    ("Piano", "B4", 1999, "foglio Piano, riga 4, colonna «valore»", "il minimo è 2000"),
    ("Piano", "B5", 2024, "foglio Piano, riga 5, colonna «valore»", "viene prima del primo"),
    ("Piano", "B6", "approvato", "foglio Piano, riga 6, colonna «valore»", "stato «approvato» sconosciuto"),
    ("Piano", "A8", "colore", "foglio Piano, riga 8, colonna «campo»", "campo sconosciuto «colore»"),
    ("Indicatori", "A3", "persona-al-centra", "foglio Indicatori, riga 3, colonna «obiettivo»",
     "obiettivo «persona-al-centra» sconosciuto"),
    ("Indicatori", "G5", "persona", "foglio Indicatori, riga 5, colonna «questionari»",
     "questionario «persona» sconosciuto"),
    ("Indicatori", "G5", "persona-al-centro:altra", "foglio Indicatori, riga 5, colonna «questionari»",
     "non ha la misura «altra»"),
    ("Indicatori", "F5", "forse", "foglio Indicatori, riga 5, colonna «misurato con questionario»", "scrivi sì o no"),
    ("Indicatori", "H5", "ex ante, a metà", "foglio Indicatori, riga 5, colonna «tempi»", "tempo «a metà» sconosciuto"),
    ("Indicatori", "J5", "pdz-2021-2023", "foglio Indicatori, riga 5, colonna «predecessore»", "separati da «:»"),
    ("Indicatori", "G2", "persona-al-centro", "foglio Indicatori, riga 2, colonna «questionari»",
     "solo per gli indicatori di esito"),
    ("Indicatori", "D6", None, "foglio Indicatori, riga 6, colonna «testo»", "campo obbligatorio mancante"),
    ("Indicatori", "L1", "colore", "foglio Indicatori, riga 1, colonna «colore»", "colonna sconosciuta"),
    ("Obiettivi", "H2", "{nota}", "foglio Obiettivi, riga 2, colonna «altri dati (JSON)»", "oggetto JSON"),
])
def test_each_broken_cell_gives_one_line_naming_sheet_row_and_column(sheet, cell, value, where, fragment):
    raw = edited(as_workbook(example()), sheet, cell, value)
    problems = workbook_problems(raw)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"piano.xlsx: {where}: "), problems
    assert fragment in problems[0]


def test_workbook_problems_are_listed_in_sheet_and_row_order():
    raw = as_workbook(example())
    for sheet, cell, value in (("Indicatori", "C9", "impatto"), ("Indicatori", "C3", "impatto"),
                               ("Piano", "B6", "approvato"), ("Obiettivi", "E4", None)):
        raw = edited(raw, sheet, cell, value)
    wheres = [p.split(": ")[1] for p in workbook_problems(raw)]
    assert wheres == ["foglio Piano, riga 6, colonna «valore»", "foglio Obiettivi, riga 4, colonna «titolo»",
                      "foglio Indicatori, riga 3, colonna «tipo»", "foglio Indicatori, riga 9, colonna «tipo»"]


def test_a_missing_sheet_is_named():
    book = load_workbook(io.BytesIO(as_workbook(example())))
    del book["Indicatori"]
    out = io.BytesIO()
    book.save(out)
    assert workbook_problems(out.getvalue()) == ["piano.xlsx: foglio Indicatori: manca il foglio «Indicatori»"]


def test_formula_looking_text_is_kept_as_text_both_ways():
    data = example()
    data["objectives"][0]["title"] = "=HYPERLINK(\"http://evil.example\")"
    raw = as_workbook(data)
    assert load_workbook(io.BytesIO(raw))["Obiettivi"]["E2"].value.startswith("'=")
    assert read_plan_file("piano.xlsx", raw, QUESTIONNAIRES).entries[0]["title"] == data["objectives"][0]["title"]


def test_a_workbook_too_large_once_decompressed_is_refused_unopened(monkeypatch):
    raw = as_workbook(example())
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        inside = sum(i.file_size for i in archive.infolist())
    monkeypatch.setattr(workbook, "MAX_UNCOMPRESSED_BYTES", inside - 1)
    assert workbook_problems(raw) == ["piano.xlsx: il file è troppo grande una volta decompresso (più di 0 MB)"]


def test_rows_beyond_the_bound_are_not_read(monkeypatch):
    monkeypatch.setattr(workbook, "MAX_ROWS", 8)
    problems = workbook_problems(as_workbook(example()))
    assert problems == ["piano.xlsx: foglio Indicatori: il foglio ha più di 8 righe"]


def test_a_file_that_is_not_a_workbook_is_refused():
    assert workbook_problems(b"PK\x03\x04 not really a zip") == ["piano.xlsx: non è un file Excel (.xlsx) leggibile"]


def test_json_and_workbook_readers_agree():
    data = example()
    from_json = read_plan_file("piano.json", json.dumps(data).encode(), QUESTIONNAIRES)
    from_xlsx = read_workbook("piano.xlsx", as_workbook(copy.deepcopy(data)), QUESTIONNAIRES)
    assert from_json.entries == from_xlsx.entries and from_json.header == from_xlsx.header
