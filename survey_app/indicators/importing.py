"""Reading and checking semestral indicator values, typed in a form or imported from a file.

Pure module: no database and no request. The same rules check a value typed in the form
and a row of a CSV or XLSX file:

* **semester** ``YYYY-H1`` (January-June) or ``YYYY-H2`` (July-December), from ``2021-H1``
  (the plan's first) to the current semester; ``2022 h1``, ``2022/S1`` and ``H1 2022`` are
  read too;
* **kind** ``numero`` (a number 0 or more, decimals allowed: counts, hours, days, euro;
  a change is shown by the trend, never typed as a negative number), ``percentuale``
  (0-100, ``%`` optional; an XLSX cell formatted as a percentage is read as such),
  ``si_no`` (sì/si/no/yes/true/false/vero/falso/1/0, stored as a boolean) or ``testo``
  (up to 500 characters). The kind is chosen with each value, and every value of an
  indicator in an Ambito must have the same kind (checked by :mod:`.operations`);
* numbers take the decimal comma or point (``12,5`` or ``12.5``); a thousands separator
  (``1.234``) is refused because it cannot be told from a decimal point;
* **comune** empty (the whole Ambito) or the name or code of a comune of the Ambito;
* **source** up to 200 characters, **note** up to 1000, both optional.

A file's first row names the columns (:data:`TEMPLATE_COLUMNS`, any order, ``indicatore``,
``semestre``, ``tipo`` and ``valore`` required). Rows with no semester, comune, value,
source or note are skipped: the template lists every indicator and is filled in only where
there is something to record. Line numbers are those a spreadsheet shows (the header is
row 1, one row per record). :func:`parse_file` reads and checks every row and returns all
the errors; the caller stores the rows only when there is none.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _

from survey_app.exports.cells import FORMULA_TRIGGERS
from survey_app.models.indicators import (
    MAX_NOTE_LENGTH,
    MAX_SOURCE_LENGTH,
    MAX_TEXT_LENGTH,
    VALUE_KINDS,
)
from survey_app.plan.operations import slugify

#: the plan's first semester: values before it are refused
FIRST_SEMESTER = "2021-H1"
#: rows and columns read from a file at most
MAX_ROWS = 5000
MAX_COLUMNS = 30
#: the most an XLSX file may hold once unzipped: a workbook is a zip of XML that compresses
#: a thousandfold, so a small upload can expand to gigabytes in memory (see :func:`_check_unzipped_size`)
MAX_XLSX_UNZIPPED_BYTES = 20 * 1024 * 1024

#: the ``tipo`` codes of files and their stored kinds
FILE_KIND_CODES = {"numero": "number", "percentuale": "percent", "si_no": "yes_no", "testo": "text"}
#: stored kind -> ``tipo`` code
KIND_FILE_CODES = {kind: code for code, kind in FILE_KIND_CODES.items()}
_KIND_ALIASES = {
    **FILE_KIND_CODES, **{kind: kind for kind in VALUE_KINDS},
    "n": "number", "num": "number", "numerico": "number", "numeric": "number",
    "%": "percent", "perc": "percent", "percento": "percent", "percentage": "percent",
    "si_o_no": "yes_no", "sino": "yes_no", "yes_no": "yes_no", "yesno": "yes_no", "booleano": "yes_no",
    "boolean": "yes_no", "testuale": "text",
}

#: the columns of the template, in order
TEMPLATE_COLUMNS = ("indicatore", "obiettivo", "descrizione", "semestre", "comune", "tipo", "valore",
                    "fonte", "nota")
REQUIRED_COLUMNS = ("indicatore", "semestre", "tipo", "valore")
#: columns only there to help whoever fills in the file; never read
HELP_COLUMNS = ("obiettivo", "descrizione")
#: columns whose content makes a row something to import
_CONTENT_COLUMNS = ("semestre", "comune", "valore", "fonte", "nota")
_COLUMN_ALIASES = {
    "id_indicatore": "indicatore", "codice_indicatore": "indicatore", "indicator": "indicatore",
    "semester": "semestre", "periodo": "semestre", "tipo_valore": "tipo", "kind": "tipo",
    "value": "valore", "fonti": "fonte", "source": "fonte", "note": "nota",
    "descrizione_indicatore": "descrizione", "testo_indicatore": "descrizione", "indicatore_testo": "descrizione",
    "objective": "obiettivo",
}
#: comune cells meaning "the whole Ambito"
_WHOLE_AMBITO = {"ambito", "tutto-l-ambito", "intero-ambito", "totale", "tutti", "tutti-i-comuni"}

_SEMESTER = re.compile(r"^(\d{4})\s*[-/_ ]?\s*[HS]([12])$", re.IGNORECASE)
_SEMESTER_REVERSED = re.compile(r"^[HS]([12])\s*[-/_ ]?\s*(\d{4})$", re.IGNORECASE)
_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_DECIMAL = re.compile(r"^\d+([.,]\d+)?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRUE = {"si", "s", "yes", "y", "true", "vero", "1"}
_FALSE = {"no", "n", "false", "falso", "0"}


class InvalidValue(ValueError):
    """A typed value cannot be accepted; ``str(exc)`` says why, in the interface language."""


# --- semesters ---------------------------------------------------------------------------------

def semester_of(day: date) -> str:
    """Return the semester *day* falls in, e.g. ``2023-H2`` for 3 October 2023."""
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def previous_semester(semester: str) -> str:
    """Return the semester before *semester* (``2023-H1`` → ``2022-H2``)."""
    year, half = int(semester[:4]), int(semester[-1])
    return f"{year}-H1" if half == 2 else f"{year - 1}-H2"


def semesters_until(last: str, first: str = FIRST_SEMESTER) -> list[str]:
    """Return every semester from *first* to *last*, oldest first."""
    found = []
    year, half = int(first[:4]), int(first[-1])
    while f"{year}-H{half}" <= last:
        found.append(f"{year}-H{half}")
        year, half = (year, 2) if half == 1 else (year + 1, 1)
    return found


def semester_label(semester: str) -> str:
    """Return ``1° semestre 2023`` for ``2023-H1``."""
    return _("%(n)d° semestre %(year)s", n=int(semester[-1]), year=semester[:4])


def parse_semester(raw, *, today: date) -> str:
    """Return *raw* as ``YYYY-H1``/``YYYY-H2``.

    :raise InvalidValue: for another format, a semester before :data:`FIRST_SEMESTER` or
        after the current one.
    """
    text = _cell_text(raw)
    match = _SEMESTER.match(text)
    if match:
        year, half = match.group(1), match.group(2)
    elif (match := _SEMESTER_REVERSED.match(text)):
        half, year = match.group(1), match.group(2)
    else:
        raise InvalidValue(_("«%(value)s» non è un semestre: scrivi AAAA-H1 (gennaio-giugno) o AAAA-H2 "
                             "(luglio-dicembre), per esempio 2022-H1", value=_excerpt(text)))
    semester = f"{year}-H{half}"
    if semester < FIRST_SEMESTER:
        raise InvalidValue(_("%(semester)s è prima del Piano di Zona: il primo semestre è %(first)s",
                             semester=semester, first=FIRST_SEMESTER))
    if semester > semester_of(today):
        raise InvalidValue(_("%(semester)s è un semestre futuro: l'ultimo possibile è %(last)s",
                             semester=semester, last=semester_of(today)))
    return semester


# --- kinds and values --------------------------------------------------------------------------

def parse_kind(raw) -> str:
    """Return the stored kind (:data:`~survey_app.models.indicators.VALUE_KINDS`) of a ``tipo`` cell.

    :raise InvalidValue: for an unknown kind.
    """
    text = _cell_text(raw)
    key = re.sub(r"[\s/\-]+", "_", _fold(text))
    if key in _KIND_ALIASES:
        return _KIND_ALIASES[key]
    if not text:
        raise InvalidValue(_("manca il tipo: scrivi numero, percentuale, si_no o testo"))
    raise InvalidValue(_("tipo «%(value)s» sconosciuto: scrivi numero, percentuale, si_no o testo", value=_excerpt(text)))


def suggest_kind(indicator_text: str) -> str | None:
    """Guess the kind of an indicator from its wording, for the template and the form.

    ``N. di prese in carico`` → ``number``, ``% di riduzione`` → ``percent``; ``None`` when
    the wording says nothing (the operator chooses).
    """
    text = indicator_text.strip().lower()
    if re.match(r"^(n\.|n°|nr\.?\s|numero\b)", text):
        return "number"
    if "%" in text or text.startswith("percentuale"):
        return "percent"
    return None


def parse_value(kind: str, raw) -> float | bool | str:
    """Return *raw* (text, or a number or boolean from a spreadsheet cell) as a value of *kind*.

    :raise InvalidValue: when *raw* is missing or not a valid value of *kind*.
    """
    if kind == "yes_no":
        return _parse_yes_no(raw)
    if kind == "text":
        text = _clean_text(raw)
        if not text:
            raise InvalidValue(_("manca il valore"))
        if len(text) > MAX_TEXT_LENGTH:
            raise InvalidValue(_("il testo supera %(n)d caratteri (ne ha %(length)d)", n=MAX_TEXT_LENGTH,
                                 length=len(text)))
        return text
    number = _parse_number(raw, percent=kind == "percent")
    if kind == "percent" and number > 100:
        raise InvalidValue(_("una percentuale va da 0 a 100, non %(value)s", value=_shown(number)))
    return number


def _parse_number(raw, *, percent: bool) -> float:
    if isinstance(raw, bool):
        raise InvalidValue(_("serve un numero, non un valore vero/falso"))
    if isinstance(raw, (int, float)):
        number = float(raw)
        if not math.isfinite(number):
            raise InvalidValue(_("serve un numero"))
    else:
        text = re.sub(r"[\s\u00a0\u202f]+", "", _cell_text(raw))
        if percent and text.endswith("%"):
            text = text[:-1]
        if not text:
            raise InvalidValue(_("manca il valore"))
        if text.startswith("-") and _DECIMAL.match(text[1:]):
            raise InvalidValue(_("il valore non può essere negativo (%(value)s)", value=_excerpt(text)))
        if _THOUSANDS.match(text):
            raise InvalidValue(_("«%(value)s»: scrivi il numero senza separatore delle migliaia e con la virgola "
                                 "per i decimali, per esempio 1234 o 12,5", value=_excerpt(text)))
        if not _DECIMAL.match(text):
            if percent:
                raise InvalidValue(_("«%(value)s» non è una percentuale: scrivi un numero da 0 a 100, per esempio "
                                     "45 o 45,5", value=_excerpt(text)))
            raise InvalidValue(_("«%(value)s» non è un numero: scrivi per esempio 12 o 12,5", value=_excerpt(text)))
        number = float(text.replace(",", "."))
    if number < 0:
        raise InvalidValue(_("il valore non può essere negativo (%(value)s)", value=_shown(number)))
    return number


def _parse_yes_no(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    text = _cell_text(raw)
    word = _fold(text)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    if not text:
        raise InvalidValue(_("manca il valore: scrivi sì o no"))
    raise InvalidValue(_("«%(value)s»: scrivi sì o no", value=_excerpt(text)))


def parse_optional_text(raw, max_length: int, what: str) -> str | None:
    """Return a source or note, stripped, or ``None`` when empty.

    :raise InvalidValue: when longer than *max_length* characters.
    """
    text = _clean_text(raw)
    if len(text) > max_length:
        raise InvalidValue(_("%(what)s supera %(n)d caratteri (ne ha %(length)d)", what=what, n=max_length,
                             length=len(text)))
    return text or None


def resolve_comune(raw, comuni: Mapping[str, str]) -> str | None:
    """Return the code of the comune named by *raw*, ``None`` for the whole Ambito.

    :param comuni: code -> name of the Ambito's comuni.
    :raise InvalidValue: for a comune not in *comuni*.
    """
    text = _cell_text(raw)
    slug = slugify(text)
    if not slug or slug in _WHOLE_AMBITO:
        return None
    for code, name in comuni.items():
        if slug in (code, slugify(name)):
            return code
    raise InvalidValue(_("Comune «%(value)s» sconosciuto nell'Ambito: scrivi uno di %(names)s, o lascia vuoto "
                         "per tutto l'Ambito", value=_excerpt(text), names=", ".join(sorted(comuni.values()))))


# --- rows --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Catalog:
    """What rows are checked against: the plan's indicators and the Ambito's comuni, and today."""

    #: indicator id -> whether it is measured by questionnaire
    indicators: Mapping[str, bool]
    #: comune code -> name
    comuni: Mapping[str, str]
    today: date


@dataclass(frozen=True)
class ValueRow:
    """A checked value, ready to store."""

    indicator_id: str
    semester: str
    #: comune code, ``None`` for the whole Ambito
    comune: str | None
    kind: str
    value: float | bool | str
    source: str | None = None
    note: str | None = None
    #: the file's line, ``None`` for a value typed in the form
    line: int | None = None

    @property
    def key(self) -> tuple[str, str, str | None]:
        """Indicator, semester and comune: one value each."""
        return self.indicator_id, self.semester, self.comune


@dataclass(frozen=True)
class RowError:
    """A problem of a file: its line as a spreadsheet shows it (``None``: the whole file) and column."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        if self.column is None:
            return _("riga %(line)d: %(message)s", line=self.line, message=self.message)
        return _("riga %(line)d, colonna «%(column)s»: %(message)s", line=self.line, column=self.column,
                 message=self.message)


