"""Write operations on accounts: create, authenticate, sessions, role and status changes."""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey_app import audit
from survey_app.models import ROLES, Ambito, User, UserSession, utcnow

#: argon2id with the library's defaults (RFC 9106 low-memory profile: 64 MiB, t=3)
PASSWORD_HASHER = PasswordHasher()
#: NIST SP 800-63B rev. 4 (3.1.1.2): at least 15 characters for a password used alone (this app
#: has no second factor), at least 64 allowed; no composition rules; checked against a list of
#: commonly used and breached passwords (see check_password_strength)
MIN_PASSWORD_LENGTH = 15
MAX_PASSWORD_LENGTH = 128
#: zxcvbn's estimate of the guesses needed (its score 3: at least 10^8), a bar that a passphrase of
#: three or four words or a generated password passes and "passwordpassword" does not
MIN_PASSWORD_SCORE = 3
#: words anybody would try against this site, besides the user's own e-mail address
SITE_WORDS = ("survey", "questionario", "questionari", "ambito", "sebino", "alto", "piano", "zona",
              "lovere", "valutazione", "operatore", "comune")
#: a session ends after this long without requests, and in any case after MAX_AGE
SESSION_IDLE_TIMEOUT = timedelta(hours=2)
SESSION_MAX_AGE = timedelta(hours=12)
#: last_seen_at is written at most this often, not on every request
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)


class AccountError(ValueError):
    """An account operation was refused; the message (translatable) says why, and *field* which
    part of the request it is about, when that is not the e-mail."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def check_ambito(role: str, ambito: Ambito | None, all_ambiti: bool) -> None:
    """Refuse staff without an Ambito: every Ambito is an admin's right, asked for by name.

    An operator or evaluator without an Ambito would see nothing (accounts.permissions fails
    closed), so creating one is a mistake to point out, not to store.
    """
    if all_ambiti:
        if role != "admin":
            raise AccountError(_l("Solo un amministratore può vedere tutti gli Ambiti: scegli l'Ambito "
                                  "di questo utente."), "ambito")
        if ambito is not None:
            raise AccountError(_l("Scegli un Ambito oppure tutti gli Ambiti, non entrambi."), "ambito")
    elif ambito is None:
        if role == "admin":
            raise AccountError(_l("Scegli l'Ambito dell'amministratore, oppure tutti gli Ambiti."), "ambito")
        raise AccountError(_l("Scegli l'Ambito dell'utente: un operatore o un valutatore senza Ambito "
                              "non vedrebbe nulla."), "ambito")


def _check_actor_may_assign(actor, ambito: Ambito | None) -> None:
    # an admin of one Ambito gives only that Ambito, never another one nor every one
    if isinstance(actor, User) and actor.ambito_id is not None and (ambito is None or ambito.id != actor.ambito_id):
        raise AccountError(_l("Puoi assegnare solo il tuo Ambito."), "ambito")


@cache
def _dummy_hash() -> str:
    """A hash verified when the e-mail is unknown, so both failures take the same time.

    Made on first use, not at import: hashing costs a quarter of a second of start-up.
    """
    return PASSWORD_HASHER.hash("not-a-real-password-0000")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_strength(password: str, email: str | None = None) -> None:
    """Refuse a password that is short, only blanks, or easy to guess (NIST SP 800-63B).

    Easy to guess means one of the 30,000 most common passwords of the breach corpus that zxcvbn
    ships (compared ignoring case and blanks), or an estimate below :data:`MIN_PASSWORD_SCORE`
    by zxcvbn, which also catches repetitions, sequences, keyboard patterns, dictionary words
    and the site's name; and one that contains the user's login (the e-mail before the "@").
    No composition rules (NIST: they do not help).
    """
    if not password.strip():
        raise AccountError(_l("La password non può essere fatta solo di spazi."), "password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("La password deve avere almeno %(n)d caratteri: puoi usare una frase "
                              "di più parole, con gli spazi.", n=MIN_PASSWORD_LENGTH), "password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(_l("La password può avere al massimo %(n)d caratteri.", n=MAX_PASSWORD_LENGTH),
                           "password")
    local_part = normalise_email(email or "").partition("@")[0]
    contains_login = len(local_part) >= 4 and local_part in "".join(password.lower().split())
    if contains_login or is_common_password(password) or password_score(password, email) < MIN_PASSWORD_SCORE:
        raise AccountError(_l("Questa password è tra le più usate o è facile da indovinare: scegline "
                              "un'altra, per esempio una frase di quattro parole che non stanno insieme."),
                           "password")


@cache
def _common_passwords() -> frozenset[str]:
    # imported on first use: the lists take a quarter of a second to load
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common_password(password: str) -> bool:
    """Tell whether *password*, ignoring case and blanks, is in zxcvbn's list of common passwords."""
    return "".join(password.lower().split()) in _common_passwords()


