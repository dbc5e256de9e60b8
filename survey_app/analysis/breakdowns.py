"""Counts and scores by comune, service, role or distribution point, with privacy rules.

:func:`breakdown` splits the respondents of each round (``within``) by one column and
publishes, per group, the number of respondents and the scores of each dimension (or item,
or indicator). Cells describing fewer than 5 respondents are suppressed together with the
complementary cells that would let them be recomputed from the total (rules in
:mod:`survey_app.analysis.privacy`); suppressed values are ``NaN`` in the returned tables, so
they cannot leak by mistake. Groups with fewer than 20 respondents are flagged
``indicative``. Respondents who did not say (missing value) form the group
:data:`NOT_STATED`, which is a cell like any other.

Only one-way tables are built: a cross table (comune x service) with published margins needs
an optimiser to suppress safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from survey_app.analysis import formulas, privacy
from survey_app.analysis.targets import (
    dimension_targets,
    indicator_targets,
    is_positive,
    item_targets,
    points_by_item,
    respondent_target_scores,
)

if TYPE_CHECKING:
    from survey_app.questionnaires.definition import Questionnaire

NOT_STATED = "(non indicato)"
TOTAL_LABEL = "(totale)"
INDICATIVE_BELOW = 20
TARGET_BUILDERS = {"dimension": dimension_targets, "item": item_targets,
                   "indicator": indicator_targets}


@dataclass(frozen=True)
class Breakdown:
    """Publishable tables of one breakdown.

    ``counts``: ``within`` column, ``group``, ``is_total``, ``n`` (respondents),
    ``suppressed``, ``indicative``. ``scores``: ``within`` column, ``group``, ``is_total``,
    ``level``, ``target_id``, ``n`` (respondents with a score), ``score`` (mean 0-100),
    ``top_box_share`` with Wilson ``top_box_low``/``top_box_high``, ``suppressed``,
    ``indicative``. ``suppressed``: ``within`` column, ``group``, ``table`` (counts or
    scores), ``target_id``, ``rule`` (primary, complementary, group, total) and ``reason``.
    """

    by: str
    within: str | None
    counts: pd.DataFrame
    scores: pd.DataFrame
    suppressed: pd.DataFrame


def breakdown(wide: pd.DataFrame, questionnaire: Questionnaire, by: str, *,
              within: str | None = "round_id", level: str = "dimension",
              min_cell: int = privacy.MIN_CELL,
              indicative_below: int = INDICATIVE_BELOW) -> Breakdown:
    """Return counts and scores per group of *by*, separately for each value of *within*.

    :param by: the column to split by, e.g. ``comune``, ``service``, ``role``, ``point``.
    :param within: a column whose values are reported separately (each with its own total),
        ``None`` to pool all rows.
    :param level: score ``dimension``, ``item`` or ``indicator`` targets.
    """
    if by == within:
        raise ValueError("by and within must be different columns")
    if level not in TARGET_BUILDERS:
        raise ValueError(f"level must be one of {sorted(TARGET_BUILDERS)}, not {level!r}")
    targets = TARGET_BUILDERS[level](questionnaire)
    points = points_by_item(questionnaire)
    target_scores = {t.id: respondent_target_scores(wide, t, points) for t in targets}
    labels = group_labels(wide[by])
    count_rows, score_rows, suppressed_rows = [], [], []
    for within_value, rows in _slices(wide, within):
        groups, codes = np.unique(labels[rows], return_inverse=True)
        context = _Slice(within, within_value, list(groups), codes, min_cell, indicative_below)
        group_rules = context.count_table(count_rows, suppressed_rows)
        for target in targets:
            context.score_table(target, target_scores[target.id][rows], group_rules,
                                score_rows, suppressed_rows)
    within_columns = [within] if within else []
    return Breakdown(
        by, within, pd.DataFrame(count_rows, columns=within_columns + COUNT_COLUMNS),
        pd.DataFrame(score_rows, columns=within_columns + SCORE_COLUMNS),
        pd.DataFrame(suppressed_rows, columns=within_columns + SUPPRESSED_COLUMNS))


COUNT_COLUMNS = ["group", "is_total", "n", "suppressed", "indicative"]
SCORE_COLUMNS = ["group", "is_total", "level", "target_id", "n", "score", "top_box_share",
                 "top_box_low", "top_box_high", "suppressed", "indicative"]
SUPPRESSED_COLUMNS = ["group", "table", "target_id", "rule", "reason"]


def group_labels(column: pd.Series) -> np.ndarray:
    """Return the group label of every row as text, :data:`NOT_STATED` for missing values."""
    text = column.astype(object).where(column.notna(), NOT_STATED)
    return text.astype(str).to_numpy(dtype=object)


def _slices(wide: pd.DataFrame, within: str | None):
    if within is None:
        yield None, np.arange(len(wide))
        return
    values = wide[within].to_numpy()
    for value in pd.Series(pd.unique(values)).sort_values():
        yield value, np.flatnonzero(values == value)


@dataclass
class _Slice:
    """One block of the breakdown (e.g. one round): its groups and how to tabulate them."""

    within: str | None
    within_value: object
    groups: list[str]
    codes: np.ndarray
    min_cell: int
    indicative_below: int

    def key(self) -> dict:
        """Return the ``within`` column and value every row of this slice carries."""
        return {self.within: self.within_value} if self.within else {}

    def count_table(self, rows: list, suppressed_rows: list) -> dict[str, str]:
        """Append the respondent counts of each group and the total; return suppressed groups."""
        n = np.bincount(self.codes, minlength=len(self.groups))
        counts = dict(zip(self.groups, n.tolist()))
        rules, total_hidden = privacy.suppress_cells(counts, self.min_cell)
        hidden = rules | _total_rule(total_hidden)
        rows += [self.key() | self._published(group, False, count, hidden)
                 for group, count in counts.items()]
        rows.append(self.key() | self._published(TOTAL_LABEL, True, n.sum(), hidden))
        self._explain(hidden, "counts", None, suppressed_rows)
        return rules

    def score_table(self, target, scores: np.ndarray, group_rules: dict[str, str], rows: list,
                    suppressed_rows: list) -> None:
        """Append each group's score on *target*, suppressing small and recoverable cells."""
        valid = ~np.isnan(scores)
        codes, size = self.codes[valid], len(self.groups)
        n = np.bincount(codes, minlength=size)
        score_sums = np.bincount(codes, weights=scores[valid], minlength=size)
        positives = np.bincount(codes, weights=is_positive(scores[valid], target), minlength=size)
        # a group hidden in the respondent table stays hidden in every score table
        already = {group: rule if rule == privacy.TOTAL else privacy.GROUP
                   for group, rule in group_rules.items()}
        rules, total_hidden = privacy.suppress_cells(dict(zip(self.groups, n.tolist())),
                                                     self.min_cell, already)
        hidden = rules | _total_rule(total_hidden)
        cells = [(g, False, n[i], score_sums[i], positives[i]) for i, g in enumerate(self.groups)]
        cells.append((TOTAL_LABEL, True, n.sum(), score_sums.sum(), positives.sum()))
        for group, is_total, count, score_sum, positive in cells:
            row = self._published(group, is_total, count, hidden)
            row |= {"level": target.level, "target_id": target.id}
            row |= _score_values(count, score_sum, positive, target, row["suppressed"])
            rows.append(self.key() | row)
        self._explain(hidden, "scores", target.id, suppressed_rows)

    def _published(self, group: str, is_total: bool, n: int, hidden: dict) -> dict:
        suppressed = group in hidden
        return {"group": group, "is_total": is_total, "n": pd.NA if suppressed else int(n),
                "suppressed": suppressed,
                "indicative": None if suppressed else bool(n < self.indicative_below)}

    def _explain(self, hidden: dict, table: str, target_id: str | None,
                 suppressed_rows: list) -> None:
        texts = privacy.reasons(self.min_cell)
        suppressed_rows += [self.key() | {"group": group, "table": table, "target_id": target_id,
                                          "rule": rule, "reason": texts[rule]}
                            for group, rule in hidden.items()]


def _total_rule(total_hidden: bool) -> dict[str, str]:
    return {TOTAL_LABEL: privacy.TOTAL} if total_hidden else {}


def _score_values(n: int, score_sum: float, positives: float, target, suppressed: bool) -> dict:
    if suppressed:
        return dict.fromkeys(("score", "top_box_share", "top_box_low", "top_box_high"), np.nan)
    score = formulas.safe_divide(score_sum, n)
    if target.points is None:  # mixed scales: no common top box
        return {"score": score, "top_box_share": np.nan, "top_box_low": np.nan,
                "top_box_high": np.nan}
    low, high = formulas.wilson_interval(positives, n)
    return {"score": score, "top_box_share": formulas.safe_divide(positives, n),
            "top_box_low": float(low), "top_box_high": float(high)}
