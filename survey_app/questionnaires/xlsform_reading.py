"""Reading an XLSForm workbook into a questionnaire, with every problem at its sheet, row and column.

Pure module: no Flask request, no database. The mapping is described in
:mod:`survey_app.questionnaires.xlsform`. Reading happens in two passes, both always run so that
every problem is reported at once:

1. the sheets themselves: known columns, supported row types (anything else, a ``repeat``, a
   ``calculate``, a ``geopoint``, is refused by name, never dropped), choice lists that exist,
   names used once, the Italian text of every label;
2. the questionnaire built from them, with the same JSON Schema and reference checks as a
   JSON file (:func:`survey_app.questionnaires.definition.validate_definition`), each JSON path
   placed back at the cell it was read from by a :class:`~survey_app.spreadsheets.SheetLocator`.

Each problem reads ``FILE: foglio S, riga N, colonna «C»: MOTIVO``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _

from survey_app.plan.catalog import PlanCatalog
from survey_app.questionnaires.definition import (
    DEFAULT_LANGUAGE,
    Problem,
    QuestionnaireError,
    validate_definition,
)
from survey_app.questionnaires.xlsform import (
    COMMENT_NAME,
    CONTEXT_KINDS,
    CONTEXT_NAME_PREFIX,
    LENGTH_CONSTRAINT,
    MEASURE_COLUMNS,
    NOTE_FIELDS,
    SETTINGS_TEXTS,
    SHEET_CHOICES,
    SHEET_INDICATORS,
    SHEET_SETTINGS,
    SHEET_SURVEY,
    SHEETS,
    language_column,
    parse_language_column,
)
from survey_app.spreadsheets import (
    SheetLocator,
    WorkbookUnreadable,
    cell_text,
    fold,
    open_workbook,
    sheet_rows,
)

#: the largest workbook read (a questionnaire of 40 statements in 5 languages is ~30 KB)
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
MAX_COLUMNS = 80

#: columns each sheet may have (texts in languages are ``FIELD::Lingua (xx)``)
SURVEY_COLUMNS = {"type", "name", "label", "hint", "required", "constraint", "scale", "reverse", "app_label"}
SURVEY_TEXTS = {"label", "hint"}
CHOICES_COLUMNS = {"list_name", "name", "label", "dont_know", "top_box"}
SETTINGS_COLUMNS = {"form_title", "form_id", "version", "default_language", "objective", "estimated_minutes",
                    *SETTINGS_TEXTS}
INDICATOR_COLUMNS = {*MEASURE_COLUMNS, "target_label"}
#: XLSForm columns the app's questionnaires have no equivalent for: refused when a cell is filled
UNSUPPORTED_COLUMNS = {
    "relevant", "calculation", "choice_filter", "repeat_count", "default", "appearance", "read_only",
    "constraint_message", "required_message", "parameters", "trigger", "guidance_hint", "image", "audio",
    "video", "media", "body", "bind", "instance", "noapp_label", "jr:count", "label_hint",
    "style", "instance_name", "public_key", "submission_url", "allow_choice_duplicates", "namespaces",
    "clean_text_values", "filter",
}
_GROUP_BEGIN = {"begin_group", "begin group"}
_GROUP_END = {"end_group", "end group"}
_REPEAT = {"begin_repeat", "begin repeat", "end_repeat", "end repeat"}
_TRUE = {"yes", "true", "true()", "1", "si", "sì", "y", "x"}
_FALSE = {"no", "false", "false()", "0", "n"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SPLIT = re.compile(r"\s*[,;\s]\s*")
_REQUIRED_SHEETS = (SHEET_SURVEY, SHEET_CHOICES, SHEET_SETTINGS, SHEET_INDICATORS)
#: the parts of a questionnaire each sheet gives
_SHEET_PARTS = {SHEET_SURVEY: ("$.dimensions", "$.context", "$.introduction", "$.privacy_notice"),
                SHEET_CHOICES: ("$.scales",), SHEET_SETTINGS: ("$",), SHEET_INDICATORS: ("$.measures", "$.indicators")}


@dataclass
class _Column:
    """One column of a sheet: its header as written, the field it gives, the language of a text."""

    position: int
    header: str
    field: str
    language: str | None


class _Sheet:
    """A sheet's header and rows, with the cell of a row read by field."""

    def __init__(self, name: str, rows: list[tuple[int, list]], columns: list[_Column]):
        self.name, self.rows, self.columns = name, rows, columns
        self.by_field = {c.field: c for c in columns if c.language is None}

    def value(self, cells: list, field: str) -> str:
        column = self.by_field.get(field)
        if column is None or column.position >= len(cells):
            return ""
        return cell_text(cells[column.position])

    def raw(self, cells: list, field: str):
        column = self.by_field.get(field)
        return None if column is None or column.position >= len(cells) else cells[column.position]

    def texts(self, cells: list, field: str) -> dict[str, str]:
        found = {}
        for column in self.columns:
            if column.field == field and column.position < len(cells):
                text = cell_text(cells[column.position])
                if text:
                    found[column.language or DEFAULT_LANGUAGE] = text
        return found

    def header_of(self, field: str, language: str | None = None) -> str:
        """The header of *field* (in *language* for texts), to name its column in a problem."""
        for column in self.columns:
            if column.field == field and (column.language or DEFAULT_LANGUAGE) == (language or DEFAULT_LANGUAGE):
                return column.header
        # the column is missing: name the one to add
        return language_column(field, language) if language else field