def password_score(password: str, email: str | None = None) -> int:
    """Return zxcvbn's 0-4 score of *password* (its first 72 characters, zxcvbn's limit)."""
    from zxcvbn import zxcvbn

    user_inputs = list(SITE_WORDS)
    if email:
        local, _, domain = normalise_email(email).partition("@")
        user_inputs += [local, *domain.split("."), *local.replace("_", ".").replace("-", ".").split(".")]
    return zxcvbn(password[:72], user_inputs=[w for w in user_inputs if w])["score"]


def generate_password() -> str:
    """Return a random password of about 120 bits, easy to copy."""
    return secrets.token_urlsafe(15)


def create_user(session: Session, email: str, role: str, password: str, *, ambito: Ambito | None = None,
                all_ambiti: bool = False, actor: User | str | None = "cli") -> User:
    """Create an active user of *ambito* (not committed); *all_ambiti* makes an installation-wide
    admin, who has no Ambito and sees every one.

    :raise AccountError: for an invalid e-mail, unknown role, missing Ambito, weak password or
        duplicate e-mail.
    """
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    check_ambito(role, ambito, all_ambiti)
    _check_actor_may_assign(actor, ambito)
    check_password_strength(password, email)
    existing = session.scalar(select(User).where(User.email == email))
    if existing is not None:
        if isinstance(actor, User) and actor.ambito_id is not None and existing.ambito_id != actor.ambito_id:
            # logins are unique across the installation, so the refusal itself cannot be hidden;
            # but an admin of one Ambito learns nothing more about another Ambito's staff
            raise AccountError(_l("Questo indirizzo non può essere usato per un nuovo utente: se la persona "
                                  "ha già un account, chiedi a chi amministra l'installazione."), "email")
        raise AccountError(_l("Esiste già un utente con l'e-mail %(email)s.", email=email), "email")
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


def user_id_for_email(session: Session, email: str) -> int | None:
    """Return the id of the user with *email*, if any (no password involved)."""
    return session.scalar(select(User.id).where(User.email == normalise_email(email)))


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
                is_active: bool | None = None, ambito: Ambito | None = None, all_ambiti: bool = False) -> User:
    """Change a user's role, Ambito (or, for an admin, every Ambito) or active flag (not
    committed); disabling or re-roling ends their sessions.

    :raise AccountError: for an unknown role, an admin removing their own admin rights, or a
        change that would leave an operator or evaluator without an Ambito.
    """
    if role is not None and role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    if user.id == actor.id and (role not in (None, "admin") or is_active is False):
        raise AccountError(_l("Non puoi togliere a te stesso i diritti di amministratore."))
    changes = {}
    if role is not None and role != user.role:
        changes["role"] = [user.role, role]
        user.role = role
    if is_active is not None and is_active != user.is_active:
        changes["is_active"] = [user.is_active, is_active]
        user.is_active = is_active
    if ambito is not None or all_ambiti:
        _check_actor_may_assign(actor, ambito)
        check_ambito(role or user.role, ambito, all_ambiti)
    if ambito is not None and ambito.id != user.ambito_id:
        changes["ambito"] = [user.ambito_id, ambito.id]
        user.ambito = ambito
    elif all_ambiti and user.ambito_id is not None:
        changes["ambito"] = [user.ambito_id, None]
        user.ambito = None
    if ("role" in changes or "ambito" in changes) and user.role != "admin" and user.ambito is None:
        # e.g. an installation-wide admin made an operator: they would see nothing
        check_ambito(user.role, None, False)
    if changes.get("is_active") == [True, False] or "role" in changes:
        # a disabled or re-roled user must log in again
        session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    if changes:
        audit.record(session, actor, "user.update", user, changes=changes)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str, *, actor: User | str) -> None:
    """Replace a user's password (not committed) and end their sessions."""
    check_password_strength(password, user.email)
    user.password_hash = PASSWORD_HASHER.hash(password)
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit.record(session, actor, "user.password", user)
