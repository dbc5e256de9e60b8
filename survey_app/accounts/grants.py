"""Grants of further Ambiti to evaluators: who may see results side by side across Ambiti.

An evaluator works for one Ambito (``users.ambito_id``); an admin may grant them others
(``user_ambito_grants``), so they can read the results of the same questionnaire version in
several Ambiti side by side. Only evaluators can hold grants: an operator's or admin's rights
never widen this way (an admin of all Ambiti needs none). Every grant and revocation is
written to the audit log.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey_app import audit
from survey_app.accounts.operations import AccountError
from survey_app.models import Ambito, User, UserAmbitoGrant

#: the only role whose grants count
GRANTABLE_ROLE = "evaluator"


def granted_ambito_ids(session: Session, user_id: int) -> frozenset[int]:
    """Return the ids of the Ambiti granted to the user (empty for none)."""
    return frozenset(session.scalars(
        select(UserAmbitoGrant.ambito_id).where(UserAmbitoGrant.user_id == user_id)))


def granted_ambiti(session: Session, user_id: int) -> list[Ambito]:
    """Return the Ambiti granted to the user, by name."""
    return list(session.scalars(
        select(Ambito).join(UserAmbitoGrant, UserAmbitoGrant.ambito_id == Ambito.id)
        .where(UserAmbitoGrant.user_id == user_id).order_by(Ambito.name)))


def grant(session: Session, user: User, ambito: Ambito, *, actor: User | str) -> bool:
    """Let evaluator *user* see *ambito*'s results; return whether the grant is new.

    :raise AccountError: when the user is not an evaluator, or *ambito* is their own.
    """
    if user.role != GRANTABLE_ROLE:
        raise AccountError(_("Solo a un valutatore si possono concedere altri Ambiti."))
    if user.ambito_id == ambito.id:
        raise AccountError(_("È già l'Ambito dell'utente."))
    if session.get(UserAmbitoGrant, (user.id, ambito.id)) is not None:
        return False
    session.add(UserAmbitoGrant(user_id=user.id, ambito_id=ambito.id))
    audit.record(session, actor, "user.grant_ambito", user, ambito=ambito.code)
    return True


def revoke(session: Session, user: User, ambito: Ambito, *, actor: User | str) -> bool:
    """Withdraw *user*'s grant of *ambito*; return whether there was one."""
    removed = session.execute(delete(UserAmbitoGrant).where(
        UserAmbitoGrant.user_id == user.id, UserAmbitoGrant.ambito_id == ambito.id)).rowcount
    if removed:
        audit.record(session, actor, "user.revoke_ambito", user, ambito=ambito.code)
    return bool(removed)
