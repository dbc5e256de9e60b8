"""One questionnaire version given in several Ambiti: items side by side, one column per Ambito.

:func:`ambito_comparison` pools the respondents of the rounds of each Ambito (the caller
gives one wide frame with an Ambito column) and returns, per item, every Ambito's valid
answers, mean score (0-100) and share of favourable answers, and the total over the Ambiti
given. It is :func:`survey_app.analysis.breakdowns.breakdown` by Ambito: the small-cell rule
applies to every cell, with complementary suppression, so the total minus the published
Ambiti never describes a suppressed Ambito of fewer than 5 (:mod:`survey_app.analysis.privacy`).
The total is over the Ambiti in the frame only: whoever calls this passes only the Ambiti the
reader may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from survey_app.analysis import privacy
from survey_app.analysis.breakdowns import TOTAL_LABEL, breakdown

if TYPE_CHECKING:
    from survey_app.questionnaires.definition import Questionnaire

#: the column of the wide frame naming each response's Ambito
AMBITO_COLUMN = "ambito"
#: key of the total in :attr:`AmbitoComparison.respondents` and in each item's cells
TOTAL = TOTAL_LABEL


@dataclass(frozen=True)
class AmbitoComparison:
    """Publishable tables of one version across Ambiti.

    ``ambiti``: the Ambiti in column order. ``respondents``: Ambito (or :data:`TOTAL`) ->
    number of respondents, ``None`` when suppressed. ``items``: per item id, Ambito (or
    :data:`TOTAL`) -> ``{"n", "score", "top_box_share", "suppressed"}``; suppressed cells
    have every value ``None``.
    """

    ambiti: list[str]
    respondents: dict[str, int | None]
    items: dict[str, dict[str, dict]]


def ambito_comparison(wide: pd.DataFrame, questionnaire: Questionnaire, *,
                      ambiti: list[str] | None = None, column: str = AMBITO_COLUMN,
                      min_cell: int = privacy.MIN_CELL) -> AmbitoComparison:
    """Return every item's figures per Ambito and in total, with the small-cell rule applied.

    :param ambiti: the Ambiti to show, in order (default: those in the frame, sorted); one
        with no respondent shows 0 (a cell of nobody describes nobody, and shown as hidden
        it would look like part of the pool of hidden respondents).
    """
    if wide[column].isna().any():
        raise ValueError(f"every response needs its {column!r}")
    order = list(ambiti) if ambiti is not None else sorted(pd.unique(wide[column]).tolist())
    if not set(pd.unique(wide[column])) <= set(order):
        raise ValueError("the frame has responses of an Ambito not in ambiti")
    result = breakdown(wide, questionnaire, by=column, within=None, level="item",
                       min_cell=min_cell)
    present = set(pd.unique(wide[column]))
    respondents = {a: (None if a in present else 0) for a in order}
    for row in result.counts.itertuples(index=False):
        if row.group in respondents or row.is_total:
            respondents[TOTAL if row.is_total else row.group] = \
                None if row.suppressed else int(row.n)
    hidden = {"n": None, "score": None, "top_box_share": None, "suppressed": True}
    nobody = {"n": 0, "score": None, "top_box_share": None, "suppressed": False}
    items: dict[str, dict[str, dict]] = {
        item.id: {a: dict(hidden if a in present or a == TOTAL else nobody)
                  for a in [*order, TOTAL]} for item in questionnaire.items}
    for row in result.scores.itertuples(index=False):
        key = TOTAL if row.is_total else row.group
        if key not in items[row.target_id] or row.suppressed:
            continue
        items[row.target_id][key] = {"n": int(row.n), "score": _number(row.score),
                                     "top_box_share": _number(row.top_box_share),
                                     "suppressed": False}
    return AmbitoComparison(order, respondents, items)


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
