"""SPSS ``.sav`` files with variable labels, value labels and user-missing values (pyreadstat).

Items are numeric, ordinal, labelled with the Italian statement and with the scale's labels
as value labels; "non so / non applicabile" is
:data:`survey_app.exports.dataset.DONT_KNOW_CODE` (99) and an item left without answer
:data:`survey_app.exports.dataset.NOT_ANSWERED_CODE` (98), both labelled and declared
user-missing; an item with no stored answer is system-missing. Comune, service, role and channel are numeric codes
with value labels (nominal); the submission day is an SPSS date; the free comment, the
language, the distribution point and the panel key are strings. The comment is written as
typed: SPSS does not evaluate cell contents, so it is not neutralised here (the CSV and XLSX
files are).
"""

from __future__ import annotations

import os
import tempfile

import pyreadstat

from survey_app.exports.dataset import MISSING_CODES, Dataset, variables, wide_table

#: SPSS keeps at most this many bytes of a variable label
MAX_LABEL_BYTES = 256
#: and of a value label
MAX_VALUE_LABEL_BYTES = 120


def _clip(text: str, limit: int) -> str:
    """Return *text* cut to at most *limit* UTF-8 bytes, never inside a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore")


def sav_bytes(data: Dataset) -> bytes:
    """Return the raw responses as an SPSS ``.sav`` file."""
    columns = variables(data)
    table = wide_table(data, columns, coded="code")
    for variable in columns:
        if variable.kind == "string":
            table[variable.name] = table[variable.name].map(
                lambda v: "" if v is None else str(v)).astype(object)
        elif variable.kind == "numeric":
            table[variable.name] = table[variable.name].astype("float64")
    labels = {v.name: _clip(v.label, MAX_LABEL_BYTES) for v in columns}
    value_labels = {v.name: {float(code): _clip(str(label), MAX_VALUE_LABEL_BYTES)
                             for code, label in v.values.items()}
                    for v in columns if v.values}
    missing = {v.name: [float(code) for code in MISSING_CODES if code in v.values]
               for v in columns if v.kind == "item"}
    measures = {v.name: v.measure for v in columns}
    formats = {v.name: "F8.0" for v in columns if v.kind in ("item", "coded", "numeric")}
    handle, path = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        pyreadstat.write_sav(table, path, file_label=_clip(data.title, 64),
                             column_labels=labels, variable_value_labels=value_labels,
                             missing_ranges=missing, variable_measure=measures,
                             variable_format=formats)
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.unlink(path)
