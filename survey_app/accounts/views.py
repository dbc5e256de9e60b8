"""Login, logout, and the admin pages for users and the audit log."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from survey_app import audit
from survey_app.accounts.forms import EditUserForm, LoginForm, NewUserForm
from survey_app.accounts.operations import (
    AccountError,
    authenticate,
    create_user,
    end_session,
    generate_password,
    start_session,
    update_user,
)
from survey_app.accounts.permissions import home_endpoint, login_session_id, permission_required
from survey_app.db import get_session
from survey_app.limits import limiter, submitted_email_key
from survey_app.models import User

bp = Blueprint("accounts", __name__)

LOGIN_LIMITS = "10 per 15 minutes"


def _is_failed_login(response) -> bool:
    return response.status_code != 303


def local_redirect_target(target: str | None, fallback: str) -> str:
    """Return *target* rebuilt from this app's URL map when it names one of its pages, else *fallback*.

    The login's ``next=`` comes from anyone's link, so it must never lead off the site. Rather
    than test the string (browsers drop tabs and newlines and read ``\\`` as ``/``, so
    ``/%09/evil.example`` becomes ``//evil.example``), it is parsed, matched against the URL map
    as a GET and the path built again by the router; the query string is re-encoded. Anything
    with a scheme or host, or that is not one of our pages, gives *fallback*.
    """
    if not target:
        return fallback
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unbalanced "[" read as an IPv6 host
        return fallback
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return fallback
    root = request.script_root
    if root and not parts.path.startswith(root + "/"):
        return fallback
    adapter = current_app.url_map.bind(request.host, script_name=root or None)
    try:
        endpoint, values = adapter.match(parts.path[len(root):], method="GET")
        path = adapter.build(endpoint, values, method="GET")
    except HTTPException:  # not found, not a GET page, or a redirect (a missing slash, say)
        return fallback
    if urlsplit(path).netloc:  # a path converter given "/host..." must not make "//host"
        return fallback
    query = urlencode(parse_qsl(parts.query, keep_blank_values=True))
    return f"{path}?{query}" if query else path


@bp.route("/accesso", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMITS, methods=["POST"], deduct_when=_is_failed_login)
@limiter.limit(LOGIN_LIMITS, key_func=submitted_email_key, methods=["POST"], deduct_when=_is_failed_login)
def login():
    """Log a member of staff in, with the same message for any wrong credential."""
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        user = authenticate(db, form.email.data, form.password.data)
        if user is not None:
            # a fresh session: nothing from before the login survives (no fixation)
            session.clear()
            login = start_session(db, user)
            g.login_session_id = login.id
            login_user(user)
            return redirect(local_redirect_target(request.args.get("next"), url_for(home_endpoint(user))),
                            code=303)
        audit.record(db, None, "auth.login_failed")
        db.commit()
        flash(_("E-mail o password non corretti."), "error")
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form), (400 if form.errors else 200)


@bp.post("/esci")
def logout():
    """End the server-side session, so the old cookie no longer works anywhere."""
    session_id = login_session_id()
    if current_user.is_authenticated and session_id:
        end_session(get_session(), session_id)
    logout_user()
    session.clear()
    flash(_("Sei uscito."), "info")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/amministrazione/utenti", methods=["GET", "POST"])
@permission_required("users.manage")
def users():
    """List users and create one; a generated password is shown once."""
    db = get_session()
    form = NewUserForm()
    generated = None
    if form.validate_on_submit():
        password = form.password.data or generate_password()
        try:
            create_user(db, form.email.data, form.role.data, password,
                        ambito=current_user.ambito, actor=current_user)
        except AccountError as exc:
            db.rollback()
            form.email.errors.append(str(exc))
        else:
            db.commit()
            flash(_("Utente %(email)s creato.", email=form.email.data.strip().lower()), "success")
            generated = password if not form.password.data else None
            form = NewUserForm(formdata=None)
    query = select(User).order_by(User.email)
    if current_user.ambito_id is not None:
        query = query.where(User.ambito_id == current_user.ambito_id)
    return render_template("accounts/users.html", users=db.scalars(query).all(), form=form,
                           generated_password=generated)


@bp.route("/amministrazione/utenti/<int:user_id>", methods=["GET", "POST"])
@permission_required("users.manage")
def edit_user(user_id: int):
    """Change a user's role or disable them."""
    db = get_session()
    user = db.get(User, user_id)
    if user is None or (current_user.ambito_id is not None and user.ambito_id != current_user.ambito_id):
        abort(404)
    form = EditUserForm(obj=user)
    if form.validate_on_submit():
        try:
            update_user(db, user, actor=current_user, role=form.role.data, is_active=form.is_active.data)
        except AccountError as exc:
            db.rollback()
            form.role.errors.append(str(exc))
        else:
            db.commit()
            flash(_("Utente aggiornato."), "success")
            return redirect(url_for("accounts.users"), code=303)
    return render_template("accounts/edit_user.html", user=user, form=form)


@bp.get("/amministrazione/registro")
@permission_required("audit.view")
def audit_log():
    """Show the audit log, filtered by action and actor."""
    events = audit.recent_events(
        get_session(), action=request.args.get("azione") or None, actor=request.args.get("utente") or None,
        ambito_id=current_user.ambito_id,
    )
    return render_template("accounts/audit.html", events=events)
