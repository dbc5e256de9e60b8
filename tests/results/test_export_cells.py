"""Issue 15.11-15.12 and 16.10: what the downloads' cells, widths, ids and headers look like.

XLSX cells are read back with openpyxl (types, number formats, widths); suppressed payloads
keep the counts that identify nobody; raw downloads carry pseudonymous ids in a
pseudo-random order; CSV downloads declare their charset once.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import numpy as np
import openpyxl
import pandas as pd
from analysis.builders import column_rows, make_questionnaire, make_tables

from survey_app.analysis.frames import wide_frame
from survey_app.exports.csvfiles import PLAIN, long_csv, wide_csv
from survey_app.exports.dataset import ContextLabels, Dataset, pseudonym, pseudonymised
from survey_app.exports.sav import sav_bytes
from survey_app.exports.xlsx import DATE_FORMAT, DATETIME_FORMAT, Sheet, data_sheet, workbook
from survey_app.results import compute

KEY = b"k" * 32


def _dataset(n: int = 30) -> Dataset:
    questionnaire = make_questionnaire({"d": ["q1", "q2"]})
    ids = np.arange(101, 101 + n)
    responses = pd.DataFrame({
        "response_id": ids, "round_id": 5,
        "submitted_hour": pd.to_datetime("2023-10-04 08:00") + pd.to_timedelta(ids % 3, "D"),
        "comune": "Lovere", "service": None, "role": "carer", "channel": "self",
        "language": "it", "point": None,
        "panel_key": [str(i) if i % 2 else None for i in range(n)], "comment": None})
    answers = pd.DataFrame({"response_id": np.repeat(ids, 2), "item_id": ["q1", "q2"] * n,
                            "value": np.tile([4.0, np.nan], n)})
    return Dataset(responses, answers, (questionnaire,),
                   ContextLabels(("Lovere",), {}, {"carer": "Familiare"}, {"self": "Online"}),
                   "Prova")


def test_xlsx_dates_are_dates_with_a_format_and_columns_have_widths():
    data = _dataset(4)
    book = openpyxl.load_workbook(io.BytesIO(workbook([data_sheet(data)])))
    sheet = book["dati"]
    header = [c.value for c in sheet[1]]
    column = header.index("data") + 1
    for row in range(2, 6):  # the first row (openpyxl) and the fast path's rows
        cell = sheet.cell(row, column)
        assert cell.is_date and cell.number_format == DATE_FORMAT, (row, cell.value)
    assert sheet.cell(2, column).value.date() == date(2023, 10, 6)  # 101 % 3 = 2 days on
    widths = {letter: d.width for letter, d in sheet.column_dimensions.items()}
    assert len(widths) == len(header) and all(6 <= w <= 60 for w in widths.values())
    assert widths["A"] >= len("id_risposta")
    # the fast path, also when a date column starts empty, and date-times
    frame = pd.DataFrame({"giorno": [None, date(2024, 2, 29)],
                          "ora": [datetime(2024, 3, 1, 9, 30), None]}, dtype=object)
    sheet = openpyxl.load_workbook(io.BytesIO(workbook([Sheet("f", ["giorno", "ora"],
                                                              frame=frame)])))["f"]
    assert sheet["A2"].value is None and sheet["A3"].value == datetime(2024, 2, 29)
    assert sheet["A3"].number_format == DATE_FORMAT
    assert sheet["B2"].value == datetime(2024, 3, 1, 9, 30)
    assert sheet["B2"].number_format == DATETIME_FORMAT


def test_statistics_floats_keep_their_digits_and_are_shown_rounded():
    third = 1 / 3
    sheet = Sheet("s", ["media", "p", "altro", "n"], [[third, third, third, 4]],
                  formats={"media": "0.0", "p": "0.0000"})
    cells = openpyxl.load_workbook(io.BytesIO(workbook([sheet])))["s"][2]
    assert [c.value for c in cells] == [third, third, third, 4]  # full precision kept
    assert [c.number_format for c in cells[:3]] == ["0.0", "0.0000", "0.000"]
    assert cells[3].number_format == "General"  # whole counts stay as they are


def test_raw_ids_are_pseudonymous_and_rows_not_in_submission_order():
    data = _dataset()
    exported = pseudonymised(data, KEY)
    ids = list(exported.responses["response_id"])
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(isinstance(i, str) and len(i) == 16 for i in ids)
    original = [next(o for o in data.responses["response_id"]
                     if pseudonym(KEY, "response", o) == i) for i in ids]
    assert original != sorted(original)  # the stored (submission) order is not kept
    # the same ids in every download with the same key; different with another key
    assert list(pseudonymised(data, KEY).responses["response_id"]) == ids
    assert not set(pseudonymised(data, b"x" * 32).responses["response_id"]) & set(ids)
    # panel keys: pseudonymous too, the same for the same card whatever the round
    keys = exported.responses["panel_key"].dropna()
    assert len(keys) == 15 and not set(keys) & set(data.responses["panel_key"].dropna())
    assert pseudonym(KEY, "panel", "1") in set(keys)
    # the wide and the long file still link by id_risposta
    wide = list(csv.DictReader(io.StringIO(wide_csv(exported, PLAIN).decode())))
    long = list(csv.DictReader(io.StringIO(long_csv(exported, PLAIN).decode())))
    assert [r["id_risposta"] for r in wide] == ids
    assert {r["id_risposta"] for r in long} == set(ids)
    assert all(r["valore"] == "4" for r in long if r["domanda"] == "q1")
    assert sav_bytes(exported)  # SPSS takes the string id


def _wide(questionnaire, round_id: int = 1, **columns):
    """Return an analysis frame; a NaN answer is "non so"."""
    answers, responses = make_tables(column_rows(**columns), round_id=round_id)
    return wide_frame(answers, responses, questionnaire)


def test_wilson_bounds_in_the_payload_json_are_exact():
    questionnaire = make_questionnaire({"d": ["q1", "q2"]})
    wide = _wide(questionnaire, q1=[1.0] * 21, q2=[5.0] * 21)
    payload = compute.round_payload(wide, questionnaire)
    rows = {r["item_id"]: r for r in payload["items"]}
    text = json.dumps(payload)
    assert "e-1" not in text  # no 2.8e-17
    assert rows["q1"]["top_box_low"] == 0 and rows["q2"]["top_box_high"] == 1


def test_missing_counts_shown_when_everybody_said_dont_know():
    questionnaire = make_questionnaire({"d": ["q1", "q2"]})
    wide = _wide(questionnaire, q1=[np.nan] * 8, q2=[3.0] * 6 + [np.nan] * 2)
    rows = {r["item_id"]: r for r in compute.round_payload(wide, questionnaire)["items"]}
    assert rows["q1"]["suppressed"] and rows["q1"]["n"] == 0
    assert rows["q1"]["dont_know"] == 8 and rows["q1"]["not_answered"] == 0
    assert rows["q1"]["mean"] is None and rows["q1"]["pct"] is None


def test_comparison_keeps_each_sides_own_n():
    questionnaire = make_questionnaire({"d": ["q1"]})
    before = _wide(questionnaire, q1=[3.0] * 21)
    after = _wide(questionnaire, round_id=2, q1=[4.0] * 3 + [np.nan] * 4)
    payload = compute.comparison_payload(before, questionnaire, after, questionnaire)
    row = next(t for t in payload["tests"] if t["level"] == "item" and t["design"] == "independent")
    assert row["suppressed"] and row["p_value"] is None and row["effect"] is None
    assert row["n_before"] == 21 and row["score_before"] is not None
    assert row["n_after"] is None and row["score_after"] is None
