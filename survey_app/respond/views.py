"""Public respondent pages: ``/r/<token>`` (landing), its form and its thank-you page; ``/c/<code>``.

Views only parse the request, call domain code and render. Every answer a respondent gave
is rendered back whenever the submission is not stored (invalid field, expired CSRF token,
database unavailable), so nothing typed is ever lost.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Hashable
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from survey_app import audit, core
from survey_app.db import get_session
from survey_app.forms.questionnaire import (
    QuestionnaireForm,
    is_submission_id,
    new_submission_id,
    submission_from_form,
    unexpected_fields,
    unreadable_fields,
)
from survey_app.i18n import content_language
from survey_app.limits import limiter
from survey_app.models import DistributionPoint, Round
from survey_app.panels.operations import PanelCodeRejected, panel_for_code, usable_code
from survey_app.respond import antibot
from survey_app.respond.rendering import (
    fresh_form_page,
    fresh_questions_html,
    is_pristine,
    kept_form_page,
)
from survey_app.respond.round_form import RoundForm, last_round_form, round_form
from survey_app.respond.submission import SubmissionOutcome, record_submission
from survey_app.rounds.queries import resolve_public_token

bp = Blueprint("respond", __name__)

#: seconds a client should wait before retrying after a 503
RETRY_AFTER_SECONDS = 30
#: where a card's QR code puts the panel code until the form is rendered
PANEL_CODE_SESSION_KEY = "panel_code"
#: links that do not exist: a person mistypes a few, a guesser tries thousands
UNKNOWN_LINK_LIMIT = "30 per minute"


def _is_not_found(response) -> bool:
    return response.status_code == 404


def _sent_through_this_link() -> bool:
    return bool(request.cookies.get(antibot.SENT_COOKIE))


def _submit_limit() -> str:
    # generous (SUBMIT_RATE_LIMIT): a whole audience may share one venue's Wi-Fi address
    return current_app.config["SUBMIT_RATE_LIMIT"]


#: Unknown links are counted by address, apart from submissions: an address past the limit is
#: refused the public pages for a while, but never a submission (only the generous submission
#: limit counts those) nor the thank-you page of the browser that has just sent one.
guess_limit = limiter.shared_limit(UNKNOWN_LINK_LIMIT, scope="unknown-links", deduct_when=_is_not_found)
guess_limit_unless_sent = limiter.shared_limit(UNKNOWN_LINK_LIMIT, scope="unknown-links",
                                               deduct_when=_is_not_found, exempt_when=_sent_through_this_link)


def _resolve_or_404(token: str) -> tuple[Round, DistributionPoint | None]:
    round_, point = resolve_public_token(get_session(), token)
    if round_ is None:
        abort(404)
    return round_, point


def build_round_form(round_: Round, language: str, formdata=None, *, ask_channel: bool = False,
                     link: str | None = None):
    """Build the form of *round_*: scoped comune and service are not asked; panel rounds ask a code.

    :param link: the public link it is shown through, to keep its make-up for an outage.
    """
    return round_form(get_session(), round_, link).build(language, formdata, ask_channel=ask_channel)


@dataclass
class SubmissionResult:
    """What happened to a posted questionnaire; ``notice`` explains a refusal to the person."""

    status: str  # stored, duplicate, conflict, invalid, unavailable
    notice: str | None = None
    http_status: int = 200


def new_form_identity() -> dict[str, str]:
    """Return a new submission id and the signed stamp binding it to now, for a form being shown."""
    submission_id = new_submission_id()
    return {"submission_id": submission_id,
            "started": antibot.issue_stamp(current_app.config["SECRET_KEY"], submission_id)}


def issue_form_identity(form, identity: dict[str, str] | None = None) -> None:
    """Give a form being rendered its submission id and stamp (new ones unless *identity* is given)."""
    identity = identity or new_form_identity()
    form.submission_id.data = identity["submission_id"]
    form.started.data = identity["started"]


def process_submission(round_: Round, form, *, language: str, channel: str,
                       point: DistributionPoint | None = None, unreadable: Collection[str] = ()) -> SubmissionResult:
    """Validate *form* (already bound to the posted data) and store it once.

    Shared by the respondents' form and the operators' paper and assisted entry.

    :param unreadable: names of fields whose values were not valid UTF-8 as sent (see
        :func:`~survey_app.forms.questionnaire.unreadable_fields`): refused, with a message.
    """
    questionnaire = round_.questionnaire_version.questionnaire
    stamp = antibot.read_stamp(current_app.config["SECRET_KEY"], form.started.data,
                               current_app.config["FORM_MAX_AGE_SECONDS"])
    if stamp is None:
        # missing, forged or expired: the answers are shown again under a new id, to be resent
        issue_form_identity(form)
        form.validate()
        return SubmissionResult("invalid", _expired_page_notice(), 400)
    # the id is the one the server issued with this form, whatever id the client sent: the
    # same rendered form sent again under made-up ids is a retry of its one response
    malformed_id = not is_submission_id(form.submission_id.data)
    form.submission_id.data = stamp.submission_id
    if malformed_id:
        form.validate()
        return SubmissionResult("invalid", _(
            "Questa pagina è stata modificata. Le tue risposte sono ancora qui: "
            "controlla e premi di nuovo «Invia le risposte»."), 400)
    if channel == "self" and not _took_long_enough(stamp, len(questionnaire.items)):
        form.validate()
        return SubmissionResult("invalid", _(
            "Hai risposto molto in fretta. Controlla che le risposte siano quelle che volevi, "
            "poi premi di nuovo «Invia le risposte»."), 400)
    valid = form.validate()
    for name in unreadable:
        if name in form:
            form[name].errors.append(_("Questo testo contiene caratteri che non riusciamo a leggere: "
                                       "correggilo e invia di nuovo."))
            valid = False
    if not valid:
        if set(form.errors) == {"csrf_token"}:
            # expired or missing session: keep the answers, issue a fresh token, ask to resend
            return SubmissionResult("invalid", _expired_page_notice(), 400)
        return SubmissionResult("invalid", _(
            "Alcune risposte mancano o non sono valide. Le trovi segnate qui sotto."), 400)
    db = get_session()
    try:
        panel_code_id = None
        if round_.is_panel:
            try:
                panel_code_id = usable_code(db, round_.panel_id, round_.id, form.panel_code.data).id
            except PanelCodeRejected as exc:
                form.panel_code.errors = [_(
                    "Il codice non è scritto correttamente: controlla lettere e numeri.") if exc.reason == "format"
                    else _("Questo codice non può essere usato. Controlla di averlo scritto bene, "
                           "oppure chiedi una tessera nuova all'operatore.")]
                return SubmissionResult("invalid", _(
                    "Alcune risposte mancano o non sono valide. Le trovi segnate qui sotto."), 400)
        submission = submission_from_form(
            form, questionnaire, language=language, channel=channel, comune_id=round_.comune_id,
            service=round_.service, distribution_point_id=point.id if point else None,
            panel_code_id=panel_code_id,
        )
        outcome: SubmissionOutcome = record_submission(db, round_.id, submission)
    except DBAPIError:
        db.rollback()
        return SubmissionResult("unavailable", _unavailable_notice(), 503)
    if outcome.status == "panel_code_used":
        form.panel_code.errors = [_("Questo codice non può essere usato. Controlla di averlo scritto bene, "
                                    "oppure chiedi una tessera nuova all'operatore.")]
        return SubmissionResult("invalid", _("Alcune risposte mancano o non sono valide. Le trovi segnate qui sotto."), 400)
    return SubmissionResult(outcome.status, None, 409 if outcome.status == "conflict" else 200)


def _expired_page_notice() -> str:
    return _("Per sicurezza la pagina era scaduta. Le tue risposte sono ancora qui: "
             "controlla e premi di nuovo «Invia le risposte».")


def _unavailable_notice() -> str:
    return _("In questo momento non riusciamo a salvare le risposte. Non sono andate perse: "
             "sono ancora qui. Riprova tra qualche istante.")


def _took_long_enough(stamp: antibot.FormStamp, item_count: int) -> bool:
    """Tell whether the form was shown long enough ago for a person to have read it."""
    minimum = antibot.minimum_seconds(item_count, current_app.config["MIN_COMPLETION_SECONDS"])
    return minimum <= 0 or stamp.age() >= minimum


def _answered_here(round_id: int) -> bool:
    """Tell whether this browser has already answered round *round_id* (the soft warning)."""
    return str(round_id) in antibot.answered_rounds(request.cookies.get(antibot.ANSWERED_COOKIE))


def _fresh_page_key(found: RoundForm, token: str, language: str) -> Hashable | None:
    """Return the key under which the page of *found*'s unanswered form is kept, or ``None``.

    A fresh form's page differs from one request to the next only in its CSRF token, submission
    id and start time: it is kept and reused. Not with a panel code (it comes from the person's
    session) nor with other query parameters than the language (the language links repeat them).
    Everything else the page shows follows from the form's class, the languages, the link and
    whether this browser already answered.
    """
    if found.is_panel or not set(request.args) <= {"lang"}:
        return None
    return ("form", found.form_class_key(language), language, str(get_locale()), token,
            _answered_here(found.round_id), request.query_string)


def _render_form(round_: Round | RoundForm, token: str, form, language: str, *, notice: str | None = None,
                 status: int = 200, page_key: Hashable | None = None):
    """Render the form page; from a :class:`RoundForm` when the database cannot be read.

    :param page_key: where the page of this form, unanswered, is kept (:func:`_fresh_page_key`).
    """
    if isinstance(round_, RoundForm):
        round_id, questionnaire = round_.round_id, round_.questionnaire
    else:
        round_id, questionnaire = round_.id, round_.questionnaire_version.questionnaire
    already_answered = _answered_here(round_id)

    def render() -> str:
        return render_template(
            "respond/form.html", token=token, questionnaire=questionnaire, form=form,
            language=language, notice=notice, already_answered=already_answered,
            pristine_questions=fresh_questions_html(form, questionnaire, language),
        )

    if page_key is not None and notice is None and "csrf_token" in form and is_pristine(form):
        page = fresh_form_page(page_key, form, render)
    else:
        page = render()
    response = make_response(page, status)
    if status in (429, 503):
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@bp.errorhandler(DBAPIError)
def _database_error(error):
    """A submission the database could not take at all (not even to find its round): shown back."""
    if request.endpoint == "respond.submit":
        with contextlib.suppress(Exception):  # the session may be as broken as the database
            get_session().rollback()
        return _refused_submission(503, _unavailable_notice(), database_down=True)
    return core.database_unavailable(error)


@bp.errorhandler(429)
def _too_many_requests(error):
    """A submission refused by a rate limit: shown back with its answers, to send a little later."""
    if request.endpoint == "respond.submit":
        return _refused_submission(429, _(
            "In questo momento arrivano troppe risposte dalla tua rete. Non sono andate perse: "
            "sono ancora qui. Riprova tra un minuto."))
    return core.too_many_requests(error)


def _refused_submission(status: int, notice: str, *, database_down: bool = False):
    """Answer a submission that could not be taken with its form and every answer in it.

    The form is rebuilt from the copy this process kept of the link's form, or from the
    database when it can be read; failing both, every posted field goes back in a page
    whose one button sends them again, so nothing is lost even then.
    """
    token = request.view_args.get("token", "") if request.view_args else ""
    found = last_round_form(token)
    if found is None and not database_down:
        with contextlib.suppress(DBAPIError):
            round_, _point = resolve_public_token(get_session(), token)
            found = round_form(get_session(), round_, token) if round_ is not None else None
    if found is None:
        response = make_response(render_template(
            "respond/resend.html", notice=notice, fields=list(request.form.items(multi=True))), status)
    else:
        language = content_language(found.questionnaire)
        response = _render_form(found, token, found.build(language, formdata=request.form), language,
                                notice=notice, status=status)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _unavailable(round_: Round, availability: str, status: int = 200):
    questionnaire = round_.questionnaire_version.questionnaire
    return render_template(
        "respond/unavailable.html", round=round_, availability=availability, questionnaire=questionnaire,
        language=content_language(questionnaire),
    ), status


@bp.get("/r/<token>")
@guess_limit
def landing(token: str):
    """Show who runs the survey, the privacy notice and the estimated time."""
    round_, _point = _resolve_or_404(token)
    questionnaire = round_.questionnaire_version.questionnaire
    if (availability := round_.availability()) != "open":
        return _unavailable(round_, availability)
    return render_template("respond/landing.html", round=round_, token=token, questionnaire=questionnaire,
                           language=content_language(questionnaire))


@bp.get("/r/<token>/questionario")
@guess_limit
def form(token: str):
    """Show the questionnaire with a fresh submission id."""
    round_, _point = _resolve_or_404(token)
    if (availability := round_.availability()) != "open":
        return _unavailable(round_, availability)
    language = content_language(round_.questionnaire_version.questionnaire)
    sent = request.cookies.get(antibot.SENT_COOKIE)
    if sent and request.args.get("nuovo") != sent:
        # this browser sent a questionnaire through this link, and this is not the new one it
        # asked for: most likely the form again after "back", which the browser may fill in
        return _thanks_page(round_, token, already_sent=True)
    found = round_form(get_session(), round_, token)
    identity = new_form_identity()
    page_key = _fresh_page_key(found, token, language)
    if page_key is not None:
        # the page is kept: answer without building the form (its CSRF token is Flask-WTF's,
        # made as the form's own field would make it)
        csrf_token = generate_csrf(token_key=QuestionnaireForm.Meta.csrf_field_name)
        if (page := kept_form_page(page_key, {"csrf_token": csrf_token, **identity})) is not None:
            return page
    questionnaire_form = found.build(language)
    issue_form_identity(questionnaire_form, identity)
    if round_.is_panel and session.get(PANEL_CODE_SESSION_KEY):
        questionnaire_form.panel_code.data = session[PANEL_CODE_SESSION_KEY]
    return _render_form(round_, token, questionnaire_form, language, page_key=page_key)


@bp.post("/r/<token>/questionario")
@limiter.limit(_submit_limit)
def submit(token: str):
    """Validate and store a submission; re-render it with every answer when it cannot be stored."""
    round_, point = _resolve_or_404(token)
    if (availability := round_.availability()) != "open":
        return _unavailable(round_, availability, status=409)
    language = content_language(round_.questionnaire_version.questionnaire)
    raw_body = request.get_data(cache=True)  # kept: the form is parsed from it next
    questionnaire_form = build_round_form(round_, language, formdata=request.form, link=token)
    if problems := unexpected_fields(request.form, questionnaire_form):
        return render_template("core/error.html", code=400, problems=problems), 400
    result = process_submission(round_, questionnaire_form, language=language, channel="self", point=point,
                                unreadable=unreadable_fields(raw_body, request.mimetype, request.form))
    if result.status in ("invalid", "unavailable"):
        return _render_form(round_, token, questionnaire_form, language, notice=result.notice,
                            status=result.http_status)
    if result.status == "conflict":
        return render_template("respond/conflict.html", round=round_, token=token,
                               questionnaire=round_.questionnaire_version.questionnaire, language=language,
                               new_form_url=_new_form_url(token)), 409
    session.pop(PANEL_CODE_SESSION_KEY, None)
    if result.status == "stored":
        _watch_for_bursts(round_)
    response = redirect(url_for("respond.thanks", token=token), code=303)
    cookie = {"max_age": 365 * 24 * 3600, "httponly": True, "samesite": "Lax",
              "secure": current_app.config.get("SESSION_COOKIE_SECURE", False)}
    response.set_cookie(
        antibot.ANSWERED_COOKIE,
        antibot.with_answered_round(request.cookies.get(antibot.ANSWERED_COOKIE), round_.id), **cookie)
    response.set_cookie(
        antibot.SENT_COOKIE,
        antibot.sent_marker(request.cookies.get(antibot.SENT_COOKIE), result.status == "stored"),
        path=url_for("respond.landing", token=token), **cookie)
    return response


def _new_form_url(token: str) -> str:
    """Return the address of a new, empty form for another person, past the "already sent" page."""
    return url_for("respond.form", token=token, nuovo=request.cookies.get(antibot.SENT_COOKIE))


def _thanks_page(round_: Round, token: str, *, already_sent: bool = False):
    questionnaire = round_.questionnaire_version.questionnaire
    return render_template("respond/thanks.html", round=round_, token=token, questionnaire=questionnaire,
                           language=content_language(questionnaire), already_sent=already_sent,
                           new_form_url=_new_form_url(token))


def _watch_for_bursts(round_: Round) -> None:
    """Record an alert for the round's operators when submissions arrive in a burst."""
    if current_app.extensions["burst_detector"].is_burst(round_.id):
        db = get_session()
        audit.record(db, "sistema", "round.burst_alert", round_, limit=antibot.BURST_LIMIT)
        db.commit()


@bp.get("/r/<token>/grazie")
@guess_limit_unless_sent
def thanks(token: str):
    """Thank the respondent; reached only by the redirect after a successful commit."""
    round_, _point = _resolve_or_404(token)
    return _thanks_page(round_, token)


@bp.get("/c/<code>")
@guess_limit
def panel_entry(code: str):
    """A panel card's QR code: open the panel round running now, with the code filled in.

    Unknown codes and codes with no open round get the same page, so nothing is learnt by guessing.
    """
    db = get_session()
    found = panel_for_code(db, code[:40])
    if found is not None:
        panel, normalised = found
        open_rounds = [r for r in db.scalars(select(Round).where(Round.panel_id == panel.id).order_by(Round.id.desc()))
                       if r.availability() == "open"]
        if open_rounds:
            session[PANEL_CODE_SESSION_KEY] = normalised
            return redirect(url_for("respond.form", token=open_rounds[0].public_token), code=303)
    return render_template("respond/no_panel_round.html"), 404