class _Reader:
    """Turns the four sheets into a questionnaire definition, noting each problem of a cell."""

    def __init__(self):
        self.locator = SheetLocator(SHEETS)
        self.problems: list[tuple[str, str]] = []
        #: paths whose problem the reader has already told: the schema pass says nothing more on them
        self.flagged: list[str] = []

    def problem(self, path: str, reason: str, sheet: str, row: int | None = None, column: str | None = None):
        self.locator.add(path, sheet, row, column)
        self.problems.append((path, reason))
        self.flagged.append(path)

    def place(self, path: str, sheet: _Sheet, row: int, field: str | None = None, language: str | None = None):
        self.locator.add(path, sheet.name, row, sheet.header_of(field, language) if field else None)
        return path

    # --- headers -------------------------------------------------------------------------------

    def sheet(self, name: str, rows: list[tuple[int, list]], allowed: set[str], texts: set[str]) -> _Sheet:
        columns = []
        header_cells = rows[0][1] if rows else []
        for position, cell in enumerate(header_cells):
            header = cell_text(cell)
            if not header:
                continue
            parsed = parse_language_column(header)
            path = f"@{name}.header[{position}]"
            if parsed is None:
                self.problem(path, _("scrivi la lingua con il suo codice tra parentesi, per esempio "
                                     "«label::English (en)»"), name, 1, header)
                continue
            field, language = parsed
            field = field.strip().lower()
            if language is not None and field not in texts:
                self.problem(path, _("la colonna «%(field)s» non ha versioni per lingua", field=field), name, 1, header)
            elif field in UNSUPPORTED_COLUMNS or field.startswith(("media::", "bind::", "instance::")):
                if any(cell_text(cells[position]) for _line, cells in rows[1:] if position < len(cells)):
                    self.problem(path, _("la colonna «%(column)s» di XLSForm non è supportata dall'app: "
                                         "svuotala o toglila", column=header), name, 1, header)
            elif field not in allowed:
                self.problem(path, _("colonna sconosciuta «%(column)s»: le colonne sono %(columns)s",
                                     column=header[:60], columns=", ".join(sorted(allowed))), name, 1, header)
            elif any(c.field == field and c.language == language for c in columns):
                self.problem(path, _("colonna ripetuta"), name, 1, header)
            else:
                columns.append(_Column(position, header, field, language))
        return _Sheet(name, rows[1:], columns)

    # --- survey --------------------------------------------------------------------------------

    def survey(self, sheet: _Sheet, lists: dict[str, list], data: dict) -> tuple[set[str], set[str]]:
        """Read the survey rows into *data*; return the lists used by items and by context questions."""
        dimensions, context = [], []
        scale_lists, context_lists = set(), set()
        names: dict[str, int] = {}
        group = None
        for line, cells in sheet.rows:
            kind = " ".join(sheet.value(cells, "type").split())
            name = sheet.value(cells, "name")
            if not kind and not name and not any(cell_text(v) for v in cells):
                continue
            where = f"@survey[{line}]"
            self.place(where, sheet, line, "type")
            folded = kind.lower()
            if not kind:
                self.problem(where, _("manca il tipo della riga"), SHEET_SURVEY, line, "type")
                continue
            if folded in _GROUP_END:
                if group is None:
                    self.problem(where, _("«end_group» senza un «begin_group» prima"), SHEET_SURVEY, line, "type")
                group = None
                continue
            if not name:
                self.problem(f"{where}.name", _("manca il nome della riga (colonna name)"), SHEET_SURVEY, line, "name")
                continue
            if folded not in _GROUP_BEGIN:
                # groups are dimensions, whose ids the questionnaire's own checks keep unique
                if name in names:
                    self.problem(f"{where}.name", _("il nome «%(name)s» è già usato alla riga %(row)d", name=name,
                                                     row=names[name]), SHEET_SURVEY, line, "name")
                    continue
                names[name] = line
            self._unused_cells(sheet, cells, line, folded)
            if folded in _REPEAT:
                self.problem(where, _("le ripetizioni («%(type)s») non sono supportate: ogni domanda compare una "
                                      "volta sola", type=kind), SHEET_SURVEY, line, "type")
            elif folded in _GROUP_BEGIN:
                if group is not None:
                    self.problem(where, _("un gruppo dentro un altro gruppo non è supportato: ogni gruppo è una "
                                          "dimensione del questionario"), SHEET_SURVEY, line, "type")
                    continue
                path = f"$.dimensions[{len(dimensions)}]"
                self.place(path, sheet, line)
                self.place(f"{path}.id", sheet, line, "name")
                group = {"id": name, "title": self.text(f"{path}.title", sheet, cells, line, "label"), "items": []}
                if scale := sheet.value(cells, "scale"):
                    self.place(f"{path}.scale", sheet, line, "scale")
                    group["scale"] = scale
                    if scale not in lists:
                        self.unknown_list(f"{path}.scale", scale, line, "scale")
                    scale_lists.add(scale)
                dimensions.append(group)
                group["_path"] = path
            elif folded.startswith("select_one ") and len(folded.split()) == 2:
                list_name = kind.split()[1]
                if group is not None:
                    self.item(sheet, cells, line, group, list_name, lists)
                    scale_lists.add(list_name)
                elif name.removeprefix(CONTEXT_NAME_PREFIX) in CONTEXT_KINDS and name.startswith(CONTEXT_NAME_PREFIX):
                    self.context_question(sheet, cells, line, context, name.removeprefix(CONTEXT_NAME_PREFIX),
                                          list_name, lists)
                    context_lists.add(list_name)
                else:
                    self.problem(where, _("una domanda a scelta fuori da un gruppo deve chiamarsi %(names)s "
                                          "(le affermazioni stanno dentro un gruppo)",
                                          names=", ".join(CONTEXT_NAME_PREFIX + k for k in CONTEXT_KINDS)),
                                 SHEET_SURVEY, line, "name")
            elif folded == "note" and group is None and name in NOTE_FIELDS:
                self.place(f"$.{name}", sheet, line, "label")
                data[name] = self.text(f"$.{name}", sheet, cells, line, "label")
            elif folded == "note":
                self.problem(where, _("le sole note ammesse, fuori dai gruppi, sono %(names)s",
                                      names=", ".join(NOTE_FIELDS)), SHEET_SURVEY, line, "name")
            elif folded == "text" and group is None and name == COMMENT_NAME:
                self.comment(sheet, cells, line, data)
            elif folded == "text":
                self.problem(where, _("la sola domanda «text» ammessa è il commento finale, fuori dai gruppi, "
                                      "chiamato «%(name)s»", name=COMMENT_NAME), SHEET_SURVEY, line, "name")
            else:
                self.problem(where, _("il tipo «%(type)s» non è supportato: un questionario dell'app ha "
                                      "affermazioni su scala (select_one) in gruppi, le domande context_comune, "
                                      "context_service e context_role, le note introduction e privacy_notice e "
                                      "il commento (text)",
                                      type=kind), SHEET_SURVEY, line, "type")
        if group is not None:
            self.problem(group["_path"], _("il gruppo «%(name)s» non è chiuso da un «end_group»", name=group["id"]),
                         SHEET_SURVEY, self.locator.place(group["_path"])[1], "type")
        for dimension in dimensions:
            dimension.pop("_path")
        data["dimensions"], data["context"] = dimensions, context
        return scale_lists, context_lists

    def _unused_cells(self, sheet: _Sheet, cells: list, line: int, kind: str) -> None:
        """Refuse a filled cell that the row's type does not use (``reverse`` on a note...)."""
        used = {"select_one": {"required", "reverse"}, "group": {"scale"}, "context": {"required", "app_label"},
                "text": {"constraint"}}
        if kind.startswith("select_one"):
            allowed = used["select_one"] | used["context"]
        elif kind in _GROUP_BEGIN:
            allowed = used["group"]
        elif kind == "text":
            allowed = used["text"]
        else:
            allowed = set()
        for field in ("required", "constraint", "scale", "reverse", "app_label"):
            if field not in allowed and sheet.value(cells, field):
                self.problem(f"@survey[{line}].{field}", _("la colonna «%(column)s» non vale per una riga di tipo "
                                                           "«%(type)s»: svuota la cella", column=field, type=kind),
                             SHEET_SURVEY, line, field)

    def text(self, path: str, sheet: _Sheet, cells: list, line: int, field: str) -> dict:
        """The texts of *field* by language; a missing Italian text is a problem of its cell."""
        texts = sheet.texts(cells, field)
        self.place(path, sheet, line, field, DEFAULT_LANGUAGE)
        if DEFAULT_LANGUAGE not in texts:
            self.problem(path, _("manca il testo in italiano"), sheet.name, line,
                         sheet.header_of(field, DEFAULT_LANGUAGE))
        return texts

    def yes_no(self, path: str, sheet: _Sheet, cells: list, line: int, field: str) -> bool | None:
        value = sheet.value(cells, field).lower()
        if not value:
            return None
        self.place(path, sheet, line, field)
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        self.problem(path, _("scrivi yes o no, non «%(value)s»", value=value[:40]), sheet.name, line, field)
        return None

    def unknown_list(self, path: str, list_name: str, line: int, column: str) -> None:
        self.problem(path, _("la lista «%(name)s» non esiste nel foglio choices", name=list_name),
                     SHEET_SURVEY, line, column)

    def item(self, sheet: _Sheet, cells: list, line: int, group: dict, list_name: str, lists: dict) -> None:
        path = f"{group['_path']}.items[{len(group['items'])}]"
        self.place(path, sheet, line)
        self.place(f"{path}.id", sheet, line, "name")
        item = {"id": sheet.value(cells, "name"), "text": self.text(f"{path}.text", sheet, cells, line, "label")}
        self.place(f"{path}.scale", sheet, line, "type")
        if list_name not in lists:
            self.unknown_list(f"{path}.scale", list_name, line, "type")
        if list_name != group.get("scale"):
            item["scale"] = list_name
        reverse = self.yes_no(f"{path}.reverse", sheet, cells, line, "reverse")
        if reverse is not None:
            item["reverse"] = reverse
        # XLSForm's "not required" is an empty cell; the app's default, required, is "yes"
        if self.yes_no(f"{path}.required", sheet, cells, line, "required") is not True:
            item["required"] = False
        group["items"].append(item)

    def context_question(self, sheet: _Sheet, cells: list, line: int, context: list, kind: str, list_name: str,
                         lists: dict) -> None:
        path = f"$.context[{len(context)}]"
        self.place(path, sheet, line)
        question: dict = {"kind": kind}
        app_label = self.yes_no(f"{path}.app_label", sheet, cells, line, "app_label")
        if not app_label:
            question["label"] = self.text(f"{path}.label", sheet, cells, line, "label")
        required = self.yes_no(f"{path}.required", sheet, cells, line, "required")
        if required is not None:
            question["required"] = required
        if list_name not in lists:
            self.unknown_list(path, list_name, line, "type")
        elif kind != "comune":
            self.locator.add(f"{path}.options", SHEET_CHOICES, lists[list_name][0]["line"], "list_name")
            options = []
            for n, choice in enumerate(lists[list_name]):
                self.locator.add(f"{path}.options[{n}]", SHEET_CHOICES, choice["line"], "name")
                if kind == "role":
                    options.append(choice["name"])
                else:
                    self.locator.add(f"{path}.options[{n}].label", SHEET_CHOICES, choice["line"], choice["label_header"])
                    options.append({"id": choice["name"], "label": choice["label"]})
            question["options"] = options
        context.append(question)

    def comment(self, sheet: _Sheet, cells: list, line: int, data: dict) -> None:
        self.place("$.comment", sheet, line)
        comment = {"label": self.text("$.comment.label", sheet, cells, line, "label")}
        if hint := sheet.texts(cells, "hint"):
            self.place("$.comment.hint", sheet, line, "hint", DEFAULT_LANGUAGE)
            comment["hint"] = hint
        if constraint := sheet.value(cells, "constraint"):
            self.place("$.comment.max_length", sheet, line, "constraint")
            match = LENGTH_CONSTRAINT.match(constraint)
            if match:
                comment["max_length"] = int(match.group(1))
            else:
                self.problem("$.comment.max_length", _("il solo vincolo ammesso è la lunghezza massima, "
                                                       "«string-length(.) <= 1000»"), SHEET_SURVEY, line, "constraint")
        data["comment"] = comment

    # --- choices -------------------------------------------------------------------------------

    def choices(self, sheet: _Sheet) -> dict[str, list]:
        lists: dict[str, list] = {}
        for line, cells in sheet.rows:
            list_name, name = sheet.value(cells, "list_name"), sheet.value(cells, "name")
            if not list_name and not name and not any(cell_text(v) for v in cells):
                continue
            if not list_name or not name:
                missing = "list_name" if not list_name else "name"
                self.problem(f"@choices[{line}]", _("manca il valore della colonna «%(column)s»", column=missing),
                             SHEET_CHOICES, line, missing)
                continue
            entries = lists.setdefault(list_name, [])
            if any(e["name"] == name for e in entries):
                self.problem(f"@choices[{line}]", _("la scelta «%(name)s» compare due volte nella lista «%(list)s»",
                                                    name=name, list=list_name), SHEET_CHOICES, line, "name")
                continue
            entries.append({"line": line, "name": name, "label": sheet.texts(cells, "label"),
                            "label_header": sheet.header_of("label", DEFAULT_LANGUAGE),
                            "dont_know": sheet.value(cells, "dont_know").lower() in _TRUE,
                            "top_box": sheet.value(cells, "top_box").lower() in _TRUE})
        return lists

    def scales(self, lists: dict[str, list], used: set[str], context_lists: set[str]) -> dict:
        scales = {}
        for list_name, entries in lists.items():
            if list_name in context_lists and list_name not in used:
                continue
            path = f"$.scales.{list_name}"
            self.locator.add(path, SHEET_CHOICES, entries[0]["line"], "list_name")
            points, dont_know = [], None
            for entry in entries:
                if entry["dont_know"]:
                    if dont_know is not None:
                        self.problem(path, _("la lista ha due scelte «dont_know»"), SHEET_CHOICES, entry["line"],
                                     "dont_know")
                    dont_know = entry
                elif entry["name"].isdigit():
                    points.append(entry)
                else:
                    self.problem(f"{path}[{entry['line']}]", _(
                        "in una scala le scelte si chiamano 1, 2, 3... dal punto più basso; «%(name)s» non è un "
                        "numero (la scelta «non so» ha «yes» nella colonna dont_know)", name=entry["name"]),
                        SHEET_CHOICES, entry["line"], "name")
            points.sort(key=lambda e: int(e["name"]))
            if [int(e["name"]) for e in points] != list(range(1, len(points) + 1)):
                self.problem(f"{path}.points", _("i punti della scala devono essere numerati da 1 a %(n)d senza "
                                                 "salti", n=len(points)), SHEET_CHOICES, entries[0]["line"], "name")
            self.locator.add(f"{path}.points", SHEET_CHOICES, entries[0]["line"], "name")
            labels = []
            for n, entry in enumerate(points):
                self.locator.add(f"{path}.labels[{n}]", SHEET_CHOICES, entry["line"], entry["label_header"])
                labels.append(self._choice_label(f"{path}.labels[{n}]", entry))
            scale: dict = {"points": len(points), "labels": labels}
            if dont_know is not None:
                self.locator.add(f"{path}.dont_know", SHEET_CHOICES, dont_know["line"], dont_know["label_header"])
                scale["dont_know"] = self._choice_label(f"{path}.dont_know", dont_know)
            marked = [int(e["name"]) for e in points if e["top_box"]]
            if marked:
                self.locator.add(f"{path}.top_box", SHEET_CHOICES, entries[0]["line"], "top_box")
                if sorted(marked) != list(range(len(points) - len(marked) + 1, len(points) + 1)):
                    self.problem(f"{path}.top_box", _("«top_box» va sui punti più alti della scala, uno dopo "
                                                      "l'altro"), SHEET_CHOICES, entries[0]["line"], "top_box")
                scale["top_box"] = len(marked)
            scales[list_name] = scale
        return scales

    def _choice_label(self, path: str, entry: dict) -> dict:
        if DEFAULT_LANGUAGE not in entry["label"]:
            self.problem(path, _("manca il testo in italiano"), SHEET_CHOICES, entry["line"], entry["label_header"])
        return entry["label"]

    # --- settings and indicators ---------------------------------------------------------------

    def settings(self, sheet: _Sheet, data: dict) -> None:
        rows = [(line, cells) for line, cells in sheet.rows if any(cell_text(v) for v in cells)]
        if not rows:
            self.problem("@settings.values", _("il foglio settings non ha la riga dei valori"), SHEET_SETTINGS, 2)
            return
        if len(rows) > 1:
            self.problem("@settings", _("il foglio settings ha una sola riga di valori"), SHEET_SETTINGS, rows[1][0])
        line, cells = rows[0]
        for key, field in (("id", "form_id"), ("objective", "objective")):
            self.place(f"$.{key}", sheet, line, field)
            data[key] = sheet.value(cells, field)
        title = sheet.texts(cells, "title_translation")
        self.place("$.title", sheet, line, "form_title")
        if form_title := sheet.value(cells, "form_title"):
            title[DEFAULT_LANGUAGE] = form_title
        data["title"] = title
        for key, field in (("version", "version"), ("estimated_minutes", "estimated_minutes")):
            self.place(f"$.{key}", sheet, line, field)
            value = sheet.value(cells, field)
            if re.fullmatch(r"\d+", value):
                data[key] = int(value)
            else:
                data[key] = value
                if value:
                    self.problem(f"$.{key}", _("deve essere un numero intero"), SHEET_SETTINGS, line, field)
        for column, key in SETTINGS_TEXTS.items():
            if key != "title" and (texts := sheet.texts(cells, column)):
                self.place(f"$.{key}", sheet, line, column, DEFAULT_LANGUAGE)
                data[key] = texts
        default = sheet.value(cells, "default_language")
        if default:
            parsed = parse_language_column(f"label::{default}") if "(" in default else ("label", default.lower())
            if parsed is None or (parsed[1] != DEFAULT_LANGUAGE and fold(default) not in ("italiano", "italian")):
                self.problem("@settings.default_language", _("la lingua predefinita è l'italiano: scrivi "
                                                             "«Italiano (it)»"), SHEET_SETTINGS, line,
                             "default_language")

    def indicators(self, sheet: _Sheet, data: dict) -> None:
        measures, indicators = [], []
        for line, cells in sheet.rows:
            if not any(cell_text(v) for v in cells):
                continue
            path = f"$.measures[{len(measures)}]"
            self.place(path, sheet, line)
            measure: dict = {}
            for field in ("indicator", "statistic"):
                self.place(f"{path}.{field}", sheet, line, field)
                measure[field] = sheet.value(cells, field)
            for field in ("dimensions", "items"):
                if value := sheet.value(cells, field):
                    self.place(f"{path}.{field}", sheet, line, field)
                    measure[field] = [part for part in _SPLIT.split(value) if part]
            operator, value = sheet.value(cells, "target_operator"), sheet.raw(cells, "target_value")
            label = sheet.texts(cells, "target_label")
            if operator or cell_text(value) or label:
                self.place(f"{path}.target", sheet, line, "target_operator")
                self.place(f"{path}.target.value", sheet, line, "target_value")
                target: dict = {"operator": operator}
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    target["value"] = value
                elif _NUMBER.match(cell_text(value)):
                    number = float(cell_text(value))
                    target["value"] = int(number) if number.is_integer() and "." not in cell_text(value) else number
                else:
                    self.problem(f"{path}.target.value", _("scrivi il valore atteso come numero"), SHEET_INDICATORS,
                                 line, "target_value")
                if label:
                    self.place(f"{path}.target.label", sheet, line, "target_label", DEFAULT_LANGUAGE)
                    target["label"] = label
                measure["target"] = target
            if measure["indicator"] and measure["indicator"] not in indicators:
                self.place(f"$.indicators[{len(indicators)}]", sheet, line, "indicator")
                indicators.append(measure["indicator"])
            measures.append(measure)
        data["measures"], data["indicators"] = measures, indicators


