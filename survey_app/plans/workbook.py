"""Plan workbooks: the XLSX template, and a plan read from or written to a workbook.

Pure module. A workbook has the sheets ``Istruzioni`` (how to fill it in, never read),
``Piano`` (two columns, *campo* and *valore*: :data:`PLAN_FIELDS`), ``Obiettivi`` (one row per
objective, :data:`OBJECTIVE_COLUMNS`) and ``Indicatori`` (one row per indicator,
:data:`INDICATOR_COLUMNS`, in the order of the plan within each objective and kind). Reading
turns the sheets into the data of a JSON plan file and checks it with
:func:`survey_app.plans.fileformat.parse_plan`; a :class:`WorkbookLocator` places each
problem at its sheet, row and column. The column «altri dati (JSON)» carries the keys of an
objective or indicator the sheets have no column for, so that an exported plan imports
unchanged.

Opening is bounded as for every upload (:func:`survey_app.spreadsheets.open_workbook`): so
are the uncompressed size and the rows and columns read from each sheet.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping, Sequence

from flask_babel import gettext as _

from survey_app.exports import neutralise_cell
from survey_app.plans.fileformat import (
    FORMAT,
    INDICATOR_FIELDS,
    OBJECTIVE_FIELDS,
    Issue,
    Locator,
    ParsedPlan,
    PlanFileError,
    Problem,
    parse_plan,
)
from survey_app.spreadsheets import (
    SheetLocator,
    WorkbookUnreadable,
    cell_text,
    fold,
    open_workbook,
    sheet_rows,
)

SHEET_HELP, SHEET_PLAN, SHEET_OBJECTIVES, SHEET_INDICATORS = "Istruzioni", "Piano", "Obiettivi", "Indicatori"
SHEETS = (SHEET_PLAN, SHEET_OBJECTIVES, SHEET_INDICATORS)
#: the rows of sheet ``Piano``: label in the sheet -> key of the plan header
PLAN_FIELDS = {"codice": "code", "titolo": "title", "primo anno": "first_year", "ultimo anno": "last_year",
               "stato": "status", "atto di approvazione": "approval_act", "documento": "document_url"}
EXTRA = "altri dati (JSON)"
OBJECTIVE_COLUMNS = {"id": "id", "capitolo": "chapter", "livello": "level", "macroarea": "macroarea",
                     "titolo": "title", "descrizione": "description", "destinatari": "target", EXTRA: "extra"}
INDICATOR_COLUMNS = {"obiettivo": "objective", "id": "id", "tipo": "kind", "testo": "text",
                     "valore atteso": "target", "misurato con questionario": "via_questionnaire",
                     "questionari": "questionnaires", "tempi": "timing", "rispondenti": "respondents",
                     "predecessore": "predecessor", EXTRA: "extra"}
STATUS_WORDS = {"draft": "bozza", "in_force": "in vigore", "closed": "chiuso"}
KIND_WORDS = {"process": "processo", "output": "output", "outcome": "esito"}
TIMINGS = ("ex ante", "in itinere", "ex post", "follow-up")
YES, NO = "sì", "no"
#: bounds on what is read: a workbook is a ZIP archive, small on disk and possibly huge inside
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 20

_SPLIT = re.compile(r"\s*[,;\n]\s*")
_TRUE = {"si", "s", "yes", "y", "true", "vero", "x", "1"}
_FALSE = {"no", "n", "false", "falso", "0"}


_fold = fold


_STATUSES = {**{_fold(w): s for s, w in STATUS_WORDS.items()}, **{_fold(s): s for s in STATUS_WORDS},
             "in forza": "in_force", "vigente": "in_force", "chiusa": "closed", "concluso": "closed"}
_KINDS = {**{_fold(w): k for k, w in KIND_WORDS.items()}, **{k: k for k in KIND_WORDS},
          "risultato": "outcome", "outcome": "outcome"}
_TIMINGS = {_fold(t).replace(" ", ""): t for t in TIMINGS}


class WorkbookLocator(SheetLocator, Locator):
    """Places JSON paths at the sheet, row and column of the plan workbook they were read from."""

    def __init__(self):
        super().__init__(SHEETS)


# --- reading -----------------------------------------------------------------------------------

class _Reader:
    """Turns the three sheets into plan-file data, noting each problem of a cell."""

    def __init__(self):
        self.locator = WorkbookLocator()
        self.issues: list[Issue] = []

    def problem(self, path: str, reason: str, sheet: str, row: int | None = None, column: str | None = None):
        self.issues.append(Issue(self.locator.add(path, sheet, row, column), reason))

    def header(self, sheet: str, cells: Sequence, columns: Mapping[str, str], required: Sequence[str]
               ) -> dict[int, str]:
        """Map positions to keys from a sheet's first row."""
        known = {_fold(label): (label, key) for label, key in columns.items()}
        positions, seen = {}, set()
        for position, cell in enumerate(cells):
            text = cell_text(cell)
            if not text:
                continue
            label, key = known.get(_fold(text), (None, None))
            if key is None:
                self.problem(f"@{sheet}.header[{position}]", _(
                    "colonna sconosciuta «%(name)s»: le colonne sono %(columns)s", name=text[:60],
                    columns=", ".join(columns)), sheet, 1, text[:60])
            elif key in seen:
                self.problem(f"@{sheet}.header[{position}]", _("colonna ripetuta"), sheet, 1, label)
            else:
                seen.add(key)
                positions[position] = key
        for label in required:
            if columns[label] not in seen:
                self.problem(f"@{sheet}.header.{columns[label]}", _("manca la colonna «%(column)s»", column=label),
                             sheet, 1)
        return positions

    def plan(self, rows: list[tuple[int, list]]) -> dict:
        header: dict = {}
        rows_of: dict[str, int] = {}
        labels = {key: label for label, key in PLAN_FIELDS.items()}
        known = {_fold(label): key for label, key in PLAN_FIELDS.items()}
        # the first row names the two columns, unless whoever filled in the sheet removed it
        start = 0 if rows and _fold(cell_text(rows[0][1][0] if rows[0][1] else None)) in known else 1
        for line, cells in rows[start:]:
            name, value = (cells + [None, None])[:2]
            name_text = cell_text(name)
            if not name_text:
                if cell_text(value):
                    self.problem(f"@Piano.{line}", _("manca il nome del campo"), SHEET_PLAN, line, "campo")
                continue
            key = known.get(_fold(name_text))
            if key is None:
                self.problem(f"@Piano.{line}", _("campo sconosciuto «%(name)s»: i campi sono %(fields)s",
                                                 name=name_text[:60], fields=", ".join(PLAN_FIELDS)),
                             SHEET_PLAN, line, "campo")
                continue
            if key in rows_of:
                self.problem(f"@Piano.{line}", _("il campo «%(name)s» è già alla riga %(row)d", name=labels[key],
                                                 row=rows_of[key]), SHEET_PLAN, line, "campo")
                continue
            rows_of[key] = line
            path = self.locator.add(f"$.plan.{key}", SHEET_PLAN, line, "valore")
            text = cell_text(value)
            if not text:
                continue
            if key in ("first_year", "last_year"):
                if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
                    header[key] = int(value)
                elif re.fullmatch(r"\d{4}", text):
                    header[key] = int(text)
                else:
                    self.issues.append(Issue(path, _("«%(value)s» non è un anno: scrivi quattro cifre, per esempio "
                                                     "2025", value=text[:60])))
            elif key == "status":
                if _fold(text) in _STATUSES:
                    header[key] = _STATUSES[_fold(text)]
                else:
                    self.issues.append(Issue(path, _("stato «%(value)s» sconosciuto: scrivi %(words)s",
                                                     value=text[:60], words=", ".join(STATUS_WORDS.values()))))
            else:
                header[key] = text
        for label, key in PLAN_FIELDS.items():
            if key not in rows_of and key in ("code", "title", "first_year", "last_year", "status"):
                self.problem(f"$.plan.{key}", _("manca la riga «%(name)s»", name=label), SHEET_PLAN, None, "campo")
        return header

    def extra(self, path: str, text: str, modelled: Sequence[str]) -> dict:
        if not text:
            return {}
        try:
            extra = json.loads(text)
        except json.JSONDecodeError:
            extra = None
        if not isinstance(extra, dict):
            self.issues.append(Issue(path, _("deve essere un oggetto JSON, per esempio {\"nota\": \"...\"}, "
                                             "o restare vuoto")))
            return {}
        clashes = sorted(k for k in extra if k in modelled or k.endswith("_indicators"))
        if clashes:
            self.issues.append(Issue(path, _("non può contenere %(keys)s: hanno una colonna propria",
                                             keys=", ".join(clashes))))
            return {}
        return extra

    def objectives(self, rows: list[tuple[int, list]] | None) -> tuple[list[dict], dict[str, int]]:
        if rows is None:
            return [], {}
        positions = self.header(SHEET_OBJECTIVES, rows[0][1] if rows else [], OBJECTIVE_COLUMNS, ("id", "titolo"))
        labels = {key: label for label, key in OBJECTIVE_COLUMNS.items()}
        entries, index = [], {}
        for line, cells in rows[1:]:
            values = {key: cells[p] if p < len(cells) else None for p, key in positions.items()}
            if not any(cell_text(v) for v in values.values()):
                continue
            base = self.locator.add(f"$.objectives[{len(entries)}]", SHEET_OBJECTIVES, line)
            for key in positions.values():
                self.locator.add(f"{base}.{key}", SHEET_OBJECTIVES, line, labels[key])
            entry: dict = {}
            for key in ("id", "chapter", "level", "macroarea", "title", "description"):
                text = cell_text(values.get(key)).replace("\r\n", "\n")
                if text or key in ("chapter", "level", "macroarea", "description"):
                    entry[key] = text
            entry["target"] = [t.strip() for t in cell_text(values.get("target")).splitlines() if t.strip()]
            entry.update(self.extra(f"{base}.extra", cell_text(values.get("extra")), OBJECTIVE_FIELDS))
            for kind in KIND_WORDS:
                entry[f"{kind}_indicators"] = []
            index.setdefault(entry.get("id", ""), len(entries))
            entries.append(entry)
        self.locator.add("$.objectives", SHEET_OBJECTIVES)
        return entries, index

    def indicators(self, rows: list[tuple[int, list]] | None, entries: list[dict], index: Mapping[str, int]) -> None:
        if rows is None:
            return
        positions = self.header(SHEET_INDICATORS, rows[0][1] if rows else [], INDICATOR_COLUMNS,
                                ("obiettivo", "tipo", "testo"))
        labels = {key: label for label, key in INDICATOR_COLUMNS.items()}
        for line, cells in rows[1:]:
            values = {key: cells[p] if p < len(cells) else None for p, key in positions.items()}
            texts = {key: cell_text(v).replace("\r\n", "\n") for key, v in values.items()}
            if not any(texts.values()):
                continue
            here = f"@Indicatori.{line}"
            objective_id, kind_text = texts.get("objective", ""), texts.get("kind", "")
            if not objective_id:
                self.problem(f"{here}.objective", _("manca l'obiettivo"), SHEET_INDICATORS, line, "obiettivo")
                continue
            if objective_id not in index:
                self.problem(f"{here}.objective", _("obiettivo «%(id)s» sconosciuto: non è nel foglio Obiettivi",
                                                    id=objective_id[:60]), SHEET_INDICATORS, line, "obiettivo")
                continue
            kind = _KINDS.get(_fold(kind_text))
            if kind is None:
                self.problem(f"{here}.kind", _("tipo «%(value)s» sconosciuto: scrivi processo, output o esito",
                                               value=kind_text[:60]) if kind_text else
                             _("manca il tipo: scrivi processo, output o esito"), SHEET_INDICATORS, line, "tipo")
                continue
            listed = entries[index[objective_id]][f"{kind}_indicators"]
            base = self.locator.add(f"$.objectives[{index[objective_id]}].{kind}_indicators[{len(listed)}]",
                                    SHEET_INDICATORS, line)
            for key in positions.values():
                self.locator.add(f"{base}.{key}", SHEET_INDICATORS, line, labels[key])
            listed.append(self.indicator(base, kind, texts, values))

    def indicator(self, base: str, kind: str, texts: dict[str, str], values: dict) -> dict:
        entry: dict = {}
        for key in ("id", "text", "target"):
            if texts.get(key):
                entry[key] = texts[key]
        if texts.get("predecessor"):
            plan, sep, indicator = texts["predecessor"].partition(":")
            if sep and plan.strip() and indicator.strip():
                entry["predecessor"] = {"plan": plan.strip(), "indicator": indicator.strip()}
            else:
                self.issues.append(Issue(f"{base}.predecessor", _(
                    "scrivi il codice del piano e l'identificativo dell'indicatore separati da «:», per esempio "
                    "pdz-2021-2023:persona-al-centro.outcome-3")))
        outcome_only = ("via_questionnaire", "questionnaires", "timing", "respondents")
        if kind != "outcome":
            for key in outcome_only:
                if texts.get(key) and not (key == "via_questionnaire" and _fold(texts[key]) in _FALSE):
                    self.issues.append(Issue(f"{base}.{key}", _(
                        "si compila solo per gli indicatori di esito: lascia vuoto")))
        else:
            # after a bad sì/no the file is refused anyway: assume what the questionari cell says, so the
            # one mistake gives one line
            entry["via_questionnaire"] = self.yes_no(f"{base}.via_questionnaire", values.get("via_questionnaire"),
                                                     bool(texts.get("questionnaires")))
            entry["respondents"] = texts.get("respondents") or None
            entry["timing"] = self.timing(f"{base}.timing", texts.get("timing", ""))
            links = []
            for part in _SPLIT.split(texts.get("questionnaires", "")):
                if part:
                    questionnaire, sep, measure = part.partition(":")
                    links.append({"questionnaire": questionnaire.strip(), "measure": measure.strip()}
                                 if sep else questionnaire.strip())
            if links:
                entry["questionnaires"] = links
        entry.update(self.extra(f"{base}.extra", texts.get("extra", ""), INDICATOR_FIELDS))
        return entry

    def yes_no(self, path: str, value, otherwise: bool) -> bool:
        if isinstance(value, bool):
            return value
        text = _fold(cell_text(value))
        if not text or text in _FALSE:
            return False
        if text in _TRUE:
            return True
        self.issues.append(Issue(path, _("«%(value)s»: scrivi sì o no", value=cell_text(value)[:60])))
        return otherwise

    def timing(self, path: str, text: str) -> list[str]:
        found = []
        for part in _SPLIT.split(text):
            if not part:
                continue
            timing = _TIMINGS.get(_fold(part).replace(" ", ""))
            if timing is None:
                self.issues.append(Issue(path, _("tempo «%(value)s» sconosciuto: scrivi %(timings)s, separati da "
                                                 "virgole", value=part[:60], timings=", ".join(TIMINGS))))
            elif timing not in found:
                found.append(timing)
        return found


