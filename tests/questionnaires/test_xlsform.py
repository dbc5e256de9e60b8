"""XLSForm in and out: every questionnaire round-trips, pyxform converts it, broken workbooks are refused precisely."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from survey_app.plan.catalog import load_catalog
from survey_app.questionnaires.definition import (
    DEFAULT_DIRECTORY,
    QuestionnaireError,
    content_hash,
    questionnaire_files,
    validate_definition,
)
from survey_app.questionnaires.xlsform import parse_language_column, write_xlsform
from survey_app.questionnaires.xlsform_reading import read_xlsform

CATALOG = load_catalog(DEFAULT_DIRECTORY / "objectives.json")
ARABIC = Path(__file__).parents[1] / "browser" / "fixtures" / "prova-arabo.json"
COMUNI = [("lovere", "Lovere"), ("costa-volpino", "Costa Volpino")]
SHIPPED = questionnaire_files()


def definition_of(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def problems_of(raw: bytes, catalog=CATALOG, name: str = "q.xlsx") -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        read_xlsform(name, raw, catalog)
    return [str(p) for p in caught.value.problems]


def edited(raw: bytes, change) -> bytes:
    """*raw* with ``change(book)`` applied, saved again as a staff member's spreadsheet would be."""
    book = load_workbook(io.BytesIO(raw))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row_of(sheet, column: str, value: str) -> int:
    """The number of the first row of *sheet* whose *column* (by header) holds *value*."""
    headers = [c.value for c in sheet[1]]
    position = headers.index(column)
    for row in sheet.iter_rows(min_row=2):
        if row[position].value == value:
            return row[0].row
    raise AssertionError(f"{value!r} not in column {column!r}")


def set_cell(sheet, row: int, column: str, value) -> None:
    headers = [c.value for c in sheet[1]]
    # cell(value=None) would leave the cell as it is
    sheet.cell(row=row, column=headers.index(column) + 1).value = value


PERSONA = definition_of(DEFAULT_DIRECTORY / "persona-al-centro.json")
PERSONA_XLSX = write_xlsform(PERSONA, COMUNI)
IT_LABEL = "label::Italiano (it)"


@pytest.mark.parametrize("path", [*SHIPPED, ARABIC], ids=lambda p: p.stem)
def test_every_questionnaire_round_trips_to_the_same_content_hash(path):
    definition = definition_of(path)
    back = read_xlsform(f"{path.stem}.xlsx", write_xlsform(definition, COMUNI), None if path == ARABIC else CATALOG)
    assert back == definition
    assert content_hash(back) == content_hash(definition)


@pytest.mark.parametrize("path", [*SHIPPED, ARABIC], ids=lambda p: p.stem)
def test_pyxform_converts_every_export_to_an_xform(path):
    from pyxform.xls2xform import convert

    definition = definition_of(path)
    warnings: list[str] = []
    xform = convert(xlsform=io.BytesIO(write_xlsform(definition, COMUNI)), warnings=warnings, file_type=".xlsx").xform
    assert f'<data id="{definition["id"]}" version="{definition["version"]}">' in xform
    assert '<translation lang="Italiano (it)" default="true()">' in xform
    for dimension in definition["dimensions"]:
        for item in dimension["items"]:
            assert f'nodeset="/data/{dimension["id"]}/{item["id"]}"' in xform
    assert 'jr:preload="uid"' in xform  # meta/instanceID: the submission id of an ODK answer
    assert warnings == []


def test_the_shipped_questionnaires_are_many():
    assert len(SHIPPED) == 20