def read_xlsform(source: str, raw: bytes, catalog: PlanCatalog | None = None) -> dict:
    """Read and check an XLSForm workbook; return the questionnaire definition (format 1).

    :param catalog: the plan whose objective and indicators the questionnaire measures.
    :raise QuestionnaireError: with every problem found, each at its sheet, row and column.
    """
    if len(raw) > MAX_FILE_BYTES:
        raise QuestionnaireError([Problem(source, "", _("il file è troppo grande: al massimo %(mb)d MB",
                                                        mb=MAX_FILE_BYTES // (1024 * 1024)))])
    try:
        book = open_workbook(raw)
    except WorkbookUnreadable as exc:
        raise QuestionnaireError([Problem(source, "", str(exc))]) from exc
    reader = _Reader()
    try:
        found = {fold(name): name for name in book.sheetnames}
        sheets: dict[str, list] = {}
        for name in _REQUIRED_SHEETS:
            if name not in found:
                reader.problem(f"@{name}", _("manca il foglio «%(name)s»", name=name), name)
                # what the sheet would have given is missing for that one reason
                reader.flagged.extend(_SHEET_PARTS[name])
                sheets[name] = []
                continue
            sheets[name] = sheet_rows(book[found[name]], max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
            if len(sheets[name]) > MAX_ROWS + 1:
                reader.problem(f"@{name}.rows", _("il foglio ha più di %(n)d righe", n=MAX_ROWS), name)
                sheets[name] = sheets[name][: MAX_ROWS + 1]
    finally:
        book.close()
    data: dict = {"format": 1}
    survey = reader.sheet(SHEET_SURVEY, sheets[SHEET_SURVEY], SURVEY_COLUMNS, SURVEY_TEXTS)
    choices = reader.sheet(SHEET_CHOICES, sheets[SHEET_CHOICES], CHOICES_COLUMNS, {"label"})
    settings = reader.sheet(SHEET_SETTINGS, sheets[SHEET_SETTINGS], SETTINGS_COLUMNS, set(SETTINGS_TEXTS))
    indicators = reader.sheet(SHEET_INDICATORS, sheets[SHEET_INDICATORS], INDICATOR_COLUMNS, {"target_label"})
    for sheet, fields in ((survey, ("type", "name", "label")), (choices, ("list_name", "name", "label")),
                          (settings, ("form_title", "form_id", "version")),
                          (indicators, ("indicator", "statistic"))):
        for field in fields:
            if sheets[sheet.name] and field not in {c.field for c in sheet.columns}:
                reader.problem(f"@{sheet.name}.header.{field}", _("manca la colonna «%(column)s»", column=field),
                               sheet.name, 1)
    reader.settings(settings, data)
    lists = reader.choices(choices)
    scale_lists, context_lists = reader.survey(survey, lists, data)
    data["scales"] = reader.scales(lists, scale_lists, context_lists)
    reader.indicators(indicators, data)
    problems = [(path, reason) for path, reason in reader.problems]
    if not reader.problems or _complete(data):
        for problem in validate_definition(data, catalog, source=source):
            if not any(problem.path == f or problem.path.startswith((f + ".", f + "[")) for f in reader.flagged):
                problems.append((problem.path, problem.reason))
    if problems:
        ordered = sorted(dict.fromkeys(problems), key=lambda p: reader.locator.order(p[0]))
        raise QuestionnaireError(list(dict.fromkeys(
            Problem(source, reader.locator.where(path), reason) for path, reason in ordered)))
    return data


def _complete(data: dict) -> bool:
    """Whether the sheets gave every part of a questionnaire (else the schema pass adds only noise)."""
    return all(key in data for key in ("id", "title", "scales", "dimensions", "measures"))

