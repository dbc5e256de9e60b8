"""XLSX workbooks: openpyxl for the workbook, a fast path for the raw data sheet.

A workbook is a list of :class:`Sheet`. openpyxl (write-only mode) writes every sheet, its
bold, frozen header and the workbook's structure and styles. Its per-cell cost (about 60,000
cells a second) would make the raw data of 100,000 responses of 40 items -- 5 million cells --
take well over a minute, so a sheet given as a ``frame`` gets only its header from openpyxl
and its rows are then written straight into that sheet's XML (inline strings, the same
markup openpyxl writes) while the file is re-zipped: about ten times faster, the same file.

Every text cell goes through :func:`survey_app.exports.cells.safe_value`: neutralised
against formula injection (a text starting with ``=`` would otherwise be stored by openpyxl
as a live formula), stripped of the control characters XML cannot hold; missing values are
empty cells; numbers stay numbers; dates are real spreadsheet dates shown as
``2023-10-04`` (:data:`DATE_FORMAT`; the CSV files write the same text). Every column gets a
width fitted to its header and first values (:func:`column_widths`). Fractional numbers
keep their full precision in the cell and are *shown* rounded through a number format
(:data:`DECIMALS_FORMAT`, or the sheet's own ``formats``), so a statistician who copies or
recomputes gets every digit.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from survey_app.exports.cells import safe_value
from survey_app.exports.csvfiles import CODEBOOK_COLUMNS, codebook_rows
from survey_app.exports.dataset import Dataset, variables, wide_table

#: Excel's limit on sheet names
MAX_SHEET_NAME = 31
#: Excel's limit on rows, the header included
MAX_ROWS = 1_048_576
#: rows rendered to XML at a time
XML_CHUNK_ROWS = 5_000


#: how dates and date-times are shown (ISO, as in the CSV files and the codebook)
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
#: how fractional numbers are shown unless the sheet says otherwise (the cell keeps all digits)
DECIMALS_FORMAT = "0.000"
#: column widths, in characters
MIN_WIDTH, MAX_WIDTH = 6, 60
#: rows looked at to fit a column's width
WIDTH_SAMPLE_ROWS = 200


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a name, a header row, and data rows (lists of plain values) or a frame.

    ``frame``: the rows as a DataFrame, for large sheets (written by the fast path).
    ``formats``: header -> number format of that column's fractional numbers (default
    :data:`DECIMALS_FORMAT`).
    """

    name: str
    header: list[str]
    rows: Iterable[list] = ()
    frame: pd.DataFrame | None = None
    formats: dict[str, str] = field(default_factory=dict)


def workbook(sheets: list[Sheet]) -> bytes:
    """Return an XLSX file with *sheets*, in order, the header row bold and frozen."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    date_styles = {}
    for number, sheet in enumerate(sheets, start=1):
        worksheet = book.create_sheet(sheet.name[:MAX_SHEET_NAME])
        worksheet.freeze_panes = "A2"
        rows = list(sheet.rows) if sheet.frame is None else []
        sample = (rows[:WIDTH_SAMPLE_ROWS] if sheet.frame is None
                  else sheet.frame.head(WIDTH_SAMPLE_ROWS).itertuples(index=False, name=None))
        for letter, width in zip(_letters(len(sheet.header)), column_widths(sheet.header, sample)):
            worksheet.column_dimensions[letter].width = width
        header = []
        for title in sheet.header:
            cell = WriteOnlyCell(worksheet, value=safe_value(str(title)))
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        formats = [sheet.formats.get(str(title), DECIMALS_FORMAT) for title in sheet.header]
        for row in rows:
            formats += [DECIMALS_FORMAT] * (len(row) - len(formats))
            worksheet.append([_cell(worksheet, value, fmt) for value, fmt in zip(row, formats)])
        if sheet.frame is not None:
            date_styles[number] = {fmt: _style_id(worksheet, fmt)
                                   for fmt in (DATE_FORMAT, DATETIME_FORMAT)}
    out = io.BytesIO()
    book.save(out)
    framed = {f"xl/worksheets/sheet{i}.xml": (s.frame, date_styles[i])
              for i, s in enumerate(sheets, start=1) if s.frame is not None}
    return _with_rows(out.getvalue(), framed) if framed else out.getvalue()


def _style_id(worksheet, number_format: str) -> str:
    """Register *number_format* in the workbook's styles; return the id its cells use."""
    cell = WriteOnlyCell(worksheet)
    cell.number_format = number_format
    return str(cell.style_id)


def _letters(count: int) -> list[str]:
    return [get_column_letter(i) for i in range(1, count + 1)]


def column_widths(header: list, rows: Iterable) -> list[float]:
    """Return a width per column: its longest header word line or value, within bounds."""
    widths = [len(str(title)) + 2 for title in header]
    for row in rows:
        for j, value in enumerate(list(row)[:len(widths)]):
            if value is None or (isinstance(value, float) and value != value):
                continue
            text = (value.isoformat()[:16] if isinstance(value, (date, datetime))
                    else f"{value:.3f}" if isinstance(value, float) else str(value))
            widths[j] = max(widths[j], len(text) + 2)
    return [float(min(max(w, MIN_WIDTH), MAX_WIDTH)) for w in widths]


