"""The analyses behind the evaluator pages, turned into publishable (suppressed) payloads.

Each ``*_payload`` function takes analysis wide frames (see :mod:`survey_app.results.queries`)
and returns a JSON-ready dict with only what may be shown: the small-cell rule is applied
here, once, so the pages, the XLSX statistics sheets and anything else built from a payload
cannot leak a cell the rule hides. No free comment is ever part of a payload.

The rule (the numbers are :data:`survey_app.analysis.MIN_CELL` and
:data:`survey_app.analysis.breakdowns.INDICATIVE_BELOW`):

* a round, or a filtered group, with fewer than 5 respondents shows nothing but the rule;
* a statistic describing fewer than 5 respondents (an item with fewer than 5 valid answers,
  a dimension with fewer than 5 scores, alpha on fewer than 5 complete questionnaires, a
  comparison row with fewer than 5 answers or pairs on either side) is suppressed;
* breakdowns by comune, service, role and distribution point use
  :func:`survey_app.analysis.breakdowns`, which adds complementary suppression within each
  breakdown and across them (no published group 1 to 4 people away from another, totals
  included: :mod:`survey_app.analysis.privacy`);
* a filter (one comune, or one service) is a cell of that breakdown: it is shown only when
  the breakdown publishes that cell, and each item, dimension and indicator of the filtered
  view only when the breakdown publishes that group's score for it. So a filtered view can
  never reveal, by difference with the whole round, with other filters or with the groups
  of another breakdown, what the breakdowns hide. Breakdowns are not repeated inside a filtered view (they would be cross
  tables, which one-way suppression does not protect), and filters are one at a time for
  the same reason;
* groups under 20 respondents are flagged ``indicative``.

Distributions of answers within a published group (e.g. 2 of 30 answered "per niente
d'accordo") are published: the rule protects groups of people, not answer categories.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from survey_app import analysis
from survey_app.analysis.breakdowns import INDICATIVE_BELOW, NOT_STATED
from survey_app.analysis.scores import mean_interval
from survey_app.results import PAYLOAD_VERSION

if TYPE_CHECKING:
    from survey_app.questionnaires.definition import Questionnaire

MIN_CELL = analysis.MIN_CELL
BREAKDOWN_COLUMNS = ("comune", "service", "role", "point")
FILTER_COLUMNS = ("comune", "service")
#: the comparison tests shown on the page (all tests go to the XLSX)
MAIN_TESTS = ("mann_whitney", "wilcoxon_pratt")


def clean(value):
    """Return *value* as JSON-ready Python: ``NaN``/``NA`` -> ``None``, numpy -> Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


#: columns that count people: whole numbers even when pandas stored them as floats
COUNT_COLUMNS = {"n", "missing", "dont_know", "not_answered", "excluded", "n_used", "n_items", "n_before", "n_after",
                 "n_improved", "n_same", "n_worsened"}


def records(frame: pd.DataFrame) -> list[dict]:
    """Return the rows of *frame* as JSON-ready dicts (counts as integers)."""
    rows = []
    for row in frame.to_dict("records"):
        entry = {k: clean(v) for k, v in row.items()}
        for key in COUNT_COLUMNS & entry.keys():
            if isinstance(entry[key], float):
                entry[key] = int(entry[key])
        rows.append(entry)
    return rows


def small(n) -> bool:
    """Tell whether a count describes too few respondents to be shown (0 is shown as 0)."""
    return n is not None and 0 < n < MIN_CELL


# --- one round --------------------------------------------------------------------------------

def round_payload(wide: pd.DataFrame, questionnaire: Questionnaire, *,
                  filter_column: str | None = None, filter_value: str | None = None) -> dict:
    """Return the publishable results of one round, whole or filtered by one comune or service.

    :param wide: the whole round's wide frame (filters are applied here, so the breakdown
        that decides what a filter may show sees the whole round).
    """
    if filter_column is not None and filter_column not in FILTER_COLUMNS:
        raise ValueError(f"filter_column must be one of {FILTER_COLUMNS}")
    payload = {"kind": "round", "version": PAYLOAD_VERSION,
               "filter": ({"column": filter_column, "value": filter_value}
                          if filter_column else None)}
    n_all = len(wide)
    if n_all == 0:
        return payload | {"status": "empty", "n": 0}
    if n_all < MIN_CELL:
        return payload | {"status": "suppressed", "reason": "total", "n": None}
    tables = JointBreakdowns(wide, questionnaire)
    payload["filter_options"] = {column: published_groups(tables, column)
                                 for column in FILTER_COLUMNS}
    if filter_column is None:
        subset = wide
        rule = _NumberRule()
    else:
        publication = filter_publication(tables, filter_column, filter_value)
        if publication is None:
            return payload | {"status": "suppressed", "reason": "filter", "n": None}
        subset = wide[wide[filter_column].astype(object) == filter_value]
        rule = _BreakdownRule(publication)
    n = len(subset)
    payload |= {"status": "ok", "n": n, "indicative": n < INDICATIVE_BELOW,
                "items": item_rows(subset, questionnaire, rule),
                "dimensions": dimension_rows(subset, questionnaire, rule),
                "indicators": indicator_rows(subset, questionnaire, rule),
                "breakdowns": {} if filter_column else breakdown_tables(tables)}
    return payload


