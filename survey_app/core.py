"""Pages and handlers shared by the whole app: home, health check, accessibility, errors."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from jinja2 import FileSystemBytecodeCache
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from survey_app import audit, limits
from survey_app.db import database_is_reachable, get_engine, get_session
from survey_app.i18n import page_language
from survey_app.limits import limiter
from survey_app.questionnaires.definition import is_rtl

bp = Blueprint("core", __name__)

#: when the accessibility statement was written and last reviewed (AgID: "redazione")
ACCESSIBILITY_STATEMENT_DATE = "2026-11-26"
#: anyone may report a problem; a flood of reports is not a report
FEEDBACK_LIMIT = "10 per hour"


@bp.get("/")
def home():
    """Explain what the site is; respondents arrive by QR code, not from here."""
    return render_template("core/home.html")


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database is reachable, 503 otherwise (for load balancers)."""
    if database_is_reachable(get_engine()):
        return jsonify(status="ok", database="ok")
    return jsonify(status="unavailable", database="unreachable"), 503


@bp.get("/accessibilita")
def accessibility():
    """The accessibility statement, in the structure of AgID's model (legge 4/2004)."""
    return render_template(
        "core/accessibility.html",
        statement_date=format_date(date.fromisoformat(ACCESSIBILITY_STATEMENT_DATE), "d MMMM yyyy"),
        organisation=current_app.config.get("ACCESSIBILITY_ORGANISATION") or DEFAULT_ORGANISATION,
        contact=current_app.config.get("ACCESSIBILITY_CONTACT"),
        site_url=current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/"),
    )


#: the lead body of the Ambito (as in the questionnaires' privacy notices); configurable
DEFAULT_ORGANISATION = "Comunità Montana dei Laghi Bergamaschi, ente capofila dell'Ambito Alto Sebino"


class FeedbackForm(FlaskForm):
    message = TextAreaField(
        _l("Che cosa non funziona?"),
        description=_l("Descrivi il problema: che cosa volevi fare, che cosa è successo. "
                       "Puoi anche chiedere un contenuto in un formato accessibile."),
        validators=[InputRequired(message=_l("Scrivi che cosa non funziona.")), Length(max=2000)],
    )
    page = StringField(_l("In quale pagina? (facoltativo)"), validators=[Optional(), Length(max=300)])
    contact = StringField(
        _l("Come possiamo risponderti? (facoltativo)"),
        description=_l("Un indirizzo e-mail o un numero di telefono, solo se vuoi una risposta."),
        validators=[Optional(), Length(max=200)],
    )


@bp.route("/accessibilita/segnalazione", methods=["GET", "POST"])
@limiter.limit(FEEDBACK_LIMIT, methods=["POST"])
def accessibility_feedback():
    """Report an accessibility problem (AgID's "meccanismo di feedback"); admins read the reports
    in the audit log (action ``accessibility.feedback``)."""
    form = FeedbackForm()
    if request.method == "GET":
        if request.args.get("inviata") == "1":
            return render_template("core/feedback.html", form=None, sent=True)
        form.page.data = (request.args.get("pagina") or "")[:300]
    elif form.validate_on_submit():
        record_feedback(form.message.data, form.page.data, form.contact.data)
        return redirect(url_for("core.accessibility_feedback", inviata="1"), code=303)
    return render_template("core/feedback.html", form=form, sent=False), (400 if form.errors else 200)


def record_feedback(message: str, page: str | None, contact: str | None) -> None:
    """Keep a report in the audit log of the Ambito it concerns (the round's, or the only one)."""
    from survey_app.models import Ambito
    from survey_app.rounds.queries import resolve_public_token

    db = get_session()
    round_ = None
    if match := re.search(r"/r/([A-Za-z0-9_-]+)", page or ""):
        round_, _point = resolve_public_token(db, match.group(1))
    event = audit.record(db, "anonimo", "accessibility.feedback", round_, message=message.strip(),
                         page=(page or "").strip() or None, contact=(contact or "").strip() or None)
    if event.ambito_id is None and db.scalar(select(func.count()).select_from(Ambito)) == 1:
        event.ambito_id = db.scalar(select(Ambito.id))
    db.commit()


def interface_language_attributes(content: str | None = None) -> Markup:
    """Return ``lang`` (and ``dir``) for interface text amid content in another language.

    A questionnaire may be in a language the interface has no catalog for (Arabic, say): its page
    is ``<html lang="ar" dir="rtl">`` while the instructions and buttons stay in Italian or
    English, and screen readers must read those in their own language. *content* is the language
    of the text around (the page's by default). Empty when both are the same.
    """
    interface, content = str(get_locale()), content or page_language()
    if interface == content:
        return Markup("")
    attributes = f' lang="{interface}"'
    if is_rtl(interface) != is_rtl(content):
        attributes += f' dir="{"rtl" if is_rtl(interface) else "ltr"}"'
    return Markup(attributes)


def language_url(code: str) -> str:
    """Return the current page's query string with ``lang`` set to *code* (the language switch)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return "?" + urlencode(args, doseq=True)


def feedback_url() -> str:
    """Return the footer's link to the feedback form, naming the page it comes from.

    Not on error pages (an unknown link and a used one must look the same) nor on a panel card's
    link, whose code is the respondent's secret and must not travel into a report.
    """
    if request.endpoint in (None, "respond.panel_entry") or g.get("error_page"):
        return url_for("core.accessibility_feedback")
    return url_for("core.accessibility_feedback", pagina=request.path)


def error_page(code: int) -> str:
    g.error_page = True
    return render_template("core/error.html", code=code)


def forbidden(_error):
    return error_page(403), 403


def not_found(_error):
    return error_page(404), 404


def too_large(_error):
    """A body or form beyond the limits of any questionnaire: refuse it whole, store nothing."""
    return error_page(413), 413


def too_many_requests(error):
    response = make_response(error_page(429), 429)
    if (seconds := limits.retry_after_seconds(error)) is not None:
        response.headers["Retry-After"] = str(seconds)
    return response


def database_unavailable(_error):
    """Never let a database failure look like success: answer 503 and ask to retry."""
    response = make_response(error_page(503), 503)
    response.headers["Retry-After"] = "30"
    return response


def close_replaced_files(response):
    """Close a file response's file even when its body is replaced.

    Flask-Compress reads a static file and sets the compressed bytes as the body without
    closing the file; registered after ``Compress(app)``, this runs before it and has the file
    closed when the response is done.
    """
    if response.direct_passthrough and callable(getattr(response.response, "close", None)):
        response.call_on_close(response.response.close)
    return response


def init_app(app) -> None:
    """Register the blueprint, the error pages and the template helpers."""
    app.register_blueprint(bp)
    app.after_request(close_replaced_files)
    # compiled templates are kept on disk (a private directory of the user's temporary
    # directory, keyed by each template's source), so a new or recycled worker does not
    # compile the respondent pages again before answering
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache()
    app.jinja_env.globals.update(ui_lang=interface_language_attributes, language_url=language_url,
                                 feedback_url=feedback_url)
    app.register_error_handler(403, forbidden)
    app.register_error_handler(404, not_found)
    app.register_error_handler(413, too_large)
    app.register_error_handler(429, too_many_requests)
    app.register_error_handler(DBAPIError, database_unavailable)
