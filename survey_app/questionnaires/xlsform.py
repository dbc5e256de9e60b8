"""Questionnaires as XLSForm workbooks: the mapping, and writing a questionnaire out.

Pure module: no Flask request, no database. XLSForm (https://xlsform.org) is the spreadsheet
format of ODK Collect, KoboToolbox, SurveyCTO and Ona. A questionnaire (format 1, see
``questionnaires/schema.json``) is written as:

``survey``
    ``note`` rows ``introduction`` and ``privacy_notice`` (shown to ODK respondents too); one
    ``begin_group`` ... ``end_group`` per dimension (name: the dimension id, label: its title;
    extra column ``scale``: the dimension's default scale); inside, one ``select_one SCALE`` row
    per statement (extra column ``reverse``: ``yes`` when agreeing is the negative answer);
    then the context questions ``select_one comune|service|role`` named ``context_`` and their kind
    (``context_comune``: a dimension may be called ``service``; extra
    column ``app_label``: ``yes`` when the app's own label is used, not the file's); then the
    free comment, ``text`` named ``comment``, its length as the constraint
    ``string-length(.) <= N``.
``choices``
    one list per scale (names ``1`` to the number of points, lowest first; extra columns
    ``dont_know``: ``yes`` on the "non so" choice, stored as missing, never as a midpoint, and
    ``top_box``: ``yes`` on the points that count as a positive answer), and the lists
    ``comune`` (the Ambito's comuni: a round takes them from its Ambito), ``service``, ``role``.
``settings``
    ``form_title`` (Italian), ``form_id`` (the questionnaire id), ``version``,
    ``default_language``, and the extra columns ``objective``, ``estimated_minutes``,
    ``title_translation::LANG``, ``organisation::LANG``, ``respondents::LANG``.
``indicators``
    a sheet of the app's own, one row per measure: ``indicator``, ``statistic``, the
    ``dimensions`` or ``items`` it is computed on, ``target_operator``, ``target_value``,
    ``target_label::LANG``. XLSForm has no sheet with one row per indicator; ODK tools ignore
    sheets and columns they do not know (a test converts every export with pyxform).

Texts in several languages are columns ``label::Italiano (it)``, ``label::English (en)``...,
the XLSForm convention of a language name followed by its code. Reading is
:mod:`survey_app.questionnaires.xlsform_reading`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from survey_app.questionnaires.definition import DEFAULT_LANGUAGE

SHEET_SURVEY, SHEET_CHOICES, SHEET_SETTINGS, SHEET_INDICATORS = "survey", "choices", "settings", "indicators"
SHEETS = (SHEET_SETTINGS, SHEET_SURVEY, SHEET_CHOICES, SHEET_INDICATORS)
YES, NO = "yes", "no"
CONTEXT_KINDS = ("comune", "service", "role")
#: the survey name of each context question: a dimension may well be called ``service``
CONTEXT_NAME_PREFIX = "context_"
#: the rows of sheet ``survey`` that are the questionnaire's texts, not questions
NOTE_FIELDS = ("introduction", "privacy_notice")
COMMENT_NAME = "comment"
#: the one constraint understood: the comment's longest length
LENGTH_CONSTRAINT = re.compile(r"^\s*string-length\(\s*\.\s*\)\s*<=\s*(\d+)\s*$")
#: settings columns written in several languages, by key of the questionnaire
SETTINGS_TEXTS = {"title_translation": "title", "organisation": "organisation", "respondents": "respondents"}
MEASURE_COLUMNS = ("indicator", "statistic", "dimensions", "items", "target_operator", "target_value")
_LANGUAGE_HEADER = re.compile(r"^(?P<field>[a-z_]+)::(?:(?P<name>.*?)\s*\()?(?P<code>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\)?$")


class XLSFormExportError(ValueError):
    """The questionnaire cannot be written as an XLSForm (a scale id taken by a context list)."""


def language_name(code: str) -> str:
    """``it`` → ``Italiano``, ``ar`` → ``العربية``: the name the XLSForm column shows."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return code
    return (name[:1].upper() + name[1:]) if name else code


