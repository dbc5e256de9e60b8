"""Model of the audit log: who did what to which object, and when. Never an IP address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.models.base import Base, utcnow


class AuditEvent(Base):
    """One operator, evaluator or admin action."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: the actor's e-mail at the time, kept if the account is later changed; ``cli`` for commands
    actor: Mapped[str] = mapped_column(String(254))
    #: dotted verb, e.g. ``round.open``, ``user.create``, ``auth.login_failed``, ``export.csv``
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ambito_id: Mapped[int | None] = mapped_column(ForeignKey("ambiti.id"), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"
