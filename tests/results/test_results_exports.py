"""The pure file writers and the pure parts of the results: names, cells, charts, suppression."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from analysis.builders import make_questionnaire, make_tables

from survey_app.exports.cells import neutralise_cell, safe_value
from survey_app.exports.csvfiles import EXCEL_IT, codebook_csv, wide_csv
from survey_app.exports.dataset import ContextLabels, Dataset, SpssNames, spss_name, variables
from survey_app.exports.sav import sav_bytes
from survey_app.exports.xlsx import Sheet, data_sheet, workbook
from survey_app.questionnaires.definition import DEFAULT_DIRECTORY, NON_QUESTIONNAIRE_FILES, Questionnaire
from survey_app.results import charts, compute


@pytest.mark.parametrize("text", ["=1+1", "+39 035", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_triggers_are_neutralised(text):
    assert neutralise_cell(text) == "'" + text
    assert safe_value(text) == "'" + text


def test_other_values_pass():
    assert neutralise_cell("Lovere") == "Lovere"
    assert safe_value(-2) == -2 and safe_value(np.float64(1.5)) == 1.5
    assert safe_value(float("nan")) is None and safe_value(pd.NA) is None
    assert safe_value("a\x00b") == "ab"  # XML cannot hold it


@pytest.mark.parametrize("wanted", ["2_access", "access-easy", "è_facile", "ALL", "a" * 80, "_x_",
                                    "with space", "q.1"])
def test_spss_names_are_valid(wanted):
    name = spss_name(wanted)
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", name), name
    assert not name.endswith("_") and name.upper() not in {"ALL", "AND", "TO"}


def test_spss_names_are_unique_ignoring_case():
    names = SpssNames()
    claimed = [names.claim(n) for n in ("comune", "Comune", "comune", "a" * 70, "a" * 70)]
    assert len({c.upper() for c in claimed}) == 5
    assert all(len(c) <= 64 for c in claimed)


def _dataset() -> Dataset:
    questionnaire = make_questionnaire({"d": ["q-1", "comune", "3x"]}, reverse={"3x"})
    responses = pd.DataFrame({
        "response_id": [1, 2], "round_id": [5, 5],
        "submitted_hour": pd.to_datetime(["2023-10-03 22:00", "2023-10-04 08:00"]),
        "comune": ["Lovere", None], "service": [None, "sad"], "role": ["carer", None],
        "channel": ["self", "paper"], "language": ["it", "it"], "point": [None, "Bacheca"],
        "panel_key": [None, "7"], "comment": ["@cmd", None]})
    answers = pd.DataFrame({"response_id": [1, 1, 2], "item_id": ["q-1", "comune", "q-1"],
                            "value": [5.0, np.nan, 2.0]})
    return Dataset(responses, answers, (questionnaire,),
                   ContextLabels(("Lovere", "Sovere"), {"sad": "SAD"}, {"carer": "Familiare"},
                                 {"self": "Online", "paper": "Carta"}), "Prova")


def test_variables_of_the_wide_file():
    data = _dataset()
    names = [v.name for v in variables(data)]
    assert names[:3] == ["id_risposta", "id_rilevazione", "data"]
    assert "q_1" in names and "v_3x" in names
    assert names.count("comune") == 1 and "comune_2" in names  # an item named like a column
    text = wide_csv(data, EXCEL_IT).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[1].split(";")[2] == "2023-10-04"  # 22:00 UTC is the next day in Italy
    assert lines[1].endswith("'@cmd")
    assert "formulata al negativo" in codebook_csv(data).decode("utf-8-sig")


def test_sav_of_an_empty_round_and_of_odd_names(tmp_path):
    data = _dataset()
    empty = Dataset(data.responses.iloc[:0], data.answers.iloc[:0], data.questionnaires,
                    data.labels)
    for name, dataset in (("full", data), ("empty", empty)):
        path = tmp_path / f"{name}.sav"
        path.write_bytes(sav_bytes(dataset))
        frame, _meta = pyreadstat.read_sav(str(path), user_missing=True)
        assert list(frame.columns) == [v.name for v in variables(data)]
    frame, _meta = pyreadstat.read_sav(str(tmp_path / "full.sav"), user_missing=True)
    assert frame["comune_2"].tolist()[0] == 99.0  # "non so"
    assert np.isnan(frame["comune_2"].tolist()[1])  # unanswered: system-missing


def test_workbook_cells():
    body = workbook([Sheet("prova", ["=a", "b"], [["=x", 1.5], [None, float("nan")]]),
                     data_sheet(_dataset())])
    book = openpyxl.load_workbook(io.BytesIO(body))
    sheet = book["prova"]
    assert sheet["A1"].value == "'=a" and sheet["A2"].value == "'=x"
    assert sheet["B2"].value == 1.5 and sheet["B3"].value is None


def test_data_sheet_rows_written_as_xml_read_back_exactly():
    data = _dataset()
    odd = "  a < b & c > d\nriga \"due\"  "
    data.responses.loc[1, "comment"] = odd
    book = openpyxl.load_workbook(io.BytesIO(workbook([data_sheet(data)])))
    rows = list(book["dati"].iter_rows(values_only=True))
    header, first, second = rows
    assert first[header.index("commento")] == "'@cmd"
    assert second[header.index("commento")] == odd
    assert first[header.index("data")] == datetime(2023, 10, 4)  # a date, not text
    assert first[header.index("q_1")] == 5 and second[header.index("q_1")] == 2
    assert first[header.index("comune_2")] == "NS"  # "non so": text, which averages skip
    assert second[header.index("servizio")] == "SAD"
    assert book["dati"].freeze_panes == "A2"
    empty = Dataset(data.responses.iloc[:0], data.answers.iloc[:0], data.questionnaires)
    assert len(list(openpyxl.load_workbook(io.BytesIO(workbook([data_sheet(empty)])))
                    ["dati"].iter_rows())) == 1


def test_charts_use_no_style_attributes_and_are_labelled():
    bars = charts.diverging_bars("c1", [charts.BarRow("Domanda <b>", [10, 20, 30, 20, 20]),
                                        charts.BarRow("Piccola", None)],
                                 ["1", "2", "3", "4", "5"], title="T & t", description="D")
    dots = charts.dot_plot("c2", [charts.DotRow("x", [charts.Dot(0, 50, 40, 60),
                                                      charts.Dot(1, None)])],
                           ["prima", "dopo"], title="T", description="D", target=70)
    for svg in (str(bars), str(dots)):
        assert "style=" not in svg and "<script" not in svg
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert "&lt;b&gt;" in str(bars) and "T &amp; t" in str(bars)
    assert "n&lt;5" in str(bars)


def _wide(groups: dict[str, int]) -> tuple[pd.DataFrame, Questionnaire]:
    questionnaire = make_questionnaire({"d": ["a", "b"]}, measures=[
        {"indicator": "x.outcome-1", "dimensions": ["d"], "statistic": "top_box_share",
         "target": {"operator": ">=", "value": 0.5}}])
    rng = np.random.default_rng(1)
    rows, comuni = [], []
    for comune, n in groups.items():
        rows += [{"a": float(rng.integers(1, 6)), "b": float(rng.integers(1, 6))} for _ in range(n)]
        comuni += [comune] * n
    from survey_app.analysis import wide_frame

    answers, responses = make_tables(rows, comune=comuni)
    return wide_frame(answers, responses, questionnaire), questionnaire


def test_filters_follow_the_breakdown_with_complementary_suppression():
    wide, questionnaire = _wide({"A": 12, "B": 9, "C": 3})
    options = compute.published_groups(compute.JointBreakdowns(wide, questionnaire), "comune")
    assert options == ["A"]  # C is under 5, B goes with it (else C = total - A - B)
    for hidden in ("B", "C", "nessuno"):
        payload = compute.round_payload(wide, questionnaire, filter_column="comune",
                                        filter_value=hidden)
        assert payload["status"] == "suppressed" and "items" not in payload
    shown = compute.round_payload(wide, questionnaire, filter_column="comune", filter_value="A")
    assert shown["status"] == "ok" and shown["n"] == 12 and not shown["breakdowns"]
    assert all(not row["suppressed"] for row in shown["items"])
    json.dumps(shown)  # storable as JSON, no NaN


def test_filters_and_breakdowns_never_publish_two_groups_one_person_apart():
    """The issue's attack: role "beneficiari" (25) minus comune Lovere (24) = one person."""
    wide, questionnaire = _wide({"Lovere": 24, "Castro": 11})
    wide["role"] = ["beneficiario"] * 25 + ["caregiver"] * 10
    payload = compute.round_payload(wide, questionnaire)
    by_role = {g["group"]: g for g in payload["breakdowns"]["role"]}
    by_comune = {g["group"]: g for g in payload["breakdowns"]["comune"]}
    assert by_comune["Lovere"]["n"] == 24
    assert by_role["beneficiario"]["suppressed"] and by_role["beneficiario"]["n"] is None
    assert all(score is None for score in by_role["beneficiario"]["scores"].values())
    assert payload["filter_options"]["comune"] == ["Castro", "Lovere"]
    lovere = compute.round_payload(wide, questionnaire, filter_column="comune",
                                   filter_value="Lovere")
    assert lovere["status"] == "ok" and lovere["n"] == 24