def _rows(sheet) -> list[tuple[int, list]]:
    return sheet_rows(sheet, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)


def read_workbook(source: str, raw: bytes, questionnaires: Mapping[str, Sequence[str]]) -> ParsedPlan:
    """Read and check a plan workbook.

    :raise PlanFileError: with every problem found, each at its sheet, row and column.
    """
    try:
        book = open_workbook(raw, max_uncompressed_bytes=MAX_UNCOMPRESSED_BYTES)
    except WorkbookUnreadable as exc:
        raise PlanFileError([Problem(source, "", str(exc))]) from exc
    reader = _Reader()
    try:
        sheets, present = {}, set(book.sheetnames)
        for name in SHEETS:
            if name not in book.sheetnames:
                path = {"Piano": "$.plan", "Obiettivi": "$.objectives", "Indicatori": "@Indicatori"}[name]
                reader.problem(path, _("manca il foglio «%(name)s»", name=name), name)
                sheets[name] = None
                continue
            sheets[name] = _rows(book[name])
            if len(sheets[name]) > MAX_ROWS + 1:
                reader.problem(f"@{name}.rows", _("il foglio ha più di %(n)d righe", n=MAX_ROWS), name)
                sheets[name] = sheets[name][: MAX_ROWS + 1]
    finally:
        book.close()
    data: dict = {"format": FORMAT}
    if SHEET_PLAN in present:
        data["plan"] = reader.plan(sheets[SHEET_PLAN])
    entries, index = reader.objectives(sheets[SHEET_OBJECTIVES])
    reader.indicators(sheets[SHEET_INDICATORS], entries, index)
    data["objectives"] = entries
    reader.locator.add("$.plan", SHEET_PLAN)
    return parse_plan(data, questionnaires, source=source, locator=reader.locator, earlier=reader.issues)