def check_indicator(raw, indicators: Mapping[str, bool]) -> str:
    """Return the indicator id in *raw* if it can receive semestral values.

    :raise InvalidValue: for an unknown indicator or one measured by questionnaire.
    """
    text = _cell_text(raw)
    indicator_id = text.lower()
    if not indicator_id:
        raise InvalidValue(_("manca l'indicatore"))
    if indicator_id not in indicators:
        raise InvalidValue(_("indicatore «%(value)s» sconosciuto: usa l'identificativo del modello, per esempio "
                             "persona-al-centro.output-1", value=_excerpt(text)))
    if indicators[indicator_id]:
        raise InvalidValue(_("l'indicatore %(id)s si misura tramite questionario: i suoi valori vengono dalle "
                             "rilevazioni e non si registrano qui", id=indicator_id))
    return indicator_id


def check_row(cells: Mapping[str, object], catalog: Catalog, line: int | None = None
              ) -> tuple[ValueRow | None, list[RowError]]:
    """Check one row (column name -> cell) and return the value, or ``None`` and every error."""
    errors: list[RowError] = []
    parsed: dict[str, object] = {}

    def attempt(column: str, name: str, parse):
        try:
            parsed[name] = parse(cells.get(column))
        except InvalidValue as exc:
            errors.append(RowError(line, column, str(exc)))

    attempt("indicatore", "indicator_id", lambda raw: check_indicator(raw, catalog.indicators))
    attempt("semestre", "semester", lambda raw: parse_semester(raw, today=catalog.today))
    attempt("comune", "comune", lambda raw: resolve_comune(raw, catalog.comuni))
    attempt("tipo", "kind", parse_kind)
    if "kind" in parsed:
        attempt("valore", "value", lambda raw: parse_value(parsed["kind"], raw))
    attempt("fonte", "source", lambda raw: parse_optional_text(raw, MAX_SOURCE_LENGTH, _("la fonte")))
    attempt("nota", "note", lambda raw: parse_optional_text(raw, MAX_NOTE_LENGTH, _("la nota")))
    if errors:
        return None, errors
    return ValueRow(line=line, **parsed), []


