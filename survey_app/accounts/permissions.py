"""Who may do what: permissions per role, which Ambiti a user sees, the view decorator, and
Flask-Login set-up.

Every non-public view carries ``@permission_required(...)``; the test of the route matrix
fails for a view that has neither that nor a place in :data:`PUBLIC_ENDPOINTS`.

Which Ambiti a user may see is answered here and nowhere else (:func:`ambito_scope`). It fails
closed: staff see the Ambito they are assigned to; "every Ambito" is a right of admins only,
given by name when the admin is created (``users create --all-ambiti`` or the choice "Tutti gli
Ambiti"), stored as an admin without an Ambito. An evaluator also sees the Ambiti granted to them
(:mod:`survey_app.accounts.grants`), and only on the pages that compare Ambiti side by side:
the pages of one Ambito keep working on their own Ambito (:func:`scoped_ambito_id`). Grants
of other roles count for nothing. An operator or evaluator without an Ambito and without
grants (which can no longer be created, but older rows may exist) sees nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort, g
from flask import session as flask_session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user

from survey_app.accounts.operations import user_for_session
from survey_app.db import get_session
from survey_app.models import Round, User

PERMISSIONS: dict[str, frozenset[str]] = {
    "rounds.view": frozenset({"admin", "operator", "evaluator"}),
    "rounds.manage": frozenset({"admin", "operator"}),
    "responses.enter": frozenset({"admin", "operator"}),
    "results.view": frozenset({"admin", "evaluator"}),
    "users.manage": frozenset({"admin"}),
    "audit.view": frozenset({"admin"}),
    "indicators.view": frozenset({"admin", "operator", "evaluator"}),
    "indicators.record": frozenset({"admin", "operator"}),
    "plans.manage": frozenset({"admin"}),
    "plans.designate": frozenset({"admin", "evaluator"}),
    "questionnaires.publish": frozenset({"admin", "operator"}),
    # interviews, focus groups and workshops (survey_app.qualitative): staff of the plan's Ambito
    # read them; evaluators record, code and publish quotes
    "qualitative.view": frozenset({"admin", "operator", "evaluator"}),
    "qualitative.code": frozenset({"admin", "evaluator"}),
    "judgements.write": frozenset({"admin", "evaluator"}),
}
#: endpoints anyone may call: the respondent pages, login, health, the accessibility statement
#: and its feedback form, and static files
PUBLIC_ENDPOINTS = frozenset({
    "static", "core.home", "core.healthz", "respond.landing", "respond.form", "respond.submit",
    "respond.thanks", "respond.panel_entry", "accounts.login", "core.accessibility",
    "core.accessibility_feedback",
})
#: logged-in users of any role
AUTHENTICATED_ENDPOINTS = frozenset({"accounts.logout"})

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Accedi per vedere questa pagina.")
login_manager.session_protection = None  # sessions are server-side rows; see accounts.operations


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Flask-Login stores the server-side session id; return its user if the session is live."""
    user = user_for_session(get_session(), session_id)
    if user is not None:
        g.login_session_id = session_id
    return user


#: where each role lands after logging in: its own work, not another role's
HOME_ENDPOINTS = {"admin": "manage.dashboard", "operator": "manage.dashboard", "evaluator": "results.index"}


def home_endpoint(user) -> str:
    """Return the endpoint of *user*'s home page (the page a login leads to by default)."""
    return HOME_ENDPOINTS.get(getattr(user, "role", None), "manage.dashboard")


def can(user, permission: str) -> bool:
    """Tell whether *user* (possibly anonymous) has *permission*."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in PERMISSIONS[permission]


@dataclass(frozen=True)
class AmbitoScope:
    """The Ambiti a user may see: every one, the ones in :attr:`ids`, or none."""

    every: bool = False
    ids: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.every and not self.ids

    def allows(self, ambito_id: int | None) -> bool:
        """Tell whether data of *ambito_id* may be shown (data of no Ambito only to *every*)."""
        return self.every or (ambito_id is not None and ambito_id in self.ids)


def ambito_scope(user) -> AmbitoScope:
    """Return the Ambiti *user* may see (see the module docstring: it fails closed)."""
    if not getattr(user, "is_authenticated", False):
        return AmbitoScope()
    granted = _granted(user)
    if user.ambito_id is not None:
        return AmbitoScope(ids=frozenset({user.ambito_id}) | granted)
    if user.role == "admin":
        return AmbitoScope(every=True)
    return AmbitoScope(ids=granted)


def _granted(user) -> frozenset[int]:
    from survey_app.accounts.grants import GRANTABLE_ROLE, granted_ambito_ids

    if user.role != GRANTABLE_ROLE or getattr(user, "id", None) is None:
        return frozenset()
    return granted_ambito_ids(get_session(), user.id)


def sees_every_ambito(user) -> bool:
    """Tell whether *user* is an installation-wide admin."""
    return ambito_scope(user).every


def scoped_ambito_id() -> int | None:
    """Return the ``ambito_id`` argument of the query functions for the current user: ``None``
    (no filter) only for a user who sees every Ambito; the user's own Ambito otherwise (an
    evaluator's grants widen only the pages across Ambiti); 403 for one who has none."""
    scope = ambito_scope(current_user)
    if scope.every:
        return None
    if current_user.ambito_id is not None and current_user.ambito_id in scope.ids:
        return current_user.ambito_id
    if len(scope.ids) != 1:
        _forbid_without_ambito()
    return next(iter(scope.ids))


def _forbid_without_ambito():
    g.forbidden_reason = "no_ambito"
    abort(403)


def permission_required(permission: str):
    """Decorate a view: anonymous users go to login, users without *permission* get 403, and so
    do users who may see no Ambito (every staff page shows an Ambito's data)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, permission):
                abort(403)
            if ambito_scope(current_user).empty:
                _forbid_without_ambito()
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator


def round_in_scope(round_id: int) -> Round:
    """Return the round if the current user's Ambito may see it; 404 otherwise (no existence leak)."""
    round_ = get_session().get(Round, round_id)
    if round_ is None or not ambito_scope(current_user).allows(round_.ambito_id):
        abort(404)
    return round_


def init_app(app) -> None:
    """Bind Flask-Login; users' ``get_id`` is their server-side session id."""
    from survey_app.accounts.forms import ROLE_LABELS

    login_manager.init_app(app)
    app.jinja_env.globals["can"] = lambda permission: can(current_user, permission)
    app.jinja_env.globals["role_labels"] = ROLE_LABELS


def login_session_id() -> str | None:
    """Return the server-side session id of the current request, if logged in."""
    return g.get("login_session_id") or flask_session.get("_user_id")


def current_ambito():
    """Return the Ambito the current user's pages work on.

    A user of one Ambito always gets it; an installation-wide admin picks one with
    ``?ambito=CODE`` (the first Ambito by code otherwise). 404 when no Ambito exists; 403 for a
    user who may see none.
    """
    from flask import request
    from sqlalchemy import select

    from survey_app.models import Ambito

    scope = ambito_scope(current_user)
    if not scope.every:
        if current_user.ambito_id is None or not scope.allows(current_user.ambito_id):
            _forbid_without_ambito()
        return current_user.ambito
    ambiti = get_session().scalars(select(Ambito).order_by(Ambito.code)).all()
    if not ambiti:
        abort(404)
    wanted = request.args.get("ambito")
    return next((a for a in ambiti if a.code == wanted), ambiti[0])


def ambito_link_args(ambito) -> dict:
    """Query arguments keeping an installation-wide user's choice of Ambito in links."""
    return {"ambito": ambito.code} if sees_every_ambito(current_user) else {}