# --- writing -----------------------------------------------------------------------------------

def instructions() -> list[str]:
    """How to fill in the workbook, one sentence a row of sheet ``Istruzioni``."""
    return [
        _("Questo file descrive un Piano di Zona: il foglio Piano, un foglio con gli obiettivi e uno con gli "
          "indicatori. Si carica con «flask plans import FILE --ambito CODICE» o dalla pagina Amministrazione › Piani."),
        _("Piano: codice (lettere minuscole, cifre e trattini, per esempio pdz-2025-2027: non cambiarlo più), titolo, "
          "primo e ultimo anno (al massimo 6 anni), stato (bozza, in vigore o chiuso), atto di approvazione e "
          "indirizzo del documento (facoltativi)."),
        _("Un piano in bozza si può ricaricare quante volte serve: obiettivi e indicatori vengono sostituiti. "
          "Un piano in vigore tiene gli stessi identificativi e ogni modifica resta nel registro attività. "
          "Un piano chiuso non si modifica."),
        _("Obiettivi: una riga per obiettivo. id (per esempio persona-al-centro) e titolo sono obbligatori; "
          "destinatari: uno per riga nella stessa cella."),
        _("Indicatori: una riga per indicatore, nell'ordine del piano. obiettivo (l'id del foglio Obiettivi), tipo "
          "(processo, output o esito) e testo sono obbligatori."),
        _("id dell'indicatore: facoltativo; se manca diventa obiettivo.processo-N, obiettivo.output-N o "
          "obiettivo.outcome-N secondo l'ordine. In un piano in vigore non cambiarlo."),
        _("Solo per gli indicatori di esito: misurato con questionario (sì o no), questionari (gli id dei file dei "
          "questionari separati da virgole, con «:misura» se il questionario ne ha più d'una), tempi (ex ante, "
          "in itinere, ex post, follow-up), rispondenti."),
        _("predecessore: lo stesso indicatore nel piano precedente dell'Ambito, come CODICE-PIANO:ID, per esempio "
          "pdz-2021-2023:persona-al-centro.outcome-3. Il suo risultato ex post diventa il valore ex ante."),
        _("La colonna «altri dati (JSON)» conserva informazioni senza colonna propria: lasciala com'è."),
        _("Il file viene controllato tutto: se c'è anche un solo errore non si salva nulla e ogni errore è indicato "
          "con foglio, riga e colonna."),
    ]