def test_the_shapes_the_schema_allows_round_trip_too():
    variant = copy.deepcopy(PERSONA)
    scales = variant["scales"]
    scales["frequency4"] = {"points": 4, "labels": [{"it": f"Punto {n}"} for n in range(1, 5)], "top_box": 1}
    scales["agreement5"]["top_box"] = 2
    first = variant["dimensions"][0]
    del first["scale"]
    for item in first["items"]:
        item["scale"] = "agreement5"
    first["items"][0]["scale"] = "frequency4"
    first["items"][0]["reverse"] = True
    first["items"][1]["reverse"] = False
    first["items"][1]["required"] = False
    for question in variant["context"]:
        question.pop("label")
    variant["context"][0]["required"] = True
    variant["context"][1]["required"] = False
    del variant["comment"]["max_length"]
    del variant["respondents"]
    variant["measures"][0]["target"] = {"operator": ">=", "value": 62.5, "label": {"it": "almeno 62,5%"}}
    assert validate_definition(variant, CATALOG) == []
    back = read_xlsform("variant.xlsx", write_xlsform(variant, COMUNI), CATALOG)
    assert back == variant
    without_comment = copy.deepcopy(variant)
    del without_comment["comment"]
    without_comment["context"] = []
    assert read_xlsform("v.xlsx", write_xlsform(without_comment), CATALOG) == without_comment


def test_the_export_is_an_xlsform_an_operator_can_read():
    book = load_workbook(io.BytesIO(PERSONA_XLSX))
    assert book.sheetnames == ["survey", "choices", "settings", "indicators"]
    survey = book["survey"]
    headers = [c.value for c in survey[1]]
    assert headers[:4] == ["type", "name", IT_LABEL, "label::English (en)"]
    assert [survey.cell(row=r, column=1).value for r in (2, 3, 4)] == ["note", "note", "begin_group"]
    assert survey.cell(row=5, column=1).value == "select_one agreement5"
    assert survey.cell(row=5, column=headers.index("required") + 1).value == "yes"
    comune_row = row_of(survey, "name", "context_comune")
    assert survey.cell(row=comune_row, column=1).value == "select_one comune"
    choices = book["choices"]
    assert [(c[0].value, c[1].value, c[2].value) for c in choices.iter_rows(min_row=2, max_row=3)] == [
        ("agreement5", "1", "Per niente d'accordo"), ("agreement5", "2", "Poco d'accordo")]
    dont_know = row_of(choices, "name", "ns")
    assert choices.cell(row=dont_know, column=[c.value for c in choices[1]].index("dont_know") + 1).value == "yes"
    assert {(r[1].value, r[2].value) for r in choices.iter_rows(min_row=2) if r[0].value == "comune"} == set(COMUNI)
    settings = book["settings"]
    values = dict(zip([c.value for c in settings[1]], [c.value for c in settings[2]], strict=True))
    assert values["form_id"] == "persona-al-centro" and values["version"] == "1"
    assert values["default_language"] == "Italiano (it)"
    assert values["title_translation::English (en)"] == PERSONA["title"]["en"]


def test_a_workbook_written_by_hand_with_plain_label_columns_is_read():
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    for row in (["type", "name", "label", "required"],
                ["note", "introduction", "Ci interessa la tua opinione.", None],
                ["note", "privacy_notice", "Il questionario è anonimo.", None],
                ["begin group", "servizio", "Il servizio", None],
                ["select_one accordo", "chiaro", "Le informazioni erano chiare.", "yes"],
                ["select_one accordo", "gentile", "Il personale è stato gentile.", "yes"],
                ["end group", None, None, None],
                ["text", "comment", "Vuoi aggiungere qualcosa?", None]):
        survey.append(row)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label", "dont_know"])
    for n, label in enumerate(["Per niente", "Poco", "Abbastanza", "Molto"], start=1):
        choices.append(["accordo", n, label, None])
    choices.append(["accordo", "ns", "Non so", "yes"])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "objective", "estimated_minutes", "organisation"])
    settings.append(["Il servizio sociale", "servizio-sociale-breve", 1, "persona-al-centro", 2, "Ufficio di Piano"])
    indicators = book.create_sheet("indicators")
    indicators.append(["indicator", "statistic", "dimensions"])
    indicators.append(["persona-al-centro.outcome-3", "top_box_share", "servizio"])
    out = io.BytesIO()
    book.save(out)
    definition = read_xlsform("a-mano.xlsx", out.getvalue(), CATALOG)
    assert definition["scales"] == {"accordo": {"points": 4, "labels": [{"it": t} for t in (
        "Per niente", "Poco", "Abbastanza", "Molto")], "dont_know": {"it": "Non so"}}}
    assert definition["dimensions"][0]["items"][0] == {"id": "chiaro", "text": {"it": "Le informazioni erano chiare."},
                                                      "scale": "accordo"}
    assert definition["comment"] == {"label": {"it": "Vuoi aggiungere qualcosa?"}}
    assert definition["indicators"] == ["persona-al-centro.outcome-3"]


