"""Translation sheets: a questionnaire's texts out for a translator, the filled sheet back as the next version."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.models import AuditEvent, QuestionnaireVersion
from survey_app.questionnaires.definition import (
    DEFAULT_DIRECTORY,
    Questionnaire,
    QuestionnaireError,
    content_hash,
)
from survey_app.questionnaires.translation_sheet import (
    read_translation_sheet,
    texts_of,
    translated,
    write_translation_sheet,
)

PERSONA = json.loads((DEFAULT_DIRECTORY / "persona-al-centro.json").read_text(encoding="utf-8"))
ARABIC = json.loads((Path(__file__).parents[1] / "browser" / "fixtures" / "prova-arabo.json")
                    .read_text(encoding="utf-8"))


def filled(definition: dict, language: str, translate=lambda key, italian: f"[{key}] {italian}") -> bytes:
    """The sheet of *definition* for *language* with every text translated by *translate*."""
    book = load_workbook(io.BytesIO(write_translation_sheet(definition, language)))
    for row in book["Traduzione"].iter_rows(min_row=2):
        row[2].value = translate(row[0].value, row[1].value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def edited(raw: bytes, edit) -> bytes:
    book = load_workbook(io.BytesIO(raw))
    edit(book["Traduzione"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_sheet_lists_every_text_with_italian_beside_an_empty_column():
    book = load_workbook(io.BytesIO(write_translation_sheet(PERSONA, "fr")))
    sheet = book["Traduzione"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["chiave", "italiano", "Français (fr)"]
    keys = [row[0] for row in rows[1:]]
    assert keys[:1] == ["respondents"] and "title" in keys
    assert "dimensions[0].items[0].text" in keys and "scales.agreement5.labels[0]" in keys
    assert len(keys) == len(set(keys)) == len(list(texts_of(PERSONA)))
    first_item = PERSONA["dimensions"][0]["items"][0]["text"]["it"]
    assert [first_item, None] == rows[1 + keys.index("dimensions[0].items[0].text")][1:]
    # an existing language comes back filled in, so a sheet can be corrected and sent again
    english = load_workbook(io.BytesIO(write_translation_sheet(PERSONA, "en")))["Traduzione"]
    assert english["C1"].value == "English (en)"
    assert english.cell(row=2 + keys.index("title"), column=3).value == PERSONA["title"]["en"]


def test_a_filled_sheet_gives_the_next_version_in_the_new_language():
    language, texts = read_translation_sheet("fr.xlsx", filled(PERSONA, "fr"), PERSONA)
    assert language == "fr" and len(texts) == len(list(texts_of(PERSONA)))
    result = translated(PERSONA, "fr", texts)
    assert result["version"] == PERSONA["version"] + 1
    assert result["title"]["fr"] == f"[title] {PERSONA['title']['it']}"
    assert all("fr" in text for _key, text in texts_of(result))
    assert Questionnaire(result).languages == ["it", "en", "fr"]
    # nothing else changed: without French the new version is the old one
    for _key, text in texts_of(result):
        del text["fr"]
    result["version"] = PERSONA["version"]
    assert content_hash(result) == content_hash(PERSONA)


def test_an_arabic_translation_keeps_its_right_to_left_text():
    base = json.loads(json.dumps(ARABIC))
    for _key, text in texts_of(base):
        del text["ar"]
    arabic = dict(texts_of(ARABIC))
    language, texts = read_translation_sheet("ar.xlsx", filled(base, "ar", lambda key, _it: arabic[key]["ar"]),
                                             base)
    assert language == "ar"
    result = translated(base, "ar", texts)
    assert result["title"]["ar"] == "مكتب خدمات المواطنين الأجانب" == ARABIC["title"]["ar"]
    assert Questionnaire(result).languages == ["it", "ar"]


def test_an_incomplete_or_edited_sheet_is_refused_with_each_row_and_column():
    def spoil(sheet):
        sheet["C5"].value = None                     # a missing translation
        sheet["B7"].value = "Un altro testo"         # Italian changed since download
        sheet["A9"].value = "dimensions[99].title"   # a key the questionnaire does not have

    with pytest.raises(QuestionnaireError) as refused:
        read_translation_sheet("fr.xlsx", edited(filled(PERSONA, "fr"), spoil), PERSONA)
    lines = [str(p) for p in refused.value.problems]
    assert lines[:3] == [
        "fr.xlsx: foglio Traduzione, riga 5, colonna «Français (fr)»: manca la traduzione",
        ("fr.xlsx: foglio Traduzione, riga 7, colonna «italiano»: il testo italiano è cambiato da quando il "
        "foglio è stato scaricato: scarica di nuovo il foglio"),
        ("fr.xlsx: foglio Traduzione, riga 9, colonna «chiave»: chiave sconosciuta «dimensions[99].title»: "
        "non modificare la colonna «chiave»"),
    ]
    # the row whose key was overwritten is now missing
    assert len(lines) == 4 and "manca la riga della chiave" in lines[3]


def test_a_sheet_without_a_language_code_or_not_a_workbook_is_refused():
    no_code = edited(filled(PERSONA, "fr"), lambda sheet: setattr(sheet["C1"], "value", "Francese"))
    with pytest.raises(QuestionnaireError) as refused:
        read_translation_sheet("fr.xlsx", no_code, PERSONA)
    assert "riga 1, colonna «Francese»: la terza colonna deve nominare la lingua" in str(refused.value.problems[0])
    with pytest.raises(QuestionnaireError):
        read_translation_sheet("fr.xlsx", b"not a workbook", PERSONA)
    with pytest.raises(ValueError):
        write_translation_sheet(PERSONA, "it")
    with pytest.raises(ValueError):
        write_translation_sheet(PERSONA, "Français")


def test_the_commands_publish_the_translation_as_the_next_version(app, runner, tmp_path):
    sheet = tmp_path / "fr.xlsx"
    result = runner.invoke(args=["questionnaires", "translation-sheet", "persona-al-centro", "--language", "fr",
                                 "--output", str(sheet)])
    assert result.exit_code == 0, result.output
    assert "persona-al-centro v1, texts for fr" in result.output
    written = sheet.read_bytes()
    assert load_workbook(io.BytesIO(written))["Traduzione"]["C1"].value == "Français (fr)"

    incomplete = tmp_path / "incompleto.xlsx"
    incomplete.write_bytes(edited(filled(PERSONA, "fr"), lambda s: setattr(s["C3"], "value", None)))
    refused = runner.invoke(args=["questionnaires", "translation-import", "persona-al-centro", str(incomplete)])
    assert refused.exit_code == 1
    assert "incompleto.xlsx: foglio Traduzione, riga 3, colonna «Français (fr)»: manca la traduzione" \
        in refused.output
    assert "1 problem(s): nothing imported." in refused.output

    complete = tmp_path / "completo.xlsx"
    complete.write_bytes(filled(PERSONA, "fr"))
    checked = runner.invoke(args=["questionnaires", "translation-import", "persona-al-centro", str(complete),
                                  "--dry-run"])
    assert checked.exit_code == 0 and "Nothing stored (--dry-run)" in checked.output
    with app.app_context():
        session = get_session()
        assert session.scalar(select(func.count()).select_from(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == "persona-al-centro")) == 1

    done = runner.invoke(args=["questionnaires", "translation-import", "persona-al-centro", str(complete)])
    assert done.exit_code == 0, done.output
    assert "persona-al-centro v2, now also in fr" in done.output
    with app.app_context():
        session = get_session()
        stored = session.scalar(select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == "persona-al-centro", QuestionnaireVersion.version == 2))
        assert Questionnaire(stored.definition).languages == ["it", "en", "fr"]
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "questionnaire.publish"))
        assert event.detail["format"] == "translation" and event.detail["version"] == 2


def test_the_sheet_of_an_unknown_questionnaire_or_language_is_a_usage_error(runner, tmp_path):
    unknown = runner.invoke(args=["questionnaires", "translation-sheet", "nessuno", "--language", "fr",
                                  "--output", str(tmp_path / "x.xlsx")])
    assert unknown.exit_code == 2 and "no questionnaire 'nessuno'" in unknown.output
    italian = runner.invoke(args=["questionnaires", "translation-sheet", "persona-al-centro", "--language", "it",
                                  "--output", str(tmp_path / "x.xlsx")])
    assert italian.exit_code == 2 and "not a language code other than Italian" in italian.output
