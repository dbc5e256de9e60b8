"""A questionnaire's texts as a two-column sheet for a translator, and the filled sheet read back.

Pure module: no Flask request, no database. The sheet ``Traduzione`` has one row per text of the
questionnaire (title, introduction, informativa, dimension titles, statements, scale labels,
options, comment, targets), in the order a respondent meets them: the column ``chiave`` (where
the text is, e.g. ``dimensions[0].items[1].text``; never edited), the Italian text and an empty
column for the new language, named like an XLSForm column (``Français (fr)``). Texts already
translated are filled in, so a sheet can be corrected and uploaded again.

A filled sheet is read back with every problem at its row and column. The language becomes
available to respondents only once every text is translated (a questionnaire's languages are
those of its title): a sheet with an empty cell is refused, naming each row, and nothing is
stored. The translated questionnaire is the next version (a round keeps the version it opened
with).
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Iterator

from flask_babel import gettext as _

from survey_app.questionnaires.definition import DEFAULT_LANGUAGE, Problem, QuestionnaireError
from survey_app.questionnaires.xlsform import language_label, parse_language_column
from survey_app.spreadsheets import (
    SheetLocator,
    WorkbookUnreadable,
    cell_text,
    open_workbook,
    sheet_rows,
)

SHEET = "Traduzione"
KEY, SOURCE = "chiave", "italiano"
MAX_ROWS = 2000
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def is_text(value) -> bool:
    """Whether *value* is a text in languages (``{"it": ..., "en": ...}``)."""
    return isinstance(value, dict) and DEFAULT_LANGUAGE in value and all(isinstance(v, str) for v in value.values())


def texts_of(definition: dict) -> Iterator[tuple[str, dict]]:
    """``(key, text)`` of every text in *definition*, in document order."""

    def walk(value, key: str):
        if is_text(value):
            yield key, value
        elif isinstance(value, dict):
            for name, inner in value.items():
                yield from walk(inner, f"{key}.{name}" if key else name)
        elif isinstance(value, list):
            for n, inner in enumerate(value):
                yield from walk(inner, f"{key}[{n}]")

    yield from walk(definition, "")


def _container(definition: dict, key: str) -> dict:
    """The text object at *key* of *definition*."""
    value = definition
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", key):
        value = value[int(part[1:-1])] if part.startswith("[") else value[part]
    return value


def write_translation_sheet(definition: dict, language: str) -> bytes:
    """Return the XLSX sheet of *definition*'s texts for a translation into *language*."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    if not _LANGUAGE.match(language) or language == DEFAULT_LANGUAGE:
        raise ValueError(f"not a language code other than Italian: {language!r}")
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([KEY, SOURCE, language_label(language)])
    for key, text in texts_of(definition):
        sheet.append([key, text[DEFAULT_LANGUAGE], text.get(language)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            # a text beginning with "=" stays a text: openpyxl would write it as a formula
            cell.data_type = "s" if cell.value is not None else cell.data_type
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in (("A", 36), ("B", 70), ("C", 70)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_translation_sheet(source: str, raw: bytes, definition: dict) -> tuple[str, dict[str, str]]:
    """Read a filled translation sheet of *definition*; return its language and text by key.

    :raise QuestionnaireError: with every problem (an unknown or missing key, an empty
        translation, an Italian text changed since the sheet was made), at its row and column.
    """
    try:
        book = open_workbook(raw)
    except WorkbookUnreadable as exc:
        raise QuestionnaireError([Problem(source, "", str(exc))]) from exc
    try:
        if SHEET not in book.sheetnames:
            raise QuestionnaireError([Problem(source, "", _("manca il foglio «%(name)s»", name=SHEET))])
        rows = sheet_rows(book[SHEET], max_rows=MAX_ROWS, max_columns=3)
    finally:
        book.close()
    locator = SheetLocator([SHEET])
    problems: list[tuple[str, str]] = []

    def problem(path: str, reason: str, row: int | None, column: str | None = None) -> None:
        locator.add(path, SHEET, row, column)
        problems.append((path, reason))

    header = [cell_text(v) for v in (rows[0][1] if rows else [])] + ["", "", ""]
    parsed = parse_language_column(f"x::{header[2]}") if header[2] else None
    language = parsed[1] if parsed else None
    if language is None or language == DEFAULT_LANGUAGE:
        problem("@header", _("la terza colonna deve nominare la lingua con il suo codice, per esempio "
                             "«Français (fr)»"), 1, header[2] or "C")
    wanted = dict(texts_of(definition))
    found: dict[str, str] = {}
    column = header[2] or "C"
    for line, cells in rows[1:]:
        cells = [cell_text(v) for v in cells] + ["", "", ""]
        key, italian, translated = cells[0], cells[1], cells[2]
        if not any((key, italian, translated)):
            continue
        path = f"@row[{line}]"
        if key not in wanted:
            problem(path, _("chiave sconosciuta «%(key)s»: non modificare la colonna «%(column)s»", key=key[:80],
                            column=KEY), line, KEY)
        elif key in found:
            problem(path, _("la chiave «%(key)s» compare due volte", key=key), line, KEY)
        elif italian != wanted[key][DEFAULT_LANGUAGE]:
            problem(path, _("il testo italiano è cambiato da quando il foglio è stato scaricato: scarica di nuovo "
                            "il foglio"), line, SOURCE)
        elif not translated:
            problem(path, _("manca la traduzione"), line, column)
        else:
            found[key] = translated
    # rows in sheet order, then the keys whose row is gone (they have no row to name)
    ordered = sorted(problems, key=lambda p: locator.order(p[0]))
    listed = {cell_text(cells[0]) for _line, cells in rows[1:] if cells}
    for n, key in enumerate(k for k in wanted if k not in listed):
        problem(f"@missing[{n}]", _("manca la riga della chiave «%(key)s»", key=key), None)
        ordered.append(problems[-1])
    if ordered:
        raise QuestionnaireError([Problem(source, locator.where(path), reason) for path, reason in ordered])
    return language, found


def translated(definition: dict, language: str, texts: dict[str, str]) -> dict:
    """Return the next version of *definition* with every text also in *language*."""
    result = copy.deepcopy(definition)
    for key, text in texts.items():
        _container(result, key)[language] = text
    result["version"] = definition["version"] + 1
    return result