def _text(value) -> str | None:
    if value is None or value == "" or value == []:
        return None
    return neutralise_cell(str(value))


def _extras(entry: dict, modelled: Sequence[str]) -> str | None:
    extra = {k: v for k, v in entry.items() if k not in modelled and not k.endswith("_indicators")}
    return json.dumps(extra, ensure_ascii=False) if extra else None


def _plan_rows(header: dict) -> list[list]:
    values = dict(header)
    if "status" in values:
        values["status"] = STATUS_WORDS.get(values["status"], values["status"])
    return [[label, values.get(key)] for label, key in PLAN_FIELDS.items()]


def _objective_row(entry: dict) -> list:
    return [entry.get("id"), entry.get("chapter"), entry.get("level"), entry.get("macroarea"), entry.get("title"),
            entry.get("description"), "\n".join(entry.get("target") or []), _extras(entry, OBJECTIVE_FIELDS)]


def _indicator_row(objective_id: str, kind: str, raw) -> list:
    raw = {"text": raw} if isinstance(raw, str) else raw
    links = ", ".join(link if isinstance(link, str) else
                      link["questionnaire"] + (f":{link['measure']}" if link.get("measure") else "")
                      for link in raw.get("questionnaires") or [])
    predecessor = raw.get("predecessor")
    outcome = kind == "outcome"
    return [objective_id, raw.get("id"), KIND_WORDS[kind], raw.get("text"), raw.get("target"),
            (YES if raw.get("via_questionnaire") else NO) if outcome else None, links,
            ", ".join(raw.get("timing") or []), raw.get("respondents"),
            f"{predecessor['plan']}:{predecessor['indicator']}" if predecessor else None,
            _extras(raw, INDICATOR_FIELDS)]