def _cell(worksheet, value, number_format: str = DECIMALS_FORMAT):
    value = safe_value(value)
    if isinstance(value, str) and value.startswith("="):  # cannot happen once neutralised
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        return cell
    if isinstance(value, (date, datetime)):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
        return cell
    if isinstance(value, float):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.number_format = number_format
        return cell
    return value


def _with_rows(xlsx: bytes, frames: dict[str, tuple[pd.DataFrame, dict[str, str]]]) -> bytes:
    """Return *xlsx* with each frame's rows written into its sheet after the header row.

    :param frames: sheet file -> (frame, number format -> style id of dates and date-times).
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename not in frames:
                target.writestr(info, content)
                continue
            frame, styles = frames[info.filename]
            head, tail = content.decode("utf-8").split("</sheetData>", 1)
            with target.open(info.filename, "w", force_zip64=True) as stream:
                stream.write(head.encode("utf-8"))
                for chunk in _rows_xml(frame, styles=styles):
                    stream.write(chunk.encode("utf-8"))
                stream.write(("</sheetData>" + tail).encode("utf-8"))
    return out.getvalue()


def _rows_xml(frame: pd.DataFrame, first_row: int = 2,
              styles: dict[str, str] | None = None) -> Iterator[str]:
    """Yield ``<row>`` elements for *frame* (values already :func:`safe_value`-d).

    :param styles: number format (:data:`DATE_FORMAT`, :data:`DATETIME_FORMAT`) -> style id.
    """
    letters = [get_column_letter(i) for i in range(1, frame.shape[1] + 1)]
    styles = styles or {}
    for start in range(0, len(frame), XML_CHUNK_ROWS):
        block = frame.iloc[start:start + XML_CHUNK_ROWS]
        numbers = range(first_row + start, first_row + start + len(block))
        columns = [_cells_xml(letter, block.iloc[:, j].tolist(), numbers, styles)
                   for j, letter in enumerate(letters)]
        yield "".join(f'<row r="{n}">{"".join(cells)}</row>'
                      for n, cells in zip(numbers, zip(*columns)))


#: day 0 of spreadsheet date serial numbers (the 1900 system, as openpyxl writes)
EPOCH = date(1899, 12, 30)


def _cells_xml(letter: str, values: list, numbers: range,
               styles: dict[str, str] | None = None) -> list[str]:
    cells = []
    for number, value in zip(numbers, values):
        if hasattr(value, "item") and not isinstance(value, str):
            value = value.item()  # numpy scalar
        if value is None or (isinstance(value, float) and value != value):  # missing
            cells.append("")
        elif isinstance(value, str):
            text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            cells.append(f'<c r="{letter}{number}" t="inlineStr"><is><t xml:space="preserve">'
                         f"{text}</t></is></c>")
        elif isinstance(value, bool):
            cells.append(f'<c r="{letter}{number}" t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, datetime) and styles:
            serial = (value.replace(tzinfo=None) - datetime(1899, 12, 30)) / timedelta(days=1)
            cells.append(f'<c r="{letter}{number}" s="{styles[DATETIME_FORMAT]}" t="n">'
                         f"<v>{serial!r}</v></c>")
        elif isinstance(value, date) and styles:
            cells.append(f'<c r="{letter}{number}" s="{styles[DATE_FORMAT]}" t="n">'
                         f"<v>{(value - EPOCH).days}</v></c>")
        elif isinstance(value, date):  # no style registered: ISO text
            cells.append(f'<c r="{letter}{number}" t="inlineStr"><is><t>{value.isoformat()}'
                         "</t></is></c>")
        else:
            cells.append(f'<c r="{letter}{number}" t="n"><v>{value!r}</v></c>')
    return cells


def data_sheet(data: Dataset, name: str = "dati") -> Sheet:
    """Return the raw wide data as a sheet (the same columns as the wide CSV)."""
    if len(data.responses) >= MAX_ROWS:
        note = (f"{len(data.responses)} risposte: più delle righe di un foglio Excel. "
                "Scarica i dati in CSV o SPSS.")
        return Sheet(name, ["nota"], [[note]])
    table = wide_table(data, variables(data), coded="text")
    prepared = {}
    for column in table.columns:
        series = table[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            prepared[column] = series.map(safe_value,
                                          na_action="ignore").astype(object)
        else:
            prepared[column] = series.astype(object)
        prepared[column] = prepared[column].where(series.notna(), None)
    return Sheet(name, list(table.columns), frame=pd.DataFrame(prepared, index=table.index))


def codebook_sheet(data: Dataset, name: str = "codebook") -> Sheet:
    """Return the codebook as a sheet."""
    return Sheet(name, list(CODEBOOK_COLUMNS), codebook_rows(data))