class JointBreakdowns:
    """The breakdowns of one whole round by every column with data, suppressed jointly.

    The round page's breakdown tables and its filter views (a filter is a cell of one of
    them) all read these, so no published group differs from another by 1 to 4 people
    (:func:`survey_app.analysis.privacy.suppress_partitions`). One computation per level.
    """

    def __init__(self, wide: pd.DataFrame, questionnaire: Questionnaire):
        self.wide, self.questionnaire = wide, questionnaire
        self.columns = [c for c in BREAKDOWN_COLUMNS if wide[c].notna().sum()]
        self._levels: dict[str, dict] = {}

    def level(self, level: str) -> dict:
        """Return column -> :class:`~survey_app.analysis.Breakdown` at *level*."""
        if level not in self._levels:
            self._levels[level] = analysis.breakdowns(self.wide, self.questionnaire,
                                                      self.columns, within=None, level=level)
        return self._levels[level]


class _NumberRule:
    """Publication in a whole round: a statistic needs at least 5 respondents."""

    def published(self, _level: str, _target_id: str, n) -> bool:
        return n is not None and n >= MIN_CELL


class _BreakdownRule:
    """Publication in a filtered view: what the breakdown publishes for that group."""

    def __init__(self, publication: dict[tuple[str, str], bool]):
        self.publication = publication

    def published(self, level: str, target_id: str, n) -> bool:
        return self.publication.get((level, target_id), False) and n is not None \
            and n >= MIN_CELL


def published_groups(tables: JointBreakdowns, column: str) -> list[str]:
    """Return the values of *column* whose respondent count the breakdowns publish."""
    if column not in tables.columns:
        return []
    counts = tables.level("dimension")[column].counts
    keep = ~counts["is_total"] & ~counts["suppressed"] & (counts["group"] != NOT_STATED)
    return [str(g) for g in counts.loc[keep, "group"]]


def filter_publication(tables: JointBreakdowns, column: str,
                       value: str) -> dict[tuple[str, str], bool] | None:
    """Return, for the group ``column == value``, which targets the breakdowns publish.

    ``None`` when the group itself is suppressed (or absent) in the respondent counts.
    """
    if value is None or value == NOT_STATED or column not in tables.columns:
        return None
    publication = {}
    for level in ("item", "dimension", "indicator"):
        result = tables.level(level)[column]
        if level == "item":
            row = result.counts[(result.counts["group"] == value) & ~result.counts["is_total"]]
            if row.empty or bool(row["suppressed"].iloc[0]):
                return None
        scores = result.scores[(result.scores["group"] == value) & ~result.scores["is_total"]]
        for target_id, suppressed in zip(scores["target_id"], scores["suppressed"]):
            publication[(level, target_id)] = not bool(suppressed)
    return publication


#: the counts of missing answers, shown even for an item with fewer than 5 valid answers
MISSING_VALUES = ("missing", "dont_know", "not_answered")
ITEM_VALUES = ("n", "missing", "dont_know", "not_answered", "median", "q1", "q3", "mean", "sd", "score", "top_box_share",
               "top_box_low", "top_box_high")


def item_rows(wide: pd.DataFrame, questionnaire: Questionnaire, rule) -> list[dict]:
    """Return per item its distribution (percentages of valid answers) and scores."""
    rows = []
    for row in records(analysis.item_scores(wide, questionnaire, by=None)):
        points = row["points"]
        entry = {"item_id": row["item_id"], "dimension_id": row["dimension_id"],
                 "points": points, "top_box": row["top_box"], "reverse": row["reverse"]}
        if rule.published("item", row["item_id"], row["n"]):
            entry |= {key: row[key] for key in ITEM_VALUES}
            entry |= {"pct": [row[f"pct_{v}"] for v in range(1, points + 1)],
                      "indicative": row["n"] < INDICATIVE_BELOW, "suppressed": False}
        else:
            entry |= dict.fromkeys(ITEM_VALUES) | {"pct": None, "indicative": None,
                                                   "suppressed": True}
            if row["n"] < MIN_CELL:
                # too few valid answers for statistics; who answered "non so" or nothing
                # identifies nobody (issue 15.11): an item everybody skipped shows n = 0
                entry |= {key: row[key] for key in MISSING_VALUES}
                entry["n"] = 0 if row["n"] == 0 else None
        rows.append(entry)
    return rows