def test_a_broken_workbook_gets_one_line_per_problem_naming_sheet_row_and_column():
    survey_rows = {}

    def breaks(book):
        survey = book["survey"]
        items = [r for r in range(2, survey.max_row + 1) if str(survey.cell(row=r, column=1).value).startswith(
            "select_one agreement5")]
        survey_rows["unknown"], survey_rows["renamed"], survey_rows["italian"] = items[0], items[1], items[2]
        set_cell(survey, items[0], "type", "select_one accordo7")
        survey_rows["original"] = items[3]
        survey_rows["name"] = survey.cell(row=items[3], column=2).value
        set_cell(survey, items[1], "name", survey_rows["name"])
        set_cell(survey, items[2], IT_LABEL, None)
        survey.insert_rows(survey.max_row + 1)
        survey_rows["repeat"] = survey.max_row + 1
        set_cell(survey, survey_rows["repeat"], "type", "begin_repeat")
        set_cell(survey, survey_rows["repeat"], "name", "familiari")

    lines = problems_of(edited(PERSONA_XLSX, breaks))
    assert lines == [
        f"q.xlsx: foglio survey, riga {survey_rows['unknown']}, colonna «type»: "
        "la lista «accordo7» non esiste nel foglio choices",
        f"q.xlsx: foglio survey, riga {survey_rows['italian']}, colonna «{IT_LABEL}»: manca il testo in italiano",
        f"q.xlsx: foglio survey, riga {survey_rows['original']}, colonna «name»: "
        f"il nome «{survey_rows['name']}» è già usato alla riga {survey_rows['renamed']}",
        f"q.xlsx: foglio survey, riga {survey_rows['repeat']}, colonna «type»: le ripetizioni («begin_repeat») non "
        "sono supportate: ogni domanda compare una volta sola",
    ], lines


@pytest.mark.parametrize(("xlsform_type", "words"), [
    ("calculate", "il tipo «calculate» non è supportato"),
    ("geopoint", "il tipo «geopoint» non è supportato"),
    ("select_multiple agreement5", "il tipo «select_multiple agreement5» non è supportato"),
    ("integer", "il tipo «integer» non è supportato"),
    ("start", "il tipo «start» non è supportato"),
])
def test_unsupported_xlsform_types_are_refused_by_name(xlsform_type, words):
    def add_row(book):
        survey = book["survey"]
        row = survey.max_row + 1
        set_cell(survey, row, "type", xlsform_type)
        set_cell(survey, row, "name", "extra")
        set_cell(survey, row, IT_LABEL, "Una domanda in più")

    lines = problems_of(edited(PERSONA_XLSX, add_row))
    assert len(lines) == 1 and words in lines[0] and ", colonna «type»: " in lines[0], lines


def test_a_filled_xlsform_column_the_app_has_no_equivalent_for_is_refused():
    def conditional(book):
        survey = book["survey"]
        column = survey.max_column + 1
        survey.cell(row=1, column=column, value="relevant")
        survey.cell(row=5, column=column, value="${context_role} = 'carer'")

    assert problems_of(edited(PERSONA_XLSX, conditional)) == [
        "q.xlsx: foglio survey, riga 1, colonna «relevant»: la colonna «relevant» di XLSForm non è supportata "
        "dall'app: svuotala o toglila"]


