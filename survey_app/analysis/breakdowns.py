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

    Alone, this breakdown is safe by itself only; breakdowns published side by side must come
    from :func:`breakdowns`, which protects them against each other.
    """
    return breakdowns(wide, questionnaire, [by], within=within, level=level,
                      min_cell=min_cell, indicative_below=indicative_below)[by]


def breakdowns(wide: pd.DataFrame, questionnaire: Questionnaire, by: list[str], *,
               within: str | None = "round_id", level: str = "dimension",
               min_cell: int = privacy.MIN_CELL,
               indicative_below: int = INDICATIVE_BELOW) -> dict[str, Breakdown]:
    """Return :func:`breakdown` for each column of *by*, suppressed jointly.

    Within each value of *within*, every table (the respondents, then each target's scores)
    is suppressed by :func:`privacy.suppress_partitions` over all the columns at once, so that
    no group of one breakdown differs by 1 to 4 people from a group of another.
    """
    if within in by:
        raise ValueError("by and within must be different columns")
    if level not in TARGET_BUILDERS:
        raise ValueError(f"level must be one of {sorted(TARGET_BUILDERS)}, not {level!r}")
    targets = TARGET_BUILDERS[level](questionnaire)
    points = points_by_item(questionnaire)
    target_scores = {t.id: respondent_target_scores(wide, t, points) for t in targets}
    labels = {column: group_labels(wide[column]) for column in by}
    tables = {column: ([], [], []) for column in by}  # counts, scores, suppressed rows
    for within_value, rows in _slices(wide, within):
        context = _Slice(within, within_value, {c: labels[c][rows] for c in by}, min_cell,
                         indicative_below)
        group_rules = context.count_tables(tables)
        for target in targets:
            context.score_tables(target, target_scores[target.id][rows], group_rules, tables)
    within_columns = [within] if within else []
    return {column: Breakdown(
        column, within, pd.DataFrame(counts, columns=within_columns + COUNT_COLUMNS),
        pd.DataFrame(scores, columns=within_columns + SCORE_COLUMNS),
        pd.DataFrame(suppressed, columns=within_columns + SUPPRESSED_COLUMNS))
        for column, (counts, scores, suppressed) in tables.items()}


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
    """One block of the breakdowns (e.g. one round): each column's group labels, per row."""

    within: str | None
    within_value: object
    labels: dict[str, np.ndarray]
    min_cell: int
    indicative_below: int

    def key(self) -> dict:
        """Return the ``within`` column and value every row of this slice carries."""
        return {self.within: self.within_value} if self.within else {}

    def count_tables(self, tables: dict) -> dict[str, dict[str, str]]:
        """Append the respondent counts of each group and the total; return suppressed groups."""
        result = privacy.suppress_partitions(self.labels, self.min_cell)
        for column, (rules, total_hidden) in result.items():
            counts_rows, _, suppressed_rows = tables[column]
            groups, n = np.unique(self.labels[column], return_counts=True)
            hidden = rules | _total_rule(total_hidden)
            counts_rows += [self.key() | self._published(group, False, count, hidden)
                            for group, count in zip(groups.tolist(), n.tolist())]
            counts_rows.append(self.key() | self._published(TOTAL_LABEL, True, n.sum(), hidden))
            self._explain(hidden, "counts", None, suppressed_rows)
        return {column: rules for column, (rules, _) in result.items()}

    def score_tables(self, target, scores: np.ndarray, group_rules: dict[str, dict[str, str]],
                     tables: dict) -> None:
        """Append each group's score on *target*, suppressing small and close cells."""
        valid = ~np.isnan(scores)
        # a group hidden in the respondent table stays hidden in every score table
        already = {column: {group: rule if rule == privacy.TOTAL else privacy.GROUP
                            for group, rule in rules.items()}
                   for column, rules in group_rules.items()}
        result = privacy.suppress_partitions(
            {column: labels[valid] for column, labels in self.labels.items()}, self.min_cell,
            already, cells={column: np.unique(labels).tolist()
                            for column, labels in self.labels.items()})
        positive = is_positive(scores[valid], target)
        for column, labels in self.labels.items():
            _, score_rows, suppressed_rows = tables[column]
            groups, codes = np.unique(labels, return_inverse=True)
            codes, size = codes[valid], len(groups)
            n = np.bincount(codes, minlength=size)
            score_sums = np.bincount(codes, weights=scores[valid], minlength=size)
            positives = np.bincount(codes, weights=positive, minlength=size)
            rules, total_hidden = result[column]
            hidden = rules | _total_rule(total_hidden)
            cells = [(g, False, n[i], score_sums[i], positives[i])
                     for i, g in enumerate(groups.tolist())]
            cells.append((TOTAL_LABEL, True, n.sum(), score_sums.sum(), positives.sum()))
            for group, is_total, count, score_sum, positive_count in cells:
                row = self._published(group, is_total, count, hidden)
                row |= {"level": target.level, "target_id": target.id}
                row |= _score_values(count, score_sum, positive_count, target,
                                     row["suppressed"])
                score_rows.append(self.key() | row)
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