DIMENSION_VALUES = ("n", "excluded", "score", "score_sd", "score_low", "score_high", "mean",
                    "top_box_share", "top_box_low", "top_box_high")
ALPHA_VALUES = ("alpha", "alpha_low", "alpha_high", "n_used", "acceptable", "note")


def dimension_rows(wide: pd.DataFrame, questionnaire: Questionnaire, rule) -> list[dict]:
    """Return per dimension its score, top-box share and Cronbach's alpha."""
    scores = records(analysis.dimension_scores(wide, questionnaire, by=None))
    alphas = {r["dimension_id"]: r for r in records(
        analysis.reliability(wide, questionnaire, by=None).dimensions)}
    respondent = analysis.respondent_scores(wide, questionnaire)
    rows = []
    for row in scores:
        dimension_id = row["dimension_id"]
        entry = {"dimension_id": dimension_id, "n_items": row["n_items"]}
        if not rule.published("dimension", dimension_id, row["n"]):
            rows.append(entry | dict.fromkeys(DIMENSION_VALUES + ALPHA_VALUES)
                        | {"indicative": None, "suppressed": True, "alpha_suppressed": True})
            continue
        values = respondent[dimension_id].to_numpy()
        low, high = mean_interval(values[~np.isnan(values)])
        row |= {"score_low": clean(low), "score_high": clean(high)}
        entry |= {key: row[key] for key in DIMENSION_VALUES}
        alpha = alphas[dimension_id]
        alpha_shown = alpha["n_used"] is not None and alpha["n_used"] >= MIN_CELL
        entry |= ({key: alpha[key] for key in ALPHA_VALUES} if alpha_shown
                  else dict.fromkeys(ALPHA_VALUES))
        entry |= {"indicative": row["n"] < INDICATIVE_BELOW, "suppressed": False,
                  "alpha_suppressed": not alpha_shown}
        rows.append(entry)
    return rows


INDICATOR_VALUES = ("n", "value", "low", "high", "target_met", "target_met_with_confidence",
                    "note")


def indicator_rows(wide: pd.DataFrame, questionnaire: Questionnaire, rule) -> list[dict]:
    """Return each indicator's value, interval and target."""
    if not questionnaire.measures:
        return []
    rows = []
    for row in records(analysis.indicator_values(wide, questionnaire, by=None)):
        entry = {"indicator": row["indicator"], "statistic": row["statistic"],
                 "target_operator": row["target_operator"], "target_value": row["target_value"],
                 "target_label": row["target_label"]}
        paired_only = row["statistic"] == "improved_share"
        if paired_only or rule.published("indicator", row["indicator"], row["n"]):
            entry |= {key: row[key] for key in INDICATOR_VALUES}
            entry |= {"indicative": (row["n"] or 0) < INDICATIVE_BELOW, "suppressed": False}
            if paired_only:
                entry["n"] = None
        else:
            entry |= dict.fromkeys(INDICATOR_VALUES) | {"indicative": None, "suppressed": True}
        rows.append(entry)
    return rows


def breakdown_tables(tables: JointBreakdowns) -> dict[str, list[dict]]:
    """Return, per context column with data, respondents and dimension scores by group."""
    result_tables = {}
    for column, result in tables.level("dimension").items():
        scores = {}
        for row in records(result.scores):
            scores.setdefault(row["group"], {})[row["target_id"]] = (
                None if row["suppressed"] else row["score"])
        groups = []
        for row in records(result.counts):
            groups.append({"group": row["group"], "is_total": row["is_total"],
                           "not_stated": row["group"] == NOT_STATED and not row["is_total"],
                           "n": None if row["suppressed"] else row["n"],
                           "suppressed": row["suppressed"], "indicative": row["indicative"],
                           "scores": scores.get(row["group"], {})})
        result_tables[column] = groups
    return result_tables


# --- two rounds -------------------------------------------------------------------------------

TEST_VALUES = ("n_before", "n_after", "score_before", "score_after", "top_box_before",
               "top_box_after", "top_box_change", "top_box_change_low", "top_box_change_high",
               "n_improved", "n_same", "n_worsened", "statistic", "p_value", "effect",
               "effect_low", "effect_high", "effect_label", "p_holm", "p_bh", "sentence")


#: the figures of one side of an independent comparison, published when that side has >= 5
SIDE_VALUES = {side: (f"n_{side}", f"score_{side}", f"top_box_{side}")
               for side in ("before", "after")}


