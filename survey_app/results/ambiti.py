"""The macro level: questionnaire versions given in several Ambiti, read side by side.

:func:`shared_versions` lists, among the rounds of the Ambiti a user may see
(:class:`~survey_app.accounts.permissions.AmbitoScope`), the questionnaire versions and round
kinds given in at least two of them; :func:`ambito_table` loads their responses and returns
the suppressed figures of :func:`survey_app.analysis.ambiti.ambito_comparison`. Nothing here
reads the request: the caller passes the scope, so a page and a report see the same Ambiti.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from survey_app.analysis.ambiti import AMBITO_COLUMN, TOTAL, AmbitoComparison, ambito_comparison
from survey_app.models import Ambito, QuestionnaireVersion, Round
from survey_app.results.queries import load_rounds

#: a version is compared when given in at least this many Ambiti of the scope
MIN_AMBITI = 2


@dataclass(frozen=True)
class SharedVersion:
    """One questionnaire version and round kind given in several Ambiti of a scope."""

    version: QuestionnaireVersion
    kind: str
    ambiti: tuple[Ambito, ...]
    rounds: tuple[Round, ...]


@dataclass(frozen=True)
class AmbitoTable:
    """A shared version with its figures per Ambito."""

    shared: SharedVersion
    comparison: AmbitoComparison


def scoped_rounds(session: Session, scope) -> list[Round]:
    """Return the rounds of the Ambiti in *scope* (none for an empty scope), oldest first."""
    if scope.empty:
        return []
    query = (select(Round).options(joinedload(Round.questionnaire_version), joinedload(Round.ambito))
             .order_by(func.coalesce(Round.opens_at, Round.created_at), Round.id))
    if not scope.every:
        query = query.where(Round.ambito_id.in_(sorted(scope.ids)))
    return list(session.scalars(query).unique())


def shared_versions(session: Session, scope, *, ambito_ids=None) -> list[SharedVersion]:
    """Return the (version, kind) pairs given in >= :data:`MIN_AMBITI` Ambiti of *scope*.

    :param ambito_ids: keep only these Ambiti (still within *scope*).
    """
    groups: dict[tuple[int, str], list[Round]] = {}
    for round_ in scoped_rounds(session, scope):
        if ambito_ids is None or round_.ambito_id in ambito_ids:
            groups.setdefault((round_.questionnaire_version_id, round_.kind), []).append(round_)
    found = []
    for (_version_id, kind), rounds in groups.items():
        ambiti = sorted({r.ambito_id: r.ambito for r in rounds}.values(), key=lambda a: a.name)
        if len(ambiti) >= MIN_AMBITI:
            found.append(SharedVersion(rounds[0].questionnaire_version, kind, tuple(ambiti),
                                       tuple(rounds)))
    return sorted(found, key=lambda s: (s.version.questionnaire_id, s.version.version, s.kind))


def find_shared(session: Session, scope, version_id: int, kind: str) -> SharedVersion | None:
    """Return the shared version *version_id* of *kind* in *scope*, ``None`` when not shared."""
    return next((s for s in shared_versions(session, scope)
                 if s.version.id == version_id and s.kind == kind), None)


def ambito_table(session: Session, shared: SharedVersion) -> AmbitoTable:
    """Load the responses of *shared*'s rounds and return the figures per Ambito."""
    import pandas as pd

    loaded = load_rounds(session, [r.id for r in shared.rounds])
    frames = []
    for round_ in shared.rounds:
        wide = loaded.wide(round_.id)
        frames.append(wide.assign(**{AMBITO_COLUMN: round_.ambito.name}))
    wide = pd.concat(frames)
    questionnaire = shared.version.questionnaire
    return AmbitoTable(shared, ambito_comparison(wide, questionnaire,
                                                 ambiti=[a.name for a in shared.ambiti]))
