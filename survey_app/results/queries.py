"""Loading stored rounds into the frames of :mod:`survey_app.analysis` and :mod:`survey_app.exports`.

:func:`load_rounds` reads any number of rounds with exactly two queries (responses, then
answers), whatever the number of responses, streamed in chunks of :data:`CHUNK_ROWS` rows
(server-side cursors on PostgreSQL), and builds compact columns (item ids as a categorical,
values as floats with ``NaN`` for a missing answer, ``not_answered`` telling an item left
without answer from "non so / non applicabile"). 100,000 responses of 40
items are 4 million answers: about 100 MB in these frames.

The responses frame has the analysis columns (:data:`survey_app.analysis.frames.RESPONSE_COLUMNS`:
``comune`` is the comune's name, ``service`` the option id, ``role`` and ``channel`` codes,
``point`` the distribution point's label, ``panel_key`` the panel code's row id as text --
never the code) and, for the raw downloads, ``language``, ``submitted_hour`` and (only when
asked) ``comment``.

Responses set aside by an operator (:mod:`survey_app.set_asides`) are left out here, once,
for everything that analyses: pages, snapshots, reports. Raw downloads ask for them with
``set_aside="mark"`` and get them with ``set_aside`` true; :func:`data_counts` counts what
the analysis sees and :func:`fingerprint` includes the set-asides' state.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import false, func, null, select
from sqlalchemy.orm import Session, joinedload

from survey_app.models import (
    CHANNELS,
    RESPONDENT_ROLES,
    Answer,
    Comune,
    DistributionPoint,
    QuestionnaireVersion,
    Response,
    Round,
)
from survey_app.questionnaires.definition import Questionnaire
from survey_app.set_asides.queries import is_set_aside, set_aside_state

if TYPE_CHECKING:
    import pandas as pd

#: rows fetched from the database at a time
CHUNK_ROWS = 50_000
RESPONSE_FRAME_COLUMNS = ("response_id", "round_id", "comune", "service", "role", "channel",
                          "point", "panel_key", "language", "submitted_hour", "comment", "set_aside")
#: what :func:`load_rounds` does with set-aside responses
SET_ASIDE_MODES = ("exclude", "mark")


@dataclass(frozen=True)
class LoadedRounds:
    """Responses and answers of some rounds, with each round's questionnaire version."""

    rounds: tuple[Round, ...]
    responses: pd.DataFrame
    answers: pd.DataFrame
    questionnaires: dict[int, Questionnaire]
    #: per round, the state of its set-asides when loaded (see :func:`fingerprint`)
    set_asides: dict[int, str]

    def round(self, round_id: int) -> Round:
        return next(r for r in self.rounds if r.id == round_id)

    def questionnaire(self, round_id: int | None = None) -> Questionnaire:
        """Return the version of *round_id* (of the first round when not given)."""
        return self.questionnaires[round_id if round_id is not None else self.rounds[0].id]

    def frames(self, round_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return (answers, responses) of one round."""
        responses = self.responses[self.responses["round_id"] == round_id]
        answers = self.answers[self.answers["round_id"].to_numpy() == round_id]
        return answers, responses

    def wide(self, round_id: int) -> pd.DataFrame:
        """Return the analysis wide frame of one round (reverse items recoded)."""
        from survey_app.analysis import wide_frame

        answers, responses = self.frames(round_id)
        return wide_frame(answers, responses, self.questionnaires[round_id])

    def counts(self) -> dict[int, tuple[int, int]]:
        """Return per round (responses, largest response id), as :func:`data_counts` does."""
        result = {r.id: (0, 0) for r in self.rounds}
        if len(self.responses):
            grouped = self.responses.groupby("round_id")["response_id"].agg(["count", "max"])
            for round_id, row in grouped.iterrows():
                result[int(round_id)] = (int(row["count"]), int(row["max"]))
        return result


def rounds_by_id(session: Session, round_ids) -> list[Round]:
    """Return the rounds of *round_ids* (in that order) with their questionnaire versions."""
    ids = list(dict.fromkeys(int(i) for i in round_ids))
    found = {r.id: r for r in session.scalars(
        select(Round).options(joinedload(Round.questionnaire_version), joinedload(Round.ambito))
        .where(Round.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise LookupError(f"no round with id {missing}")
    return [found[i] for i in ids]


def load_rounds(session: Session, round_ids, *, comments: bool = False, set_aside: str = "exclude",
                chunk_rows: int = CHUNK_ROWS) -> LoadedRounds:
    """Load the responses and answers of *round_ids* (two queries, streamed in chunks).

    :param comments: include the free comments (raw downloads only: the aggregated pages
        never show them).
    :param set_aside: ``exclude`` leaves set-aside responses out (every analysis);
        ``mark`` keeps them, ``set_aside`` true (raw downloads).
    """
    if set_aside not in SET_ASIDE_MODES:
        raise ValueError(f"set_aside must be one of {SET_ASIDE_MODES}")
    rounds = rounds_by_id(session, round_ids)
    ids = [r.id for r in rounds]
    questionnaires = {r.id: r.questionnaire_version.questionnaire for r in rounds}
    exclude = set_aside == "exclude"
    responses = _load_responses(session, ids, comments, exclude, chunk_rows)
    known_items = list(dict.fromkeys(item.id for q in questionnaires.values() for item in q.items))
    answers = _load_answers(session, ids, known_items, exclude, chunk_rows)
    return LoadedRounds(tuple(rounds), responses, answers, questionnaires, set_aside_state(session, ids))


def _stream(session: Session, query, chunk_rows: int):
    """Yield the rows of *query* as lists of plain tuples, *chunk_rows* at a time.

    Read through the driver's cursor: building SQLAlchemy rows would cost more than the
    database itself on a million answers. On PostgreSQL the cursor is a named (server-side)
    one, so the driver never holds the whole result at once. The query's parameters are
    integers only (round ids), rendered inline by the dialect's compiler.
    """
    connection = session.connection()
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    dbapi = connection.connection.dbapi_connection
    if connection.dialect.name == "postgresql":
        cursor = dbapi.cursor(name=f"results_{id(query):x}")
        cursor.itersize = chunk_rows
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(chunk_rows):
            yield rows
    finally:
        cursor.close()


def _load_responses(session: Session, ids: list[int], comments: bool, exclude_set_aside: bool,
                    chunk_rows: int) -> pd.DataFrame:
    import pandas as pd

    query = (
        select(Response.id, Response.round_id, Comune.name, Response.service,
               Response.respondent_role, Response.channel, DistributionPoint.label,
               Response.panel_code_id, Response.language, Response.submitted_hour,
               Response.comment if comments else null(),
               false() if exclude_set_aside else is_set_aside(Response))
        .outerjoin(Comune, Comune.id == Response.comune_id)
        .outerjoin(DistributionPoint, DistributionPoint.id == Response.distribution_point_id)
        .where(Response.round_id.in_(ids))
        .order_by(Response.id)
    )
    if exclude_set_aside:
        query = query.where(~is_set_aside(Response))
    columns = {name: [] for name in RESPONSE_FRAME_COLUMNS}
    for partition in _stream(session, query, chunk_rows):
        for name, values in zip(RESPONSE_FRAME_COLUMNS, zip(*partition)):
            columns[name].extend(values)
    frame = pd.DataFrame({name: pd.Series(values, dtype=object)
                          for name, values in columns.items()})
    frame["response_id"] = frame["response_id"].astype("int64")
    frame["round_id"] = frame["round_id"].astype("int64")
    frame["panel_key"] = frame["panel_key"].map(lambda v: None if v is None else str(v))
    frame["submitted_hour"] = pd.to_datetime(frame["submitted_hour"])
    frame["set_aside"] = frame["set_aside"].astype(bool)
    for column in ("comune", "service", "role", "channel", "point", "language", "comment"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def _load_answers(session: Session, ids: list[int], known_items: list[str], exclude_set_aside: bool,
                  chunk_rows: int) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    query = (
        select(Answer.response_id, Response.round_id, Answer.item_id, Answer.value, Answer.not_answered)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.round_id.in_(ids))
    )
    if exclude_set_aside:
        query = query.where(~is_set_aside(Response))
    categories = pd.Index(known_items, dtype=object)
    response_ids, round_ids, codes, values, not_answered = [], [], [], [], []
    for partition in _stream(session, query, chunk_rows):
        response_id, round_id, item_id, value, blank = zip(*partition)
        position = categories.get_indexer(pd.Index(item_id, dtype=object))
        if (position < 0).any():  # an item of no loaded version: keep it, wide_frame reports it
            categories = categories.append(pd.Index(
                sorted({item_id[i] for i in np.flatnonzero(position < 0)}), dtype=object))
            position = categories.get_indexer(pd.Index(item_id, dtype=object))
        response_ids.append(np.asarray(response_id, dtype=np.int64))
        round_ids.append(np.asarray(round_id, dtype=np.int64))
        codes.append(position.astype(np.int32))
        values.append(np.array(value, dtype=float))  # None -> NaN
        not_answered.append(np.array(blank, dtype=bool))  # SQLite's 0/1 and PostgreSQL's booleans

    def joined(parts, dtype):
        return np.concatenate(parts) if parts else np.array([], dtype=dtype)

    return pd.DataFrame({
        "response_id": joined(response_ids, np.int64),
        "round_id": joined(round_ids, np.int64),
        "item_id": pd.Categorical.from_codes(joined(codes, np.int32), categories=categories),
        "value": joined(values, float),
        "not_answered": joined(not_answered, bool),
    })


# --- what changed ----------------------------------------------------------------------------

def data_counts(session: Session, round_ids) -> dict[int, tuple[int, int]]:
    """Return per round (number of responses, largest response id) that the analysis sees
    (set-aside responses left out): one aggregate query."""
    ids = [int(i) for i in round_ids]
    result = {i: (0, 0) for i in ids}
    rows = session.execute(
        select(Response.round_id, func.count(Response.id), func.max(Response.id))
        .where(Response.round_id.in_(ids), ~is_set_aside(Response)).group_by(Response.round_id))
    for round_id, count, largest in rows:
        result[round_id] = (int(count), int(largest or 0))
    return result


def fingerprint(rounds, counts: dict[int, tuple[int, int]], set_asides: dict[int, str],
                extra: str = "") -> str:
    """Return a digest of the data of *rounds*: ids, tokens, versions, response counts and
    set-asides (:func:`survey_app.set_asides.queries.set_aside_state`).

    Responses are only ever added (or all purged), so the count and the largest id change
    whenever the data do; a set-aside made or revoked changes its round's state. The
    round's public token makes ids reused by another database (tests, restores) differ.
    """
    parts = [extra] + [f"{r.id}:{r.public_token}:{r.questionnaire_version_id}:"
                       f"{counts.get(r.id, (0, 0))[0]}:{counts.get(r.id, (0, 0))[1]}:"
                       f"{set_asides.get(r.id, '')}"
                       for r in sorted(rounds, key=lambda r: r.id)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


# --- lists for the pages ---------------------------------------------------------------------

def rounds_in_scope(session: Session, ambito_id: int | None,
                    questionnaire_id: str | None = None, *, plan_id: int | None = None) -> list[Round]:
    """Return the rounds an evaluator of *ambito_id* may see (all when ``None``), oldest first;
    with *plan_id*, those of that plan only."""
    query = (select(Round).join(Round.questionnaire_version)
             .options(joinedload(Round.questionnaire_version), joinedload(Round.comune),
                      joinedload(Round.ambito))
             .order_by(QuestionnaireVersion.questionnaire_id,
                       func.coalesce(Round.opens_at, Round.created_at), Round.id))
    if ambito_id is not None:
        query = query.where(Round.ambito_id == ambito_id)
    if questionnaire_id is not None:
        query = query.where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
    if plan_id is not None:
        query = query.where(Round.plan_id == plan_id)
    return list(session.scalars(query).unique())


def comuni_of(session: Session, ambito_id: int) -> list[Comune]:
    """Return the comuni of an Ambito, by name."""
    return list(session.scalars(select(Comune).where(Comune.ambito_id == ambito_id)
                                .order_by(Comune.name)))


def context_codes() -> dict[str, tuple[str, ...]]:
    """Return the codes of the role and channel columns, in their model order."""
    return {"role": RESPONDENT_ROLES, "channel": CHANNELS}
