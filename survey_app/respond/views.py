"""Public respondent pages: ``/r/<token>`` (landing), its form and its thank-you page.

Views only parse the request, call domain code and render. Every answer a respondent gave
is rendered back whenever the submission is not stored (invalid field, expired CSRF token,
database unavailable), so nothing typed is ever lost.
"""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError

from survey_app.db import get_session
from survey_app.forms.questionnaire import build_questionnaire_form, new_submission_id, submission_from_form
from survey_app.i18n import content_language
from survey_app.models import Round
from survey_app.respond.submission import record_submission
from survey_app.rounds.queries import round_by_token

bp = Blueprint("respond", __name__, url_prefix="/r")

#: seconds a client should wait before retrying after a 503
RETRY_AFTER_SECONDS = 30


def _round_or_404(token: str) -> Round:
    round_ = round_by_token(get_session(), token)
    if round_ is None:
        abort(404)
    return round_


def _form_for(round_: Round, language: str, formdata=None):
    questionnaire = round_.questionnaire_version.questionnaire
    comuni = [(c.id, c.name) for c in round_.ambito.comuni]
    return build_questionnaire_form(
        questionnaire, language, comuni,
        ask_comune=round_.comune_id is None, ask_service=round_.service is None, formdata=formdata,
    )


def _render_form(round_: Round, form, language: str, *, status: int = 200, notice: str | None = None):
    questionnaire = round_.questionnaire_version.questionnaire
    return render_template(
        "respond/form.html", round=round_, questionnaire=questionnaire, form=form,
        language=language, notice=notice,
    ), status


def _unavailable(round_: Round, availability: str, status: int = 200):
    return render_template(
        "respond/unavailable.html", round=round_, availability=availability,
        questionnaire=round_.questionnaire_version.questionnaire,
        language=content_language(round_.questionnaire_version.questionnaire),
    ), status


@bp.get("/<token>")
def landing(token: str):
    """Show who runs the survey, the privacy notice and the estimated time."""
    round_ = _round_or_404(token)
    questionnaire = round_.questionnaire_version.questionnaire
    availability = round_.availability()
    if availability != "open":
        return _unavailable(round_, availability)
    return render_template("respond/landing.html", round=round_, questionnaire=questionnaire,
                           language=content_language(questionnaire))


@bp.get("/<token>/questionario")
def form(token: str):
    """Show the questionnaire with a fresh submission id."""
    round_ = _round_or_404(token)
    questionnaire = round_.questionnaire_version.questionnaire
    if (availability := round_.availability()) != "open":
        return _unavailable(round_, availability)
    language = content_language(questionnaire)
    questionnaire_form = _form_for(round_, language, formdata=None)
    questionnaire_form.submission_id.data = new_submission_id()
    return _render_form(round_, questionnaire_form, language)


@bp.post("/<token>/questionario")
def submit(token: str):
    """Validate and store a submission; re-render it with every answer when it cannot be stored."""
    round_ = _round_or_404(token)
    questionnaire = round_.questionnaire_version.questionnaire
    language = content_language(questionnaire)
    if (availability := round_.availability()) != "open":
        return _unavailable(round_, availability, status=409)
    questionnaire_form = _form_for(round_, language, formdata=request.form)
    if not questionnaire_form.validate():
        if set(questionnaire_form.errors) == {"csrf_token"}:
            # expired or missing session: keep the answers, issue a fresh token, ask to resend
            return _render_form(round_, questionnaire_form, language, status=400, notice=_(
                "Per sicurezza la pagina era scaduta. Le tue risposte sono ancora qui: "
                "controlla e premi di nuovo «Invia le risposte»."))
        if "submission_id" in questionnaire_form.errors:
            questionnaire_form.submission_id.data = new_submission_id()
        return _render_form(round_, questionnaire_form, language, status=400, notice=_(
            "Alcune risposte mancano o non sono valide. Le trovi segnate qui sotto."))
    submission = submission_from_form(
        questionnaire_form, questionnaire, language=language,
        comune_id=round_.comune_id, service=round_.service,
    )
    try:
        outcome = record_submission(get_session(), round_.id, submission)
    except DBAPIError:
        get_session().rollback()
        page, _status = _render_form(round_, questionnaire_form, language, notice=_(
            "In questo momento non riusciamo a salvare le risposte. Non sono andate perse: "
            "sono ancora qui. Riprova tra qualche istante."))
        response = make_response(page, 503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if outcome.status == "conflict":
        return render_template("respond/conflict.html", round=round_, questionnaire=questionnaire,
                               language=language), 409
    return redirect(url_for("respond.thanks", token=token), code=303)


@bp.get("/<token>/grazie")
def thanks(token: str):
    """Thank the respondent; shown only after a successful commit."""
    round_ = _round_or_404(token)
    questionnaire = round_.questionnaire_version.questionnaire
    return render_template("respond/thanks.html", round=round_, questionnaire=questionnaire,
                           language=content_language(questionnaire))
