"""From the tidy answer table to the wide frame every analysis starts from.

The web app hands over two DataFrames (see :data:`ANSWER_COLUMNS` and
:data:`RESPONSE_COLUMNS`); :func:`wide_frame` checks them against the questionnaire and
returns one row per response with one column per item, reverse-coded items already recoded
as ``points + 1 - value``. Missing answers ("non so / non applicabile", unanswered) stay
``NaN``: they are never turned into a midpoint. The two kinds are kept apart by one boolean
marker column per item (:func:`dont_know_column`), true where "non so" was chosen: a ``NaN``
without the marker is an item left without any answer (blank on paper, skipped online).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from survey_app.questionnaires.definition import Questionnaire

#: columns of the tidy answers table: one row per answer
ANSWER_COLUMNS = ("response_id", "round_id", "item_id", "value")
#: optional column of the answers table: true for a row recording an item left without answer
#: (without the column, every ``NaN`` value is "non so", as stored before it existed)
NOT_ANSWERED_COLUMN = "not_answered"
#: prefix of the wide frame's "non so" marker columns (item ids cannot contain ``:``)
DONT_KNOW_PREFIX = "non_so:"
#: columns of the responses table: one row per response
RESPONSE_COLUMNS = ("response_id", "round_id", "comune", "service", "role", "channel", "point",
                    "panel_key")
#: response columns kept in the wide frame, before the item columns
KEPT_RESPONSE_COLUMNS = RESPONSE_COLUMNS[1:]
#: how many offending values an error message quotes
QUOTED_EXAMPLES = 5


def item_ids(questionnaire: Questionnaire) -> list[str]:
    """Return the item ids of *questionnaire* in questionnaire order (the wide frame's columns)."""
    return [item.id for item in questionnaire.items]


def dont_know_column(item_id: str) -> str:
    """Return the name of the wide frame's column telling where *item_id* was answered "non so"."""
    return DONT_KNOW_PREFIX + item_id


def wide_frame(answers: pd.DataFrame, responses: pd.DataFrame,
               questionnaire: Questionnaire) -> pd.DataFrame:
    """Return one row per response and one float column per item, reverse items recoded.

    :param answers: tidy answers, columns :data:`ANSWER_COLUMNS` (and optionally
        :data:`NOT_ANSWERED_COLUMN`); ``value`` is the raw point (1..points) or ``NaN`` for
        "non so" (or, where ``not_answered`` is true, an item left without answer).
    :param responses: one row per response, columns :data:`RESPONSE_COLUMNS`.
    :return: a DataFrame indexed by ``response_id`` with the columns
        :data:`KEPT_RESPONSE_COLUMNS`, one column per item (questionnaire order), then one
        boolean "non so" marker per item (:func:`dont_know_column`, same order).
        Responses without any answer are kept, with all items missing (not answered).
    :raise ValueError: when a column is missing, an id is duplicated or unknown, a value is
        not a whole point of the item's scale, or an answer's round differs from its response's.
    """
    _require_columns(answers, ANSWER_COLUMNS, "answers")
    _require_columns(responses, RESPONSE_COLUMNS, "responses")
    ids = item_ids(questionnaire)
    clashes = sorted(set(ids) & set(RESPONSE_COLUMNS))
    if clashes:
        raise ValueError(f"item ids {clashes} clash with response column names")
    if responses["response_id"].duplicated().any():
        duplicated = responses.loc[responses["response_id"].duplicated(), "response_id"]
        raise ValueError(f"responses: duplicated response_id {_examples(duplicated)}")

    response_index = pd.Index(responses["response_id"])
    raw, dont_know = _answer_matrix(answers, responses, response_index, questionnaire)
    matrix = reverse_code(raw, questionnaire)
    wide = responses.loc[:, list(KEPT_RESPONSE_COLUMNS)].copy()
    wide.index = response_index
    items = pd.DataFrame(matrix, index=response_index, columns=ids)
    markers = pd.DataFrame(dont_know, index=response_index, columns=[dont_know_column(i) for i in ids])
    return pd.concat([wide, items, markers], axis=1)


def _answer_matrix(answers: pd.DataFrame, responses: pd.DataFrame, response_index: pd.Index,
                   questionnaire: Questionnaire) -> tuple[np.ndarray, np.ndarray]:
    """Return the checked raw values as a responses x items matrix (``NaN`` = no answer),
    and where "non so" was answered (a boolean matrix of the same shape).

    Placed by position with numpy rather than ``DataFrame.pivot``: linear in the answers
    (4 million place in ~0.3 s), and every error names the offending answers.
    """
    ids = item_ids(questionnaire)
    rows = response_index.get_indexer(answers["response_id"])
    columns = pd.Index(ids).get_indexer(answers["item_id"])
    _check_references(answers, rows, columns)
    _check_rounds(answers, responses, rows)
    values = answers["value"].to_numpy(dtype=float, na_value=np.nan)
    _check_values(answers, values, columns, questionnaire)
    matrix = np.full((len(responses), len(ids)), np.nan)
    cells = rows.astype(np.int64) * len(ids) + columns
    _check_duplicates(answers, cells, matrix.size)
    matrix.flat[cells] = values
    dont_know = np.zeros(matrix.shape, dtype=bool)
    chosen = np.isnan(values)
    if NOT_ANSWERED_COLUMN in answers.columns:
        chosen &= ~answers[NOT_ANSWERED_COLUMN].to_numpy(dtype=bool, na_value=False)
    dont_know.flat[cells[chosen]] = True
    return matrix, dont_know


def reverse_code(matrix: np.ndarray, questionnaire: Questionnaire) -> np.ndarray:
    """Return *matrix* (responses x items) with reverse items recoded as ``points + 1 - value``.

    ``NaN`` stays ``NaN``: a missing answer has no direction.
    """
    recoded = matrix.copy()
    for column, item in enumerate(questionnaire.items):
        if item.reverse:
            recoded[:, column] = item.scale.points + 1 - recoded[:, column]
    return recoded


def _require_columns(frame: pd.DataFrame, required: tuple[str, ...], name: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing columns {missing}")


def _examples(values: pd.Series) -> list:
    return values.drop_duplicates().head(QUOTED_EXAMPLES).tolist()


def _check_references(answers: pd.DataFrame, rows: np.ndarray, columns: np.ndarray) -> None:
    if (rows < 0).any():
        unknown = answers.loc[rows < 0, "response_id"]
        raise ValueError(f"answers: response_id not in responses: {_examples(unknown)}")
    if (columns < 0).any():
        unknown = answers.loc[columns < 0, "item_id"]
        raise ValueError("answers: item_id not in the questionnaire (another version?): "
                         f"{_examples(unknown)}")


def _check_duplicates(answers: pd.DataFrame, cells: np.ndarray, n_cells: int) -> None:
    # a count per cell is linear in the answers; sorting (np.unique) is ~10x slower at 4M
    if n_cells and np.bincount(cells, minlength=n_cells).max(initial=0) > 1:
        repeated = pd.Series(cells).duplicated().to_numpy()
        duplicated = answers.loc[repeated, ["response_id", "item_id"]]
        raise ValueError("answers: more than one answer for the same response and item, e.g. "
                         f"{duplicated.head(QUOTED_EXAMPLES).to_dict('records')}")


def _check_rounds(answers: pd.DataFrame, responses: pd.DataFrame, rows: np.ndarray) -> None:
    response_rounds = responses["round_id"].to_numpy()[rows]
    mismatch = answers["round_id"].to_numpy() != response_rounds
    if mismatch.any():
        raise ValueError("answers: round_id differs from the response's round for response_id "
                         f"{_examples(answers.loc[mismatch, 'response_id'])}")


def _check_values(answers: pd.DataFrame, values: np.ndarray, columns: np.ndarray,
                  questionnaire: Questionnaire) -> None:
    points = np.array([item.scale.points for item in questionnaire.items], dtype=float)[columns]
    answered = ~np.isnan(values)
    whole = np.zeros_like(answered)
    whole[answered] = np.mod(values[answered], 1) == 0
    in_range = answered & whole & (values >= 1) & (values <= points)
    invalid = answered & ~in_range
    if invalid.any():
        bad = answers.loc[invalid, ["response_id", "item_id", "value"]]
        raise ValueError("answers: values must be whole points 1..points of the item's scale "
                         f"(missing = NaN), e.g. {bad.head(QUOTED_EXAMPLES).to_dict('records')}")