def language_label(code: str) -> str:
    """``it`` → ``Italiano (it)``: a language as XLSForm columns and ``default_language`` write it."""
    return f"{language_name(code)} ({code})"


def language_column(field: str, code: str) -> str:
    """``label``, ``it`` → ``label::Italiano (it)``."""
    return f"{field}::{language_label(code)}"


def parse_language_column(header: str) -> tuple[str, str | None] | None:
    """``label::English (en)`` → ``("label", "en")``; ``label`` → ``("label", None)``.

    ``None`` when the header names a language without its code in brackets, e.g.
    ``label::English``: the code is what the app stores.
    """
    if "::" not in header:
        return header, None
    match = _LANGUAGE_HEADER.match(header.strip())
    if match is None:
        return None
    return match.group("field"), match.group("code")


def _languages(definition: dict) -> list[str]:
    """Every language of any text of *definition*, Italian first."""
    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, dict):
            if DEFAULT_LANGUAGE in value and all(isinstance(v, str) for v in value.values()):
                found.update(value)
            else:
                for inner in value.values():
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(definition)
    return [DEFAULT_LANGUAGE] + sorted(found - {DEFAULT_LANGUAGE})


def _app_labels(language: str) -> dict:
    """The app's own labels (context questions, roles) in *language*, Italian outside an app."""
    from flask import has_app_context
    from flask_babel import force_locale

    from survey_app.forms.questionnaire import CONTEXT_LABELS, ROLE_LABELS

    def texts():
        return {"context": {k: str(v) for k, v in CONTEXT_LABELS.items()},
                "role": {k: str(v) for k, v in ROLE_LABELS.items()}}

    if not has_app_context():
        return texts()
    with force_locale(language):
        return texts()