@dataclass
class ParsedFile:
    """The outcome of reading a file: the rows to store, or the errors (then nothing is stored)."""

    rows: list[ValueRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: ``csv`` or ``xlsx``
    format: str = "csv"
    #: lines skipped because they held nothing to import
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_file(filename: str, data: bytes, catalog: Catalog) -> ParsedFile:
    """Read a CSV or XLSX file of values and check every row against *catalog*.

    Every error of every row is collected (with the line a spreadsheet shows). The rows
    are returned only when the whole file is valid; with any error, ``rows`` is empty.
    """
    try:
        fmt, header, records = read_table(filename, data)
    except InvalidValue as exc:
        return ParsedFile(errors=[RowError(None, None, str(exc))],
                          format="xlsx" if (filename or "").lower().endswith(".xlsx") else "csv")
    result = ParsedFile(format=fmt)
    columns, header_errors = _map_header(header)
    result.errors.extend(header_errors)
    if header_errors:
        return result
    first_of_key: dict[tuple, int | None] = {}
    first_kind: dict[str, tuple[str, int | None]] = {}
    for line, values in records:
        extra = [v for v in values[len(columns):] if _cell_text(v)]
        cells = {name: values[i] if i < len(values) else None for i, name in enumerate(columns)}
        if not any(_cell_text(cells.get(name)) for name in _CONTENT_COLUMNS):
            if extra:
                result.errors.append(RowError(line, None, _("ci sono valori in colonne senza intestazione")))
            else:
                result.skipped += 1
            continue
        if extra:
            result.errors.append(RowError(line, None, _("ci sono valori in colonne senza intestazione")))
        row, errors = check_row(cells, catalog, line)
        result.errors.extend(errors)
        if row is None:
            continue
        if row.key in first_of_key:
            result.errors.append(RowError(line, "indicatore", _(
                "la riga %(other)d ha già un valore per lo stesso indicatore, semestre e Comune",
                other=first_of_key[row.key])))
            continue
        first_of_key[row.key] = line
        kind, kind_line = first_kind.setdefault(row.indicator_id, (row.kind, line))
        if kind != row.kind:
            result.errors.append(RowError(line, "tipo", _(
                "tipo diverso dalla riga %(other)d per lo stesso indicatore (%(kind)s): ogni indicatore ha un "
                "solo tipo", other=kind_line, kind=KIND_FILE_CODES[kind])))
            continue
        result.rows.append(row)
    if not result.errors and not result.rows:
        result.errors.append(RowError(None, None, _("Il file non contiene valori da importare: compila almeno "
                                                    "semestre, tipo e valore in una riga.")))
    if result.errors:
        result.rows = []
    return result


def _map_header(header: list) -> tuple[list[str], list[RowError]]:
    names, errors, seen = [], [], {}
    while header and not _cell_text(header[-1]):
        header = header[:-1]
    for position, cell in enumerate(header, start=1):
        text = _cell_text(cell)
        key = re.sub(r"[\s\-]+", "_", _fold(text))
        name = _COLUMN_ALIASES.get(key, key)
        if name not in TEMPLATE_COLUMNS:
            errors.append(RowError(1, text or str(position), _(
                "colonna sconosciuta: le colonne sono %(columns)s", columns=", ".join(TEMPLATE_COLUMNS))))
        elif name in seen:
            errors.append(RowError(1, text, _("colonna ripetuta")))
        seen[name] = position
        names.append(name)
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            errors.append(RowError(1, name, _("manca la colonna «%(column)s»", column=name)))
    return names, errors


# --- reading files -----------------------------------------------------------------------------

def read_table(filename: str, data: bytes) -> tuple[str, list, Iterable[tuple[int, list]]]:
    """Return the format, the header row and the ``(line, cells)`` of the other rows of a file.

    :raise InvalidValue: for an unreadable file, an unsupported format or too many rows.
    """
    fmt = _format_of(filename, data)
    rows = _xlsx_rows(data) if fmt == "xlsx" else _csv_rows(data)
    if not rows:
        raise InvalidValue(_("Il file è vuoto."))
    if len(rows) > MAX_ROWS + 1:
        raise InvalidValue(_("Il file ha più di %(n)d righe: dividilo in più file.", n=MAX_ROWS))
    (_first, header), *records = rows
    return fmt, header, records


def _format_of(filename: str, data: bytes) -> str:
    name = (filename or "").lower()
    if name.endswith((".xls", ".ods", ".numbers")):
        raise InvalidValue(_("Formato non supportato: salva il file come .xlsx (Excel) o .csv."))
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return "xlsx"
    return "csv"


def _csv_rows(data: bytes) -> list[tuple[int, list]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for line, record in enumerate(reader, start=1):
            rows.append((line, [cell[:MAX_NOTE_LENGTH * 10] for cell in record[:MAX_COLUMNS]]))
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        raise InvalidValue(_("Il file CSV non si può leggere alla riga %(line)d (%(reason)s).",
                             line=len(rows) + 1, reason=str(exc))) from exc
    while rows and not any(cell.strip() for cell in rows[-1][1]):
        rows.pop()
    return rows


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # files saved by Excel on Windows as "CSV (separato da punto e virgola)"
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InvalidValue(_("Il file non è un testo UTF-8 né Windows-1252: salvalo come «CSV UTF-8».")) from exc


def _check_unzipped_size(data: bytes) -> None:
    """Refuse a workbook whose members add up to more than :data:`MAX_XLSX_UNZIPPED_BYTES` unzipped.

    Read from the zip's directory, before anything is decompressed. A directory that
    under-states a member's size does not get past: :mod:`zipfile`, which openpyxl reads
    through, stops at the declared size and fails the CRC check.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidValue(_("Il file non è un file Excel (.xlsx) leggibile.")) from exc
    if unzipped > MAX_XLSX_UNZIPPED_BYTES:
        raise InvalidValue(_("Il file Excel contiene troppi dati (%(size)d MB una volta decompresso, al massimo "
                             "%(n)d MB): togli fogli, immagini e formattazioni non necessari o salvalo come .csv.",
                             size=math.ceil(unzipped / (1024 * 1024)), n=MAX_XLSX_UNZIPPED_BYTES // (1024 * 1024)))


def _xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    _check_unzipped_size(data)
    try:
        with warnings.catch_warnings():
            # Excel files carry extensions openpyxl does not read (data validation, slicers)
            warnings.simplefilter("ignore")
            # read-only: rows are parsed one at a time as iter_rows asks for them, never the whole sheet
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise InvalidValue(_("Il file non è un file Excel (.xlsx) leggibile.")) from exc
    try:
        sheet = book["valori"] if "valori" in book.sheetnames else book.worksheets[0]
        rows = []
        # read-only sheets yield every row from the first, empty ones included: the count is the row number
        for line, cells in enumerate(sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS), start=1):
            rows.append((line, [_xlsx_value(cell) for cell in cells]))
            if len(rows) > MAX_ROWS + 1:
                break
    finally:
        book.close()
    while rows and not any(_cell_text(v) for v in rows[-1][1]):
        rows.pop()
    return rows


def _xlsx_value(cell):
    value = getattr(cell, "value", None)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        if "%" in (getattr(cell, "number_format", "") or ""):
            # a cell shown as 45% holds 0.45
            return round(value * 100, 10)
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


# --- cells -------------------------------------------------------------------------------------

def _cell_text(raw) -> str:
    """Return a cell as stripped text, without the quote that protected it from formulas."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_TRIGGERS:
        text = text[1:]
    return text


def _clean_text(raw) -> str:
    text = _CONTROL.sub("", _cell_text(raw))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _fold(text: str) -> str:
    """Lowercase *text* without accents (``Sì`` → ``si``)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().strip().lower()


def _excerpt(text: str, length: int = 60) -> str:
    """At most *length* characters of a cell, to quote it in a message."""
    return text if len(text) <= length else text[: length - 1] + "…"


def _shown(number: float) -> str:
    return str(int(number)) if number.is_integer() else str(number).replace(".", ",")
