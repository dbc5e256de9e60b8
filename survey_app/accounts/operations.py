"""Write operations on accounts: create, authenticate, sessions, role and status changes."""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey_app import audit
from survey_app.models import ROLES, Ambito, User, UserSession, utcnow

#: argon2id with the library's defaults (RFC 9106 low-memory profile: 64 MiB, t=3)
PASSWORD_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
#: a session ends after this long without requests, and in any case after MAX_AGE
SESSION_IDLE_TIMEOUT = timedelta(hours=2)
SESSION_MAX_AGE = timedelta(hours=12)
#: last_seen_at is written at most this often, not on every request
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)


class AccountError(ValueError):
    """An account operation was refused; the message says why."""


@cache
def _dummy_hash() -> str:
    """A hash verified when the e-mail is unknown, so both failures take the same time.

    Made on first use, not at import: hashing costs a quarter of a second of start-up.
    """
    return PASSWORD_HASHER.hash("not-a-real-password-0000")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_strength(password: str) -> None:
    """Refuse passwords shorter than :data:`MIN_PASSWORD_LENGTH` (no composition rules, per ASVS)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def generate_password() -> str:
    """Return a random password of about 120 bits, easy to copy."""
    return secrets.token_urlsafe(15)


def create_user(session: Session, email: str, role: str, password: str, *, ambito: Ambito | None = None,
                actor: User | str | None = "cli") -> User:
    """Create an active user (not committed).

    :raise AccountError: for an invalid e-mail, unknown role, weak password or duplicate e-mail.
    """
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    check_password_strength(password)
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise AccountError(f"a user with e-mail {email} exists already")
    user = User(email=email, role=role, password_hash=PASSWORD_HASHER.hash(password), ambito=ambito)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", user, email=email, role=role)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with these credentials, or ``None`` (never saying which part was wrong)."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    try:
        PASSWORD_HASHER.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if PASSWORD_HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = PASSWORD_HASHER.hash(password)
    return user


def start_session(session: Session, user: User) -> UserSession:
    """Open a new server-side session for *user* (a fresh random id) and commit."""
    login = UserSession(id=secrets.token_urlsafe(32), user=user)
    user.last_login_at = utcnow()
    session.add(login)
    audit.record(session, user, "auth.login")
    session.commit()
    return login


def end_session(session: Session, session_id: str) -> None:
    """Delete a server-side session, so its cookie no longer logs anyone in, and commit."""
    login = session.get(UserSession, session_id)
    if login is not None:
        audit.record(session, login.user, "auth.logout")
        session.delete(login)
    session.commit()


def user_for_session(session: Session, session_id: str) -> User | None:
    """Return the user of a live session, or ``None`` if it ended, expired or the user is disabled."""
    login = session.get(UserSession, session_id)
    if login is None:
        return None
    now = utcnow()
    expired = now - login.created_at > SESSION_MAX_AGE or now - login.last_seen_at > SESSION_IDLE_TIMEOUT
    if expired or not login.user.is_active:
        session.delete(login)
        session.commit()
        return None
    if now - login.last_seen_at > SESSION_TOUCH_INTERVAL:
        login.last_seen_at = now
        session.commit()
    return login.user


def update_user(session: Session, user: User, *, actor: User, role: str | None = None,
                is_active: bool | None = None, ambito: Ambito | None = None) -> User:
    """Change a user's role, Ambito or active flag (not committed); disabling ends their sessions.

    :raise AccountError: for an unknown role, or an admin removing their own admin rights.
    """
    if role is not None and role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    if user.id == actor.id and (role not in (None, "admin") or is_active is False):
        raise AccountError("you cannot remove your own administrator rights")
    changes = {}
    if role is not None and role != user.role:
        changes["role"] = [user.role, role]
        user.role = role
    if is_active is not None and is_active != user.is_active:
        changes["is_active"] = [user.is_active, is_active]
        user.is_active = is_active
    if ambito is not None and ambito.id != user.ambito_id:
        changes["ambito"] = [user.ambito_id, ambito.id]
        user.ambito = ambito
    if changes.get("is_active") == [True, False] or "role" in changes:
        # a disabled or re-roled user must log in again
        session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    if changes:
        audit.record(session, actor, "user.update", user, changes=changes)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str, *, actor: User | str) -> None:
    """Replace a user's password (not committed) and end their sessions."""
    check_password_strength(password)
    user.password_hash = PASSWORD_HASHER.hash(password)
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit.record(session, actor, "user.password", user)