def comparison_payload(before: pd.DataFrame, before_questionnaire: Questionnaire,
                       after: pd.DataFrame, after_questionnaire: Questionnaire) -> dict:
    """Return the publishable comparison of two rounds (before, after) of one questionnaire."""
    n_before, n_after = len(before), len(after)
    payload = {"kind": "comparison", "version": PAYLOAD_VERSION,
               "n_before": None if small(n_before) else n_before,
               "n_after": None if small(n_after) else n_after}
    if n_before < MIN_CELL or n_after < MIN_CELL:
        return payload | {"status": "suppressed", "reason": "total"}
    try:
        comparison = analysis.compare_rounds(before, after, before_questionnaire,
                                             after_questionnaire, engine="scipy")
    except analysis.IncompatibleQuestionnairesError as exc:
        return payload | {"status": "incompatible", "reasons": exc.reasons}
    tests = []
    for row in records(comparison.tests):
        entry = {key: row[key] for key in ("level", "target_id", "family", "design", "test",
                                           "effect_name", "engine")}
        smallest = min(row["n_before"] or 0, row["n_after"] or 0)
        if smallest >= MIN_CELL:
            entry |= {key: row.get(key) for key in TEST_VALUES} | {"suppressed": False}
        else:
            entry |= dict.fromkeys(TEST_VALUES) | {"suppressed": True}
            if row["design"] != "paired":  # each independent side keeps its own figures
                for side in ("before", "after"):
                    if (row[f"n_{side}"] or 0) >= MIN_CELL:
                        entry |= {key: row.get(key) for key in SIDE_VALUES[side]}
        tests.append(entry)
    pairing = comparison.pairing
    pairs_hidden = small(pairing.n_pairs)
    payload |= {
        "status": "ok", "tests": tests,
        "pairing": {"n_pairs": None if pairs_hidden else pairing.n_pairs,
                    "suppressed": pairs_hidden,
                    "linkage_before": None if pairs_hidden else clean(pairing.linkage_before),
                    "linkage_after": None if pairs_hidden else clean(pairing.linkage_after),
                    "ambiguous_keys": pairing.ambiguous_keys},
        "indicators": [_indicator_comparison(row) for row in records(comparison.indicators)],
        "intervals": score_intervals(before, before_questionnaire, after, after_questionnaire),
        "skipped": records(comparison.skipped),
    }
    return payload


def _indicator_comparison(row: dict) -> dict:
    entry = {key: row.get(key) for key in ("indicator", "statistic", "round", "target_operator",
                                           "target_value", "target_label")}
    if row.get("n") is not None and row["n"] >= MIN_CELL:
        return entry | {key: row.get(key) for key in INDICATOR_VALUES} | {"suppressed": False}
    return entry | dict.fromkeys(INDICATOR_VALUES) | {"suppressed": True}


def score_intervals(before: pd.DataFrame, before_questionnaire: Questionnaire,
                    after: pd.DataFrame, after_questionnaire: Questionnaire) -> list[dict]:
    """Return, per comparable item and dimension, each round's mean 0-100 score and 95% CI."""
    targets = [t for t in analysis.check_compatible(before_questionnaire,
                                                    after_questionnaire).targets
               if t.level in ("item", "dimension")]
    scores_before = analysis.respondent_scores(before, before_questionnaire, targets)
    scores_after = analysis.respondent_scores(after, after_questionnaire, targets)
    rows = []
    for target in targets:
        entry = {"level": target.level, "target_id": target.id, "family": target.family}
        for when, scores in (("before", scores_before), ("after", scores_after)):
            values = scores[target.id].to_numpy()
            values = values[~np.isnan(values)]
            if len(values) >= MIN_CELL:
                low, high = mean_interval(values)
                entry[when] = {"n": len(values), "score": float(values.mean()),
                               "low": clean(low), "high": clean(high)}
            else:
                entry[when] = None
        rows.append(entry)
    return rows


# --- all rounds of a questionnaire ------------------------------------------------------------

def questionnaire_payload(rounds: list[tuple[int, pd.DataFrame, Questionnaire]]) -> dict:
    """Return, round by round, the respondents, dimension scores and indicators.

    :param rounds: (round id, wide frame, version) in the order to show.
    """
    entries = []
    for round_id, wide, questionnaire in rounds:
        n = len(wide)
        entry = {"round_id": round_id, "n": None if small(n) else n, "suppressed": small(n),
                 "indicative": MIN_CELL <= n < INDICATIVE_BELOW, "dimensions": {},
                 "indicators": {}}
        if n >= MIN_CELL:
            rule = _NumberRule()
            entry["dimensions"] = {row["dimension_id"]: row for row in
                                   dimension_rows(wide, questionnaire, rule)}
            entry["indicators"] = {row["indicator"]: row for row in
                                   indicator_rows(wide, questionnaire, rule)}
        entries.append(entry)
    return {"kind": "questionnaire", "version": PAYLOAD_VERSION, "status": "ok",
            "rounds": entries}