def workbook_rows(definition: dict, comuni: Sequence[tuple[str, str]] = ()) -> dict[str, list[list]]:
    """Return the sheets of the XLSForm of *definition*, as rows of cells (header first).

    :param comuni: ``(code, name)`` of the comuni offered by the ``comune`` question (the
        Ambito's); the app itself takes them from the round's Ambito, so they are not read back.
    :raise XLSFormExportError: when a scale id is also the name of a context list.
    """
    languages = _languages(definition)
    labels = {language: _app_labels(language) for language in languages}
    clashes = sorted(set(definition["scales"]) & set(CONTEXT_KINDS))
    if clashes:
        raise XLSFormExportError(f"scale ids {clashes} are names of the XLSForm context lists; rename the scales")

    def texts(text: dict | None) -> list:
        return [(text or {}).get(language) for language in languages]

    def yes_no(value: bool | None) -> str | None:
        return None if value is None else (YES if value else NO)

    survey_header = (["type", "name"] + [language_column("label", c) for c in languages]
                     + [language_column("hint", c) for c in languages]
                     + ["required", "constraint", "scale", "reverse", "app_label"])
    blank_hints = [None] * len(languages)

    def survey_row(kind, name, label=None, hint=None, *, required=None, constraint=None, scale=None, reverse=None,
                   app_label=None) -> list:
        return ([kind, name] + texts(label) + (texts(hint) if hint else blank_hints)
                + [required, constraint, scale, reverse, app_label])

    survey = [survey_header]
    for field in NOTE_FIELDS:
        survey.append(survey_row("note", field, definition[field]))
    for dimension in definition["dimensions"]:
        default_scale = dimension.get("scale")
        survey.append(survey_row("begin_group", dimension["id"], dimension["title"], scale=default_scale))
        for item in dimension["items"]:
            survey.append(survey_row(
                f"select_one {item.get('scale', default_scale)}", item["id"], item["text"],
                # XLSForm's default is "not required", the app's is "required": always written
                required=YES if item.get("required", True) else NO, reverse=yes_no(item.get("reverse")),
            ))
        survey.append(survey_row("end_group", None))
    choices_header = ["list_name", "name"] + [language_column("label", c) for c in languages] + ["dont_know",
                                                                                                 "top_box"]
    choices = [choices_header]
    for scale_id, scale in definition["scales"].items():
        top_box = scale.get("top_box")
        for point, label in enumerate(scale["labels"], start=1):
            marked = top_box is not None and point > scale["points"] - top_box
            choices.append([scale_id, str(point)] + texts(label) + [None, YES if marked else None])
        if scale.get("dont_know"):
            choices.append([scale_id, "ns"] + texts(scale["dont_know"]) + [YES, None])
    for question in definition["context"]:
        kind = question["kind"]
        label = question.get("label")
        app_label = None
        if label is None:
            label, app_label = {c: labels[c]["context"][kind] for c in languages}, YES
        survey.append(survey_row(f"select_one {kind}", CONTEXT_NAME_PREFIX + kind, label,
                                 required=yes_no(question.get("required")),
                                 app_label=app_label))
        if kind == "comune":
            # pyxform needs a list with a choice: without an Ambito, a placeholder
            for code, name in list(comuni) or [("comune", "Comune")]:
                choices.append([kind, code] + [name] * len(languages) + [None, None])
        elif kind == "service":
            for option in question["options"]:
                choices.append([kind, option["id"]] + texts(option["label"]) + [None, None])
        else:
            for role in question["options"]:
                choices.append([kind, role] + [labels[c]["role"][role] for c in languages] + [None, None])
    comment = definition.get("comment")
    if comment:
        constraint = f"string-length(.) <= {comment['max_length']}" if "max_length" in comment else None
        survey.append(survey_row("text", COMMENT_NAME, comment["label"], comment.get("hint"), constraint=constraint))

    settings_header = ["form_title", "form_id", "version", "default_language", "objective", "estimated_minutes"]
    settings_row = [definition["title"][DEFAULT_LANGUAGE], definition["id"], str(definition["version"]),
                    language_label(DEFAULT_LANGUAGE), definition["objective"],
                    definition["estimated_minutes"]]
    for column, key in SETTINGS_TEXTS.items():
        wanted = languages[1:] if key == "title" else languages
        for code in wanted:
            settings_header.append(language_column(column, code))
            settings_row.append((definition.get(key) or {}).get(code))

    measures_header = list(MEASURE_COLUMNS) + [language_column("target_label", c) for c in languages]
    measures = [measures_header]
    for measure in definition["measures"]:
        target = measure.get("target") or {}
        measures.append([measure["indicator"], measure["statistic"], ", ".join(measure.get("dimensions", [])) or None,
                         ", ".join(measure.get("items", [])) or None, target.get("operator"), target.get("value")]
                        + texts(target.get("label")))
    return {SHEET_SURVEY: survey, SHEET_CHOICES: choices, SHEET_SETTINGS: [settings_header, settings_row],
            SHEET_INDICATORS: measures}


#: column widths of each sheet, by header: texts wide, codes narrow
_WIDTHS = {"type": 26, "name": 22, "list_name": 16, "form_title": 40, "form_id": 26, "indicator": 34}


def write_xlsform(definition: dict, comuni: Sequence[tuple[str, str]] = ()) -> bytes:
    """Return the XLSForm workbook (XLSX) of a validated questionnaire *definition*."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for title, rows in workbook_rows(definition, comuni).items():
        sheet = book.create_sheet(title)
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                if value is None:
                    continue
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.cell(row=r, column=c, value=value)
                else:
                    # a string cell, never a formula whatever the text (no quote added: ODK would show it)
                    cell = sheet.cell(row=r, column=c, value=str(value))
                    cell.data_type = "s"
                    if r > 1:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            header = str(cell.value or "")
            width = _WIDTHS.get(header, 50 if header.split("::")[0] in ("label", "hint", "target_label",
                                                                         "title_translation", "organisation",
                                                                         "respondents") else 14)
            sheet.column_dimensions[cell.column_letter].width = width
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
