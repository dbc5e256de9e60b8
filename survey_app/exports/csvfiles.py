"""Raw responses and the codebook as CSV, for Italian Excel and for statistical software.

Two dialects:

* :data:`EXCEL_IT` -- ``;`` separator and a UTF-8 byte order mark, which is what Excel
  with Italian settings opens correctly with a double click (it uses ``,`` as the decimal
  separator, so ``,`` cannot separate fields, and without the BOM it reads UTF-8 as
  Windows-1252);
* :data:`PLAIN` -- ``,`` separator, no BOM: for R, Python, SPSS or LibreOffice imports.

Every text cell is neutralised (:func:`survey_app.exports.cells.neutralise_cell`), in both
dialects. The writers are generators of byte chunks (:data:`CHUNK_ROWS` responses at a
time) so a web view can stream a large round; ``*_bytes`` functions join them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey_app.exports.cells import neutralise_cell, safe_value
from survey_app.exports.dataset import (
    DONT_KNOW_CODE,
    DONT_KNOW_TEXT,
    MISSING_CODES,
    NOT_ANSWERED_CODE,
    NOT_ANSWERED_TEXT,
    Dataset,
    Variable,
    variables,
    wide_table,
)

CHUNK_ROWS = 20_000
BOM = "\ufeff"


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is written."""

    delimiter: str
    bom: bool


EXCEL_IT = Dialect(";", True)
PLAIN = Dialect(",", False)


def spreadsheet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Return *frame* with dates as ISO text and every text cell neutralised.

    Numbers and missing values are untouched. Done once per column, before any expansion.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(_text_cell, na_action="ignore").astype(object)
    return out


def _text_cell(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return safe_value(value) if isinstance(value, str) else value


def _frame_chunks(frame: pd.DataFrame, dialect: Dialect) -> Iterator[bytes]:
    """Yield an already :func:`spreadsheet_ready` frame as CSV bytes, header (and BOM) first."""
    header = io.StringIO()
    csv.writer(header, delimiter=dialect.delimiter, lineterminator="\r\n").writerow(
        [neutralise_cell(str(c)) for c in frame.columns])
    yield ((BOM if dialect.bom else "") + header.getvalue()).encode("utf-8")
    for start in range(0, len(frame), CHUNK_ROWS):
        text = frame.iloc[start:start + CHUNK_ROWS].to_csv(
            sep=dialect.delimiter, index=False, header=False, lineterminator="\r\n", na_rep="")
        yield text.encode("utf-8")


def iter_wide_csv(data: Dataset, dialect: Dialect = EXCEL_IT) -> Iterator[bytes]:
    """Yield the wide file: one row per response, one column per variable (see the codebook)."""
    yield from _frame_chunks(spreadsheet_ready(wide_table(data, variables(data), coded="text")),
                             dialect)


def wide_csv(data: Dataset, dialect: Dialect = EXCEL_IT) -> bytes:
    """Return the wide file as bytes."""
    return b"".join(iter_wide_csv(data, dialect))


#: columns of the long file after the context variables
LONG_ANSWER_COLUMNS = ("domanda", "variabile", "valore", "non_so", "non_risposto")


def iter_long_csv(data: Dataset, dialect: Dialect = EXCEL_IT) -> Iterator[bytes]:
    """Yield the long file: one row per stored answer, with its response's context.

    Columns: the context variables, ``domanda`` (item id), ``variabile`` (its name in the
    wide file), ``valore`` (raw point, empty for a missing answer), ``non_so`` (1 for
    "non so", else 0), ``non_risposto`` (1 for an item left without answer, else 0) and
    ``commento`` (the response's comment, repeated on each of its rows).

    Each response's context and comment are rendered as CSV text once and repeated on its
    answers' lines: 4 million lines take seconds, not the minutes of a 4-million-row frame.
    """
    columns = variables(data)
    context = [v for v in columns if v.kind != "item"]
    comment = context.pop()  # the comment goes last
    wide = spreadsheet_ready(wide_table(data, context + [comment], coded="text"))
    line = _LineWriter(dialect)
    prefixes = np.array([line.render(row[:-1]) + dialect.delimiter
                         for row in wide.itertuples(index=False, name=None)], dtype=object)
    suffixes = np.array([dialect.delimiter + line.render([v]) + "\r\n"
                         for v in wide[comment.name]], dtype=object)
    names = {v.item_id: v.name for v in columns if v.kind == "item"}
    order = {item_id: i for i, item_id in enumerate(names)}
    item_parts = np.array([line.render([neutralise_cell(item_id), neutralise_cell(name)])
                           + dialect.delimiter for item_id, name in names.items()], dtype=object)
    answers = data.answers
    rows = pd.Index(data.responses["response_id"]).get_indexer(answers["response_id"])
    positions = answers["item_id"].map(order)
    known = (rows >= 0) & positions.notna().to_numpy()
    rows, positions = rows[known], positions[known].to_numpy(dtype=int)
    values = answers["value"].to_numpy(dtype=float, na_value=np.nan)[known]
    blank = (answers["not_answered"].to_numpy(dtype=bool, na_value=False)[known]
             if "not_answered" in answers.columns else np.zeros(len(values), dtype=bool))
    sort = np.lexsort((positions, rows))
    rows, positions, values, blank = rows[sort], positions[sort], values[sort], blank[sort]
    d = dialect.delimiter
    value_parts = np.array([f"{v}{d}0{d}0" for v in range(8)] + [f"{d}1{d}0", f"{d}0{d}1"],
                           dtype=object)  # points 1..7, then "non so", then not answered
    codes = np.where(np.isnan(values), len(value_parts) - 2, np.nan_to_num(values).astype(int))
    codes[blank] = len(value_parts) - 1
    header = [v.name for v in context] + list(LONG_ANSWER_COLUMNS) + [comment.name]
    yield ((BOM if dialect.bom else "") + line.render(header) + "\r\n").encode("utf-8")
    for start in range(0, len(rows), CHUNK_ROWS * 10):
        part = slice(start, start + CHUNK_ROWS * 10)
        lines = (prefixes[rows[part]] + item_parts[positions[part]] + value_parts[codes[part]]
                 + suffixes[rows[part]])
        yield "".join(lines).encode("utf-8")


class _LineWriter:
    """Renders one CSV line (without terminator) with the dialect's quoting."""

    def __init__(self, dialect: Dialect):
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, delimiter=dialect.delimiter, lineterminator="")

    def render(self, values) -> str:
        self.buffer.seek(0)
        self.buffer.truncate(0)
        self.writer.writerow(["" if v is None or v is pd.NA else v for v in values])
        return self.buffer.getvalue()