def write_workbook(plan: dict | None = None) -> bytes:
    """Return a plan workbook: the empty template, or *plan* (plan-file data) written out."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    help_sheet = book.active
    help_sheet.title = SHEET_HELP
    help_sheet.column_dimensions["A"].width = 120
    for row, note in enumerate(instructions(), start=1):
        cell = help_sheet.cell(row=row, column=1, value=neutralise_cell(note))
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    def sheet_of(title: str, header: Sequence[str], rows: list[list], widths: Sequence[int]):
        sheet = book.create_sheet(title)
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r, values in enumerate(rows, start=2):
            for c, value in enumerate(values, start=1):
                if isinstance(value, int) and not isinstance(value, bool):
                    sheet.cell(row=r, column=c, value=value)
                elif (text := _text(value)) is not None:
                    cell = sheet.cell(row=r, column=c, value=text)
                    cell.data_type = "s"  # never a formula, whatever the text
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
        for c, width in enumerate(widths, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=c).column_letter].width = width
        return sheet

    def choices(sheet, values: Sequence[str], cells: str) -> None:
        validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        sheet.add_data_validation(validation)
        validation.add(cells)

    plan = plan or {"plan": {}, "objectives": []}
    plan_sheet = sheet_of(SHEET_PLAN, ("campo", "valore"), _plan_rows(plan["plan"]), (24, 80))
    status_row = list(PLAN_FIELDS).index("stato") + 2
    choices(plan_sheet, list(STATUS_WORDS.values()), f"B{status_row}")
    objective_rows = [_objective_row(entry) for entry in plan["objectives"]]
    sheet_of(SHEET_OBJECTIVES, list(OBJECTIVE_COLUMNS), objective_rows, (28, 10, 12, 30, 50, 60, 50, 30))
    indicator_rows = [_indicator_row(entry["id"], kind, raw) for entry in plan["objectives"]
                      for kind in KIND_WORDS for raw in entry.get(f"{kind}_indicators") or []]
    indicators = sheet_of(SHEET_INDICATORS, list(INDICATOR_COLUMNS), indicator_rows,
                          (28, 34, 10, 60, 30, 14, 30, 24, 30, 40, 30))
    last = len(indicator_rows) + 1000
    columns = list(INDICATOR_COLUMNS)
    for label, values in (("tipo", list(KIND_WORDS.values())), ("misurato con questionario", [YES, NO])):
        letter = indicators.cell(row=1, column=columns.index(label) + 1).column_letter
        choices(indicators, values, f"{letter}2:{letter}{last}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