def test_plan_references_and_scales_are_checked_at_their_cells():
    def wrong_objective(book):
        set_cell(book["settings"], 2, "objective", "nowhere")

    lines = problems_of(edited(PERSONA_XLSX, wrong_objective))
    assert lines[0] == "q.xlsx: foglio settings, riga 2, colonna «objective»: obiettivo sconosciuto «nowhere»: " \
        "non è nel piano"
    # without a plan to check against, the objective is not a problem
    assert read_xlsform("q.xlsx", edited(PERSONA_XLSX, wrong_objective), None)["objective"] == "nowhere"

    def wrong(book):
        choices = book["choices"]
        set_cell(choices, row_of(choices, "name", "5"), "name", "6")
        indicators = book["indicators"]
        set_cell(indicators, 2, "statistic", "median")

    lines = problems_of(edited(PERSONA_XLSX, wrong))
    assert any(line.startswith("q.xlsx: foglio choices, riga 2, colonna «name»: i punti della scala devono essere "
                               "numerati da 1 a 5") for line in lines), lines
    assert any(line.startswith("q.xlsx: foglio indicators, riga 2, colonna «statistic»: «median» non è ammesso")
               for line in lines), lines


def test_a_row_without_a_name_is_refused():
    def unnamed(book):
        set_cell(book["survey"], 5, "name", None)

    assert problems_of(edited(PERSONA_XLSX, unnamed)) == [
        "q.xlsx: foglio survey, riga 5, colonna «name»: manca il nome della riga (colonna name)"]


def test_missing_sheets_and_unreadable_files():
    def drop(book):
        del book["indicators"]

    assert problems_of(edited(PERSONA_XLSX, drop)) == ["q.xlsx: foglio indicators: manca il foglio «indicators»"]
    assert problems_of(b"PK\x03\x04 not really") == ["q.xlsx: non è un file Excel (.xlsx) leggibile"]


def test_language_columns_need_their_code():
    assert parse_language_column("label::English (en)") == ("label", "en")
    assert parse_language_column("label::it") == ("label", "it")
    assert parse_language_column("label") == ("label", None)
    assert parse_language_column("label::English") is None

    def no_code(book):
        book["survey"].cell(row=1, column=4, value="label::English")

    assert problems_of(edited(PERSONA_XLSX, no_code)) == [
        "q.xlsx: foglio survey, riga 1, colonna «label::English»: scrivi la lingua con il suo codice tra "
        "parentesi, per esempio «label::English (en)»"]


def test_the_worked_example_in_the_repository_is_the_shipped_questionnaire():
    example = DEFAULT_DIRECTORY / "xlsform" / "persona-al-centro.xlsx"
    assert content_hash(read_xlsform(example.name, example.read_bytes(), CATALOG)) == content_hash(PERSONA)


def test_the_readme_documents_every_column_the_reader_knows():
    from survey_app.questionnaires import xlsform_reading

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Scrivere un questionario"):readme.index("## Plans (Piani di Zona)")]
    columns = (xlsform_reading.SURVEY_COLUMNS | xlsform_reading.CHOICES_COLUMNS | xlsform_reading.SETTINGS_COLUMNS
               | xlsform_reading.INDICATOR_COLUMNS)
    for column in sorted(columns):
        assert f"`{column}" in section, column
    assert "questionnaires/xlsform/persona-al-centro.xlsx" in section


def test_a_scale_named_like_a_context_list_cannot_be_exported():
    from survey_app.questionnaires.xlsform import XLSFormExportError

    clash = copy.deepcopy(PERSONA)
    clash["scales"]["role"] = clash["scales"].pop("agreement5")
    for dimension in clash["dimensions"]:
        dimension["scale"] = "role"
    with pytest.raises(XLSFormExportError, match=r"scale ids \['role'\]"):
        write_xlsform(clash)
