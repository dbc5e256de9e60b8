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
empty cells; numbers stay numbers; dates are written as ISO text (``2023-10-04``), as in
the CSV files.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

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


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a name, a header row, and data rows (lists of plain values) or a frame.

    ``frame``: the rows as a DataFrame, for large sheets (written by the fast path).
    """

    name: str
    header: list[str]
    rows: Iterable[list] = ()
    frame: pd.DataFrame | None = None


def workbook(sheets: list[Sheet]) -> bytes:
    """Return an XLSX file with *sheets*, in order, the header row bold and frozen."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = book.create_sheet(sheet.name[:MAX_SHEET_NAME])
        worksheet.freeze_panes = "A2"
        header = []
        for title in sheet.header:
            cell = WriteOnlyCell(worksheet, value=safe_value(str(title)))
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        if sheet.frame is None:
            for row in sheet.rows:
                worksheet.append([_cell(worksheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    framed = {f"xl/worksheets/sheet{i}.xml": s.frame
              for i, s in enumerate(sheets, start=1) if s.frame is not None}
    return _with_rows(out.getvalue(), framed) if framed else out.getvalue()


def _cell(worksheet, value):
    value = _plain(safe_value(value))
    if isinstance(value, str) and value.startswith("="):  # cannot happen once neutralised
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _plain(value):
    return value.date().isoformat() if isinstance(value, datetime) else (
        value.isoformat() if isinstance(value, date) else value)


def _with_rows(xlsx: bytes, frames: dict[str, pd.DataFrame]) -> bytes:
    """Return *xlsx* with each frame's rows written into its sheet after the header row."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename not in frames:
                target.writestr(info, content)
                continue
            head, tail = content.decode("utf-8").split("</sheetData>", 1)
            with target.open(info.filename, "w", force_zip64=True) as stream:
                stream.write(head.encode("utf-8"))
                for chunk in _rows_xml(frames[info.filename]):
                    stream.write(chunk.encode("utf-8"))
                stream.write(("</sheetData>" + tail).encode("utf-8"))
    return out.getvalue()


def _rows_xml(frame: pd.DataFrame, first_row: int = 2) -> Iterator[str]:
    """Yield ``<row>`` elements for *frame* (values already :func:`safe_value`-d)."""
    letters = [get_column_letter(i) for i in range(1, frame.shape[1] + 1)]
    for start in range(0, len(frame), XML_CHUNK_ROWS):
        block = frame.iloc[start:start + XML_CHUNK_ROWS]
        numbers = range(first_row + start, first_row + start + len(block))
        columns = [_cells_xml(letter, block.iloc[:, j].tolist(), numbers)
                   for j, letter in enumerate(letters)]
        yield "".join(f'<row r="{n}">{"".join(cells)}</row>'
                      for n, cells in zip(numbers, zip(*columns)))


def _cells_xml(letter: str, values: list, numbers: range) -> list[str]:
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
            prepared[column] = series.map(lambda v: _plain(safe_value(v)),
                                          na_action="ignore").astype(object)
        else:
            prepared[column] = series.astype(object)
        prepared[column] = prepared[column].where(series.notna(), None)
    return Sheet(name, list(table.columns), frame=pd.DataFrame(prepared, index=table.index))


def codebook_sheet(data: Dataset, name: str = "codebook") -> Sheet:
    """Return the codebook as a sheet."""
    return Sheet(name, list(CODEBOOK_COLUMNS), codebook_rows(data))
