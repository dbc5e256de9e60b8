"""Workbooks uploaded by staff: opening them safely, reading their rows, placing each problem.

Pure module (no Flask request, no database), shared by the plan workbooks
(:mod:`survey_app.plans.workbook`) and the XLSForm questionnaires
(:mod:`survey_app.questionnaires.xlsform`):

- :func:`open_workbook` bounds a workbook's uncompressed size before openpyxl opens it: an XLSX
  file is a ZIP archive, small on disk and possibly huge inside;
- :func:`sheet_rows` reads a sheet's rows with their row numbers, at most so many rows and columns;
- :class:`SheetLocator` remembers where each JSON path of the data read from a workbook came
  from, so that a problem found later, on the data, is reported as
  ``foglio S, riga N, colonna «C»``;
- :func:`fold` is how a cell is compared with a word of a list (``Sì`` and ``si`` alike).
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Sequence

from flask_babel import gettext as _

from survey_app.indicators.importing import _cell_text as cell_text

__all__ = ["SheetLocator", "WorkbookUnreadable", "cell_text", "fold", "open_workbook", "sheet_rows"]

#: the default bound on a workbook's uncompressed size
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024

_LAST_STEP = re.compile(r"(\.[^.\[]+|\[\d+\])$")


class WorkbookUnreadable(ValueError):
    """The upload is not a workbook openpyxl can read, or is too large once decompressed."""


def fold(text: str) -> str:
    """``Sì`` → ``si``, ``Ex-Ante`` → ``ex ante``: how a cell of a list is compared."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[\s_\-]+", " ", ascii_text).strip()


def open_workbook(raw: bytes, *, max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES):
    """Open *raw* as a read-only openpyxl workbook (close it when done).

    :raise WorkbookUnreadable: with the reason in the interface language.
    """
    unreadable = WorkbookUnreadable(_("non è un file Excel (.xlsx) leggibile"))
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            inside = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise unreadable from exc
    if inside > max_uncompressed_bytes:
        raise WorkbookUnreadable(_("il file è troppo grande una volta decompresso (più di %(mb)d MB)",
                                   mb=max_uncompressed_bytes // (1024 * 1024)))
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # files saved by Excel carry extensions openpyxl does not read
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise unreadable from exc


def sheet_rows(sheet, *, max_rows: int, max_columns: int) -> list[tuple[int, list]]:
    """Return ``(row number, cells)`` of *sheet*, without the empty rows at its end.

    At most ``max_rows + 1`` rows are read (the header and *max_rows* more): a longer list
    tells the caller the sheet is too long.
    """
    rows = []
    # read-only sheets yield every row from the first, empty ones included: the count is the row number
    for line, cells in enumerate(sheet.iter_rows(min_row=1, max_col=max_columns, values_only=True), start=1):
        rows.append((line, list(cells)))
        if len(rows) > max_rows + 1:
            break
    while rows and not any(cell_text(v) for v in rows[-1][1]):
        rows.pop()
    return rows


class SheetLocator:
    """Places the JSON paths of data read from a workbook at their sheet, row and column.

    A path without a place of its own takes its closest parent's: ``$.a[2].b`` is where
    ``$.a[2]`` is when only the row was recorded.
    """

    def __init__(self, sheets: Sequence[str]):
        #: sheet names in the order problems are listed
        self.sheets = tuple(sheets)
        self.places: dict[str, tuple[str, int | None, str | None]] = {}

    def add(self, path: str, sheet: str, row: int | None = None, column: str | None = None) -> str:
        """Record where *path* was read; return *path*."""
        self.places[path] = (sheet, row, column)
        return path

    def place(self, path: str) -> tuple[str, int | None, str | None] | None:
        while path:
            if path in self.places:
                return self.places[path]
            path = _LAST_STEP.sub("", path) if _LAST_STEP.search(path) else ""
        return None

    def where(self, path: str) -> str:
        place = self.place(path)
        if place is None:
            return path
        sheet, row, column = place
        if row is None:
            return _("foglio %(sheet)s", sheet=sheet) if column is None else \
                _("foglio %(sheet)s, colonna «%(column)s»", sheet=sheet, column=column)
        if column is None:
            return _("foglio %(sheet)s, riga %(row)d", sheet=sheet, row=row)
        return _("foglio %(sheet)s, riga %(row)d, colonna «%(column)s»", sheet=sheet, row=row, column=column)

    def order(self, path: str):
        """Sort key of *path*: problems listed by sheet, then row, then column."""
        place = self.place(path)
        if place is None:
            return [9, 0, path]
        sheet, row, column = place
        return [self.sheets.index(sheet) if sheet in self.sheets else -1, row or 0, column or ""]
