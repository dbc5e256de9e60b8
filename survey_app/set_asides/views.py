"""The operators' page of a round's set-asides: burst alerts, busiest hours, set aside, revoke."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app.accounts.permissions import permission_required, round_in_scope
from survey_app.db import get_session
from survey_app.localtime import local_to_utc
from survey_app.models import DistributionPoint, SetAside
from survey_app.set_asides import operations, queries
from survey_app.set_asides.forms import RevokeForm, SetAsideForm

bp = Blueprint("set_asides", __name__, url_prefix="/gestione")

HOUR = timedelta(hours=1)


def _hour_window(form: SetAsideForm):
    """Return the typed local times as whole UTC hours: the start's hour, up to the end of the end's hour."""
    if not form.window_start.data:
        return None
    start = local_to_utc(form.window_start.data).replace(minute=0, second=0, microsecond=0)
    end = local_to_utc(form.window_end.data).replace(minute=0, second=0, microsecond=0) + HOUR
    return start, end


def _form(round_) -> SetAsideForm:
    form = SetAsideForm()
    form.point.choices = [("", _("— qualunque —"))] + [(str(p.id), p.label) for p in round_.points]
    return form


def _page(round_, form, status=200):
    db = get_session()
    return render_template(
        "rounds/set_asides.html", round=round_, form=form, revoke_form=RevokeForm(),
        alerts=queries.burst_alerts(db, round_), hours=queries.busiest_hours(db, round_),
        set_asides=queries.round_set_asides(db, round_), left_out=queries.set_aside_count(db, round_),
    ), status


@bp.get("/rilevazioni/<int:round_id>/messe-da-parte")
@permission_required("rounds.manage")
def page(round_id: int):
    """The round's burst alerts, busiest hours and set-asides, with the form to add one."""
    round_ = round_in_scope(round_id)
    return _page(round_, _form(round_))


@bp.post("/rilevazioni/<int:round_id>/messe-da-parte")
@permission_required("rounds.manage")
def create(round_id: int):
    """Set aside the responses of a window of hours, of a point, or both."""
    round_ = round_in_scope(round_id)
    form = _form(round_)
    if not form.validate_on_submit():
        return _page(round_, form, 400)
    db = get_session()
    point = db.get(DistributionPoint, int(form.point.data)) if form.point.data else None
    try:
        row = operations.set_aside(db, round_, reason=form.reason.data, window=_hour_window(form), point=point,
                                   actor=current_user)
    except operations.SetAsideError as exc:
        db.rollback()
        form.reason.errors = [*form.reason.errors, str(exc)]
        return _page(round_, form, 400)
    db.commit()
    covered = next(item.responses for item in queries.round_set_asides(db, round_) if item.set_aside.id == row.id)
    flash(_("Messe da parte %(n)d risposte: l'analisi non le conta più.", n=covered), "success")
    return redirect(url_for("set_asides.page", round_id=round_id), code=303)


@bp.post("/rilevazioni/<int:round_id>/messe-da-parte/riammetti")
@permission_required("rounds.manage")
def revoke(round_id: int):
    """Bring the responses of one set-aside back into the analysis."""
    round_ = round_in_scope(round_id)
    form = RevokeForm()
    if not form.validate_on_submit() or not form.set_aside_id.data.isdigit():
        abort(400)
    db = get_session()
    row = db.get(SetAside, int(form.set_aside_id.data))
    if row is None or row.round_id != round_.id:
        abort(404)
    try:
        operations.revoke(db, row, actor=current_user)
    except operations.SetAsideError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("set_asides.page", round_id=round_id), code=303)
    db.commit()
    flash(_("Risposte riammesse nell'analisi."), "success")
    return redirect(url_for("set_asides.page", round_id=round_id), code=303)

