"""Recording and reading the audit log (who did what, when; never an IP address)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.models import AuditEvent, User


def record(session: Session, actor: User | str | None, action: str, target=None, **detail) -> AuditEvent:
    """Add an audit event to *session* (committed with the caller's transaction).

    :param actor: the user acting, or a label such as ``"cli"`` for commands.
    :param action: a dotted verb, e.g. ``round.open``.
    :param target: the model instance acted on (its class name and id are kept), if any.
    """
    event = AuditEvent(
        user_id=actor.id if isinstance(actor, User) else None,
        actor=actor.email if isinstance(actor, User) else (actor or "anonymous"),
        action=action,
        target_type=type(target).__name__ if target is not None else None,
        target_id=str(target.id) if target is not None else None,
        ambito_id=getattr(target, "ambito_id", None) or (actor.ambito_id if isinstance(actor, User) else None),
        detail={k: v for k, v in detail.items() if v is not None},
    )
    session.add(event)
    return event


def recent_events(session: Session, *, action: str | None = None, actor: str | None = None,
                  ambito_id: int | None = None, limit: int = 200) -> list[AuditEvent]:
    """Return the newest events, optionally filtered by action prefix, actor e-mail and Ambito."""
    query = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if actor:
        query = query.where(AuditEvent.actor.contains(actor.strip().lower()))
    if ambito_id is not None:
        query = query.where(AuditEvent.ambito_id == ambito_id)
    return list(session.scalars(query))
