"""Login, logout, and the admin pages for users and the audit log."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from survey_app import audit
from survey_app.accounts.forms import ALL_AMBITI, EditUserForm, LoginForm, NewUserForm, ambito_choices
from survey_app.accounts import throttle
from survey_app.accounts.operations import (
    AccountError,
    authenticate,
    create_user,
    end_session,
    generate_password,
    start_session,
    update_user,
    user_id_for_email,
)
from survey_app.accounts.permissions import (
    ambito_scope,
    home_endpoint,
    login_session_id,
    permission_required,
    scoped_ambito_id,
    sees_every_ambito,
)
from survey_app.db import get_session
from survey_app.limits import limiter
from survey_app.models import Ambito, User

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
def login():
    """Log a member of staff in, with the same message for any wrong credential.

    Failures from one address are limited (LOGIN_LIMITS); failures for one e-mail slow its
    next attempts down (accounts.throttle) except from a browser that logged in to it before.
    """
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        email = form.email.data
        known = throttle.is_known_device(request.cookies.get(throttle.DEVICE_COOKIE), user_id_for_email(db, email))
        wait = 0 if known else throttle.seconds_to_wait(email)
        if wait:
            flash(_("Troppi tentativi falliti per questo indirizzo: riprova tra %(n)d secondi. "
                    "Dal browser con cui accedi di solito puoi entrare subito.", n=wait), "error")
            response = make_response(render_template("accounts/login.html", form=form), 429)
            response.headers["Retry-After"] = str(wait)
            return response
        user = authenticate(db, email, form.password.data)
        if user is not None:
            throttle.record_success(email)
            # a fresh session: nothing from before the login survives (no fixation)
            session.clear()
            login = start_session(db, user)
            g.login_session_id = login.id
            login_user(user)
            response = redirect(local_redirect_target(request.args.get("next"), url_for(home_endpoint(user))),
                                code=303)
            throttle.set_device_cookie(response, user.id)
            return response
        throttle.record_failure(email)
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


def _ambito_field(form) -> dict[str, Ambito]:
    """Offer the Ambito choice to an installation-wide admin (and return the Ambiti by code);
    remove it for an admin of one Ambito, whose users are always of that Ambito."""
    if not sees_every_ambito(current_user):
        del form.ambito
        return {}
    ambiti = get_session().scalars(select(Ambito).order_by(Ambito.name)).all()
    form.ambito.choices = ambito_choices(ambiti)
    return {a.code: a for a in ambiti}


def _chosen_ambito(form, ambiti: dict[str, Ambito]) -> tuple[Ambito | None, bool]:
    """Return (Ambito, every Ambito?) as chosen on the form, or the admin's own Ambito."""
    if "ambito" not in form:
        return current_user.ambito, False
    return ambiti.get(form.ambito.data), form.ambito.data == ALL_AMBITI


@bp.route("/amministrazione/utenti", methods=["GET", "POST"])
@permission_required("users.manage")
def users():
    """List users and create one; a generated password is shown once."""
    db = get_session()
    form = NewUserForm()
    ambiti = _ambito_field(form)
    generated = None
    if form.validate_on_submit():
        password = form.password.data or generate_password()
        ambito, all_ambiti = _chosen_ambito(form, ambiti)
        try:
            create_user(db, form.email.data, form.role.data, password,
                        ambito=ambito, all_ambiti=all_ambiti, actor=current_user)
        except AccountError as exc:
            db.rollback()
            _error_field(form, exc, "email").errors.append(str(exc))
        else:
            db.commit()
            flash(_("Utente %(email)s creato.", email=form.email.data.strip().lower()), "success")
            generated = password if not form.password.data else None
            form = NewUserForm(formdata=None)
            _ambito_field(form)
    query = select(User).order_by(User.email)
    ambito_id = scoped_ambito_id()
    if ambito_id is not None:
        query = query.where(User.ambito_id == ambito_id)
    return render_template("accounts/users.html", users=db.scalars(query).all(), form=form,
                           generated_password=generated, show_ambito=bool(ambiti))


def _error_field(form, exc: AccountError, default: str):
    """The form field an account error is about (the e-mail or role when the form lacks it)."""
    return form[exc.field] if exc.field in form else form[default]


@bp.route("/amministrazione/utenti/<int:user_id>", methods=["GET", "POST"])
@permission_required("users.manage")
def edit_user(user_id: int):
    """Change a user's role or Ambito, or disable them."""
    db = get_session()
    user = db.get(User, user_id)
    if user is None or not ambito_scope(current_user).allows(user.ambito_id):
        abort(404)
    form = EditUserForm(obj=user)
    ambiti = _ambito_field(form)
    if "ambito" in form and request.method == "GET":
        form.ambito.data = user.ambito.code if user.ambito else (ALL_AMBITI if user.role == "admin" else "")
    if form.validate_on_submit():
        ambito, all_ambiti = _chosen_ambito(form, ambiti)
        try:
            update_user(db, user, actor=current_user, role=form.role.data, is_active=form.is_active.data,
                        ambito=ambito if "ambito" in form else None, all_ambiti=all_ambiti)
        except AccountError as exc:
            db.rollback()
            _error_field(form, exc, "role").errors.append(str(exc))
        else:
            db.commit()
            flash(_("Utente aggiornato."), "success")
            return redirect(url_for("accounts.users"), code=303)
    return render_template("accounts/edit_user.html", user=user, form=form, **grant_context(db, user))


def grant_context(db, user: User) -> dict:
    """What the user's page shows of granted Ambiti (to admins of every Ambito, for evaluators)."""
    from survey_app.accounts.grants import GRANTABLE_ROLE, granted_ambiti
    from survey_app.accounts.permissions import sees_every_ambito
    from survey_app.models import Ambito

    if user.role != GRANTABLE_ROLE or not sees_every_ambito(current_user):
        return {"grants": None}
    granted = granted_ambiti(db, user.id)
    others = [a for a in db.scalars(select(Ambito).order_by(Ambito.name))
              if a.id != user.ambito_id and a not in granted]
    return {"grants": granted, "grantable": others}


@bp.get("/amministrazione/registro")
@permission_required("audit.view")
def audit_log():
    """Show the audit log, filtered by action and actor."""
    events = audit.recent_events(
        get_session(), action=request.args.get("azione") or None, actor=request.args.get("utente") or None,
        ambito_id=scoped_ambito_id(),
    )
    return render_template("accounts/audit.html", events=events)