def long_csv(data: Dataset, dialect: Dialect = EXCEL_IT) -> bytes:
    """Return the long file as bytes."""
    return b"".join(iter_long_csv(data, dialect))


#: the codebook's columns
CODEBOOK_COLUMNS = ("variabile", "etichetta", "tipo", "valori", "mancanti", "domanda",
                    "dimensione", "note")
KIND_NAMES = {"numeric": "numero", "date": "data (AAAA-MM-GG)", "string": "testo",
              "coded": "categoria", "item": "scala Likert"}


def codebook_rows(data: Dataset) -> list[list]:
    """Return the codebook as rows (without header): one per variable of the wide file."""
    rows = []
    for variable in variables(data):
        rows.append([variable.name, variable.label, KIND_NAMES[variable.kind],
                     _values_text(variable), _missing_text(variable), variable.item_id or "",
                     variable.dimension_id or "", variable.note])
    return rows


def _values_text(variable: Variable) -> str:
    if variable.kind == "item":
        return "; ".join(f"{code} = {label}" for code, label in variable.values.items()
                         if code not in MISSING_CODES)
    if variable.kind == "coded":
        return "; ".join(f"{code} = {label}" for code, label in variable.values.items())
    return ""


def _missing_text(variable: Variable) -> str:
    if variable.kind == "item":
        kinds = []
        if DONT_KNOW_CODE in variable.values:
            kinds.append((DONT_KNOW_TEXT, DONT_KNOW_CODE, f"«{variable.values[DONT_KNOW_CODE]}»"))
        kinds.append((NOT_ANSWERED_TEXT, NOT_ANSWERED_CODE, "nessuna risposta (lasciata in bianco o saltata)"))
        return ("; ".join(f"{text} = {meaning}" for text, _code, meaning in kinds)
                + "; vuoto = nessuna risposta registrata (domanda non presente nella versione)"
                + "; nel file SPSS " + ", ".join(f"{code} = {text}" for text, code, _m in kinds)
                + " (mancanti definiti dall'utente), vuoto = mancante di sistema"
                + "; in R: na.strings = c(\"\", \"" + "\", \"".join(t for t, _c, _m in kinds) + "\")")
    if variable.kind == "coded":
        return ("vuoto = non indicato; in CSV e XLSX si scrive l'etichetta, in SPSS il codice")
    return "vuoto = non indicato" if variable.kind != "numeric" else ""


def codebook_csv(data: Dataset, dialect: Dialect = EXCEL_IT) -> bytes:
    """Return the codebook as CSV bytes."""
    out = io.StringIO()
    if dialect.bom:
        out.write(BOM)
    writer = csv.writer(out, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow(CODEBOOK_COLUMNS)
    for row in codebook_rows(data):
        writer.writerow([safe_value(v) if isinstance(v, str) else v for v in row])
    return out.getvalue().encode("utf-8")