def test_whole_round_payload_suppresses_small_statistics():
    wide, questionnaire = _wide({"A": 6})
    wide.loc[wide.index[:3], "b"] = np.nan  # only 3 valid answers on item b
    payload = compute.round_payload(wide, questionnaire)
    rows = {row["item_id"]: row for row in payload["items"]}
    assert not rows["a"]["suppressed"] and rows["a"]["n"] == 6 and rows["a"]["indicative"]
    assert rows["b"]["suppressed"] and rows["b"]["n"] is None and rows["b"]["pct"] is None
    tiny, _q = _wide({"A": 4})
    assert compute.round_payload(tiny, questionnaire)["status"] == "suppressed"
    assert "nan" not in json.dumps(payload).lower()


def test_comparison_payload_hides_small_rows():
    before, questionnaire = _wide({"A": 8})
    after, _q = _wide({"A": 9})
    after.loc[after.index[:6], "b"] = np.nan
    payload = compute.comparison_payload(before, questionnaire, after, questionnaire)
    rows = {(r["target_id"], r["test"]): r for r in payload["tests"]}
    assert not rows[("a", "mann_whitney")]["suppressed"]
    assert rows[("b", "mann_whitney")]["suppressed"]
    assert rows[("b", "mann_whitney")]["p_value"] is None
    assert payload["pairing"]["n_pairs"] == 0
    json.dumps(payload)


def test_shipped_questionnaires_have_valid_unique_variable_names():
    for path in DEFAULT_DIRECTORY.glob("*.json"):
        if path.name in NON_QUESTIONNAIRE_FILES:
            continue
        questionnaire = Questionnaire(json.loads(path.read_text(encoding="utf-8")))
        data = Dataset(pd.DataFrame(columns=["response_id", "round_id", "submitted_hour", "comune",
                                             "service", "role", "channel", "language", "point",
                                             "panel_key", "comment"]),
                       pd.DataFrame(columns=["response_id", "item_id", "value"]), (questionnaire,))
        names = [v.name for v in variables(data)]
        assert len({n.upper() for n in names}) == len(names)
        assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", n) for n in names)
