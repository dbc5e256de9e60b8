"""Operators type in returned paper questionnaires and answers given with their assistance."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app import audit
from survey_app.accounts.permissions import permission_required, round_in_scope
from survey_app.db import get_session
from survey_app.respond.views import build_round_form, issue_form_identity, process_submission

bp = Blueprint("entry", __name__, url_prefix="/gestione")

@bp.route("/rilevazioni/<int:round_id>/inserimento", methods=["GET", "POST"])
@permission_required("responses.enter")
def enter(round_id: int):
    """Type in one questionnaire; the same exactly-once rules as online answers apply."""
    round_ = round_in_scope(round_id)
    questionnaire = round_.questionnaire_version.questionnaire
    closed = round_.availability() == "closed"
    if request.method == "POST" and closed:
        # refused, not stored as late: the analysis would count it in a period it does not belong to.
        # The answers stay in the form, so they are saved with one click once the round is reopened.
        form = build_round_form(round_, "it", request.form, ask_channel=True)
        notice, status = _closed_notice(), 409
    elif request.method == "POST":
        form = build_round_form(round_, "it", request.form, ask_channel=True)
        result = process_submission(round_, form, language="it", channel="paper")
        if result.status in ("stored", "duplicate"):
            if result.status == "stored":
                audit.record(get_session(), current_user, "response.enter", round_, channel=form.channel.data)
                get_session().commit()
            flash(_("Questionario salvato. Puoi inserire il prossimo."), "success")
            return redirect(url_for("entry.enter", round_id=round_id), code=303)
        status = result.http_status
        notice = result.notice or _("Questo invio era già stato salvato con risposte diverse.")
    else:
        form = build_round_form(round_, "it", ask_channel=True)
        issue_form_identity(form)
        notice, status = (_closed_notice() if closed else None), 200
    return render_template("respond/entry.html", round=round_, questionnaire=questionnaire, form=form,
                           language="it", notice=notice), status


def _closed_notice() -> str:
    return _("La rilevazione è chiusa: non si possono inserire questionari. Se un questionario cartaceo "
             "è arrivato in ritardo e va contato, riapri la rilevazione dalla sua pagina (pulsante "
             "«Riapri»), salva il questionario e poi chiudi di nuovo la rilevazione.")
