"""The evaluator's pages: the objectives of a plan with their judgement, and one objective's judgement
beside the data's reading of it, with its history.

Thin views: the data's reading comes from the report data (:mod:`survey_app.reports.build`),
saving from :mod:`survey_app.judgements.operations`.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _p
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from survey_app.accounts.permissions import ambito_link_args, current_ambito, permission_required
from survey_app.db import get_session
from survey_app.judgements.operations import (
    JudgementConflict,
    JudgementInput,
    JudgementRefused,
    save_judgement,
)
from survey_app.judgements.queries import objective_judgements, plan_judgements
from survey_app.judgements.reading import STATUSES, indicator_reading, objective_reading
from survey_app.models import Objective
from survey_app.plans.context import current_plan, plan_choices, plan_link_args

bp = Blueprint("judgements", __name__, url_prefix="/rapporti/giudizi")

PERMISSION = "judgements.write"
#: in the context "giudizio": the same Italian words label the results' automatic verdicts, in
#: English another word ("met" there, "reached" here)
STATUS_LABELS = {"reached": _p("giudizio", "Raggiunto"), "partly_reached": _p("giudizio", "Parzialmente raggiunto"),
                 "not_reached": _p("giudizio", "Non raggiunto"), "not_assessable": _p("giudizio", "Non valutabile")}
STATE_LABELS = {"to_review": _l("Da rivedere"), "approved": _l("Approvato")}
FIELD_LABELS = {"status": _l("giudizio"), "reasons": _l("ragioni"), "strengths": _l("punti di forza"),
                "weaknesses": _l("punti di debolezza"), "recommendations": _l("raccomandazioni"),
                "state": _l("stato")}
MAX_TEXT = 20_000


def _text(label, description=None):
    return TextAreaField(label, validators=[Length(max=MAX_TEXT)], description=description)


class IndicatorJudgementForm(FlaskForm):
    """The judgement of one indicator: a status and its reasons."""

    target = HiddenField()
    edited_version = HiddenField(default="0")
    status = RadioField(_l("Giudizio"), choices=[SelectChoice(s, STATUS_LABELS[s]) for s in STATUSES],
                        validators=[InputRequired(_l("Scegli un giudizio."))])
    reasons = _text(_l("Ragioni"), _l("Obbligatorie se il giudizio è diverso da quello che suggeriscono i dati."))
    state = RadioField(_l("Stato"), choices=[SelectChoice(k, v) for k, v in STATE_LABELS.items()], default="to_review",
                       validators=[InputRequired()])


class ObjectiveJudgementForm(IndicatorJudgementForm):
    """The judgement of the objective: also strengths, weaknesses and recommendations for the next plan."""

    strengths = _text(_l("Punti di forza"))
    weaknesses = _text(_l("Punti di debolezza"))
    recommendations = _text(_l("Raccomandazioni per il prossimo piano"),
                            _l("Una per riga: finiscono nel rapporto finale, che alimenta il nuovo Piano di Zona."))


def _context():
    ambito = current_ambito()
    return ambito, current_plan(ambito)


def _args(ambito, plan) -> dict:
    return {**ambito_link_args(ambito), **plan_link_args(plan)}


@bp.get("")
@permission_required(PERMISSION)
def index():
    """The objectives of the plan, each with its judgement (or none yet) and its state."""
    from survey_app.reports.build import objectives_in_order
    from survey_app.reports.plan import objective_title

    ambito, plan = _context()
    session = get_session()
    written = plan_judgements(session, plan.id)
    rows = [{"objective": o, "title": objective_title(o), "judgement": written.get((o.id, ""))}
            for o in objectives_in_order(session, plan.id)]
    return render_template("judgements/index.html", ambito=ambito, plan=plan, plans=plan_choices(ambito),
                           rows=rows, args=_args(ambito, plan), ambito_args=ambito_link_args(ambito),
                           status_labels=STATUS_LABELS, state_labels=STATE_LABELS)


@bp.route("/obiettivo", methods=["GET", "POST"])
@permission_required(PERMISSION)
def objective():
    """The judgement of one objective and of each of its indicators, beside the data's reading."""
    from survey_app.reports import build
    from survey_app.reports.plan import objective_title

    ambito, plan = _context()
    session = get_session()
    if not request.args.get("id"):
        abort(400)
    found = session.get(Objective, (plan.id, request.args["id"]))
    if found is None:
        abort(404)
    data = build.objective_data(session, plan, found.id, build.payload_source(session))
    suggestions = {i.id: indicator_reading(i.status) for i in data.indicators}
    suggestions[""] = objective_reading(i.status for i in data.indicators)
    written = objective_judgements(session, plan.id, found.id)
    targets = [""] + [i.id for i in data.indicators]
    prefixes = {target: "obiettivo" if target == "" else f"indicatore{n}" for n, target in enumerate(targets)}
    posted = None
    if request.method == "POST":
        # each judgement is its own form; its hidden target names what it judges
        posted = next((t for t, p in prefixes.items() if f"{p}-target" in request.form), None)
        if posted is None or request.form[f"{prefixes[posted]}-target"] != posted:
            abort(400)
    forms, status = {}, 200
    for target in targets:
        form_class = ObjectiveJudgementForm if target == "" else IndicatorJudgementForm
        judgement = written.get(target)
        prefix = prefixes[target]
        bound = posted == target
        form = form_class(prefix=prefix, formdata=None if not bound else request.form, obj=None if bound else judgement)
        if not bound:
            form.target.data = target
            form.edited_version.data = str(judgement.version if judgement else 0)
        forms[target] = form
        if bound and form.validate_on_submit():
            # an indicator's form has no strengths, weaknesses or recommendations
            texts = {name: form[name].data or "" for name in ("reasons", "strengths", "weaknesses",
                                                              "recommendations") if name in form}
            given = JudgementInput(status=form.status.data, state=form.state.data,
                                   edited_version=int(form.edited_version.data or 0), **texts)
            try:
                save_judgement(session, plan, found.id, target, given, suggested=suggestions[target], user=current_user)
            except JudgementRefused as exc:
                session.rollback()
                for name, reason in exc.problems.items():
                    getattr(form, name).errors = [*getattr(form, name).errors, reason]
                status = 422
            except JudgementConflict as exc:
                # what this evaluator wrote stays in the form; saving it again replaces the other version
                session.rollback()
                current = session.get(type(exc.current), exc.current.id)
                who = current.updated_by.email if current.updated_by else "–"
                form.status.errors = [*form.status.errors, _(
                    "%(who)s ha salvato questo giudizio (versione %(v)d) mentre lo modificavi: il tuo testo non è "
                    "ancora salvato ed è qui sotto; la versione di %(who)s è nella storia. Salva di nuovo per "
                    "sostituirla con il tuo testo.", who=who, v=current.version)]
                form.edited_version.data = str(current.version)
                written[target] = current
                status = 409
            else:
                session.commit()
                flash(_("Giudizio salvato."), "success")
                return redirect(url_for("judgements.objective", id=found.id, **_args(ambito, plan)) + f"#{prefix}",
                                code=303)
        elif bound:
            status = 422
    indicators = [(i, forms[i.id], written.get(i.id), suggestions[i.id]) for i in data.indicators]
    return render_template("judgements/objective.html", ambito=ambito, plan=plan, objective=found,
                           title=objective_title(found), data=data, objective_form=forms[""],
                           judgement=written.get(""), suggestion=suggestions[""], indicators=indicators,
                           args=_args(ambito, plan), status_labels=STATUS_LABELS, state_labels=STATE_LABELS,
                           field_labels=FIELD_LABELS), status
