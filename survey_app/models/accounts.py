"""Models of staff accounts (admin, operator, evaluator) and their server-side sessions."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, quoted_values, utcnow
from survey_app.models.plan import Ambito

ROLES = ("admin", "operator", "evaluator")


class User(UserMixin, Base):
    """A member of staff. Respondents never have accounts."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({quoted_values(ROLES)})", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the Ambito the user works for; ``None`` for an installation-wide admin
    ambito_id: Mapped[int | None] = mapped_column(ForeignKey("ambiti.id"), index=True)
    #: stored lowercased; the login name
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: argon2id hash (PHC string)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))
    #: disabled users cannot log in and their sessions stop working
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    ambito: Mapped[Ambito | None] = relationship()

    def get_id(self) -> str:
        """Flask-Login keeps the server-side session id, not the user id, in the cookie."""
        from flask import g

        return g.get("login_session_id", "")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(Base):
    """A login. The browser's cookie holds only ``id``; deleting the row ends the session."""

    __tablename__ = "user_sessions"

    #: 256 random bits, URL-safe; a new one at every login
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession user={self.user_id}>"


class UserAmbitoGrant(Base):
    """An Ambito an evaluator may see besides their own (the macro level across Ambiti).

    Only evaluators' grants count (:func:`survey_app.accounts.permissions.ambito_scope`); a
    grant never gives rights to change anything, only to read results side by side.
    """

    __tablename__ = "user_ambito_grants"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    ambito_id: Mapped[int] = mapped_column(ForeignKey("ambiti.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ambito: Mapped[Ambito] = relationship()

    def __repr__(self) -> str:
        return f"<UserAmbitoGrant user={self.user_id} ambito={self.ambito_id}>"
