"""Cell values that are safe to open in a spreadsheet (CSV and XLSX).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and
some also after a leading tab or carriage return (CWE-1236, "CSV injection"): a respondent's
free comment ``=HYPERLINK("http://evil.example", "clic")`` would become a live link in the
evaluator's Excel. :func:`neutralise_cell` prefixes such text with an apostrophe, which
spreadsheets show as text. It is the single implementation for every CSV and XLSX the app
writes (the operators' monitoring CSV included).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

#: first characters that make a spreadsheet evaluate a cell
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: characters XML 1.0 (and so XLSX) cannot hold; they are dropped from text cells
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def neutralise_cell(value: str) -> str:
    """Prefix a quote to text a spreadsheet would run as a formula (CWE-1236)."""
    return "'" + value if value[:1] in FORMULA_TRIGGERS else value


def is_missing(value) -> bool:
    """Tell whether *value* is a missing value (``None``, ``NaN``, ``pd.NA``, ``NaT``)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):  # pandas, not imported
        return True
    return isinstance(value, float) and math.isnan(value)


def safe_value(value):
    """Return *value* ready for a spreadsheet cell: neutralised text, a number, a date or ``None``.

    Missing values become ``None`` (an empty cell); text is neutralised and stripped of the
    control characters XML cannot hold; numpy scalars become Python numbers; whole floats
    stay floats (the writer decides how to print them).
    """
    if hasattr(value, "item") and not isinstance(value, (str, date, datetime)):
        value = value.item()  # numpy scalar -> Python
    if is_missing(value):
        return None
    if isinstance(value, str):
        return neutralise_cell(_ILLEGAL_XML.sub("", value))
    return value
