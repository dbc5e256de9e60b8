"""Operator pages for rounds: dashboard, creation, status, distribution points, monitoring, offline answers."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from survey_app.accounts.permissions import (
    ambito_link_args,
    can,
    current_ambito,
    permission_required,
    round_in_scope,
    scoped_ambito_id,
)
from survey_app.db import get_session
from survey_app.localtime import day_end_utc, day_start_utc
from survey_app.models import Objective, Panel
from survey_app.panels.operations import create_panel
from survey_app.plans.context import current_plan, plan_choices, plan_link_args
from survey_app.plans.queries import links_of
from survey_app.questionnaires.operations import latest_version
from survey_app.reports.plan import plan_order
from survey_app.rounds.forms import (
    KIND_LABELS,
    STATUS_ACTIONS,
    STATUS_LABELS,
    CloseForm,
    NewRoundForm,
    OfflineImportForm,
    PanelCodesForm,
    PointForm,
    StatusForm,
)
from survey_app.rounds.monitoring import monitoring_csv, round_monitoring
from survey_app.rounds.offline import MAX_ROWS
from survey_app.rounds.operations import (
    STATUS_CHANGES,
    OfflineImportRejected,
    RoundError,
    add_point,
    import_offline_answers,
    open_round,
    set_status,
)
from survey_app.rounds.queries import public_url, response_count, round_summaries, short_url
from survey_app.set_asides.queries import overview as set_aside_overview
from survey_app.staff_files import allow_larger_files

bp = Blueprint("manage", __name__, url_prefix="/gestione")

#: the largest CSV export an operator may upload: 20,000 rows of a long questionnaire with the
#: tools' own columns (the app-wide MAX_CONTENT_LENGTH is sized for one questionnaire)
OFFLINE_IMPORT_MAX_BYTES = 16 * 1024 * 1024
#: problems shown on the page at most (the command prints them all)
MAX_PROBLEMS_SHOWN = 200


# who may type in answers sends a CSV export up to OFFLINE_IMPORT_MAX_BYTES
allow_larger_files(bp, endpoints={"manage.import_offline"}, permission="responses.enter",
                   max_bytes=lambda: OFFLINE_IMPORT_MAX_BYTES)


@bp.app_context_processor
def round_labels():
    return {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS, "status_actions": STATUS_ACTIONS}




@bp.get("/")
@permission_required("rounds.view")
def dashboard():
    """List the rounds by objective and questionnaire, with responses and response rate."""
    db = get_session()
    summaries = round_summaries(db, scoped_ambito_id())
    # each group is headed by the questionnaire's home objective, as its rounds' plans name it
    objective_titles: dict[str, str] = {}
    for summary in summaries:
        version = summary.round.questionnaire_version
        if version.objective_id not in objective_titles:
            objective = db.get(Objective, (summary.round.plan_id, version.objective_id))
            if objective is not None:
                objective_titles[version.objective_id] = objective.title
    return render_template("rounds/dashboard.html", summaries=summaries, objective_titles=objective_titles)


@bp.get("/rilevazioni/nuova")
@permission_required("rounds.manage")
def choose_questionnaire():
    """First step of a new round: pick the questionnaire, seeing its objective and indicators."""
    db = get_session()
    ambito = current_ambito()
    plan = current_plan(ambito)
    measured: dict[str, list] = {}
    for link in links_of(db, plan.id):
        measured.setdefault(link.questionnaire_id, []).append(link.indicator)
    versions = [v for v in (latest_version(db, qid) for qid in sorted(measured)) if v is not None]
    versions.sort(key=lambda v: (min(plan_order(i.objective) for i in measured[v.questionnaire_id]),
                                 v.questionnaire_id))
    return render_template("rounds/choose.html", versions=versions, measured=measured, plan=plan,
                           plans=plan_choices(ambito), ambito_args={**ambito_link_args(ambito),
                                                                    **plan_link_args(plan)})


@bp.route("/rilevazioni/nuova/<questionnaire_id>", methods=["GET", "POST"])
@permission_required("rounds.manage")
def new_round(questionnaire_id: str):
    """Second step: kind, dates, scope, expected respondents, panel."""
    db = get_session()
    version = latest_version(db, questionnaire_id)
    if version is None:
        abort(404)
    ambito = current_ambito()
    plan = current_plan(ambito)
    questionnaire = version.questionnaire
    form = NewRoundForm()
    form.comune.choices = [("", _("Tutti i Comuni"))] + [(c.code, c.name) for c in ambito.comuni]
    services = (questionnaire.context_question("service") or {"options": []})["options"]
    form.service.choices = [("", _("Tutti i servizi"))] + [(o["id"], o["label"]["it"]) for o in services]
    panels = db.scalars(select(Panel).where(Panel.ambito_id == ambito.id).order_by(Panel.id.desc())).all()
    form.panel.choices = [("", _("Nuovo gruppo di tessere"))] + [(str(p.id), p.label) for p in panels]
    if form.validate_on_submit():
        panel = None
        if form.is_panel.data:
            panel = next((p for p in panels if str(p.id) == form.panel.data), None) or create_panel(
                db, ambito, form.label.data or f"{questionnaire_id} {form.kind.data}", actor=current_user)
        try:
            round_ = open_round(
                db, questionnaire_id, form.kind.data, ambito_code=ambito.code,
                comune=form.comune.data or None, service=form.service.data or None,
                opens_at=day_start_utc(form.opens_on.data),
                closes_at=day_end_utc(form.closes_on.data),
                expected_respondents=form.expected_respondents.data, label=form.label.data,
                panel=panel, plan=plan, follow_up=form.follow_up.data, actor=current_user,
            )
        except RoundError as exc:
            db.rollback()
            form.kind.errors.append(str(exc))
        else:
            db.commit()
            flash(_("Rilevazione creata e aperta. Aggiungi i punti di distribuzione e stampa i QR."), "success")
            return redirect(url_for("manage.round_detail", round_id=round_.id), code=303)
    indicators = [link.indicator for link in links_of(db, plan.id) if link.questionnaire_id == questionnaire_id]
    return render_template("rounds/new.html", version=version, questionnaire=questionnaire, form=form,
                           plan=plan, indicators=indicators)


@bp.get("/rilevazioni/<int:round_id>")
@permission_required("rounds.view")
def round_detail(round_id: int):
    """A round: its links and points, status buttons, printouts and counts."""
    round_ = round_in_scope(round_id)
    db = get_session()
    monitoring = round_monitoring(db, round_, round_.questionnaire_version.questionnaire.service_label)
    base = current_app.config["PUBLIC_URL"]
    return render_template(
        "rounds/detail.html", round=round_, monitoring=monitoring, round_url=public_url(base, round_),
        round_short_url=short_url(base, round_),
        point_urls={p.id: public_url(base, p) for p in round_.points},
        point_short_urls={p.id: short_url(base, p) for p in round_.points},
        status_changes=STATUS_CHANGES.get(round_.status, ()) if can(current_user, "rounds.manage") else (),
        status_form=StatusForm(), point_form=PointForm(), panel_form=PanelCodesForm(),
        offline_form=OfflineImportForm(), set_asides=set_aside_overview(db, round_),
    )


@bp.get("/rilevazioni/<int:round_id>/chiudi")
@permission_required("rounds.manage")
def confirm_close(round_id: int):
    """Ask before closing: how many responses the round has, and that it can be reopened."""
    round_ = round_in_scope(round_id)
    if "closed" not in STATUS_CHANGES.get(round_.status, ()):
        return redirect(url_for("manage.round_detail", round_id=round_id), code=303)
    responses = response_count(get_session(), round_id)
    return render_template("rounds/confirm_close.html", round=round_, responses=responses, form=CloseForm())


@bp.post("/rilevazioni/<int:round_id>/stato/<status>")
@permission_required("rounds.manage")
def change_status(round_id: int, status: str):
    """Open, pause, close or reopen a round; closing only from the confirmation page."""
    round_ = round_in_scope(round_id)
    form = CloseForm() if status == "closed" else StatusForm()
    if not form.validate_on_submit():
        abort(400)
    if status == "closed" and form.confirmed.data != "1":
        return redirect(url_for("manage.confirm_close", round_id=round_id), code=303)
    db = get_session()
    try:
        set_status(db, round_, status, actor=current_user)
    except RoundError:
        db.rollback()
        abort(409)
    db.commit()
    flash(_("Stato aggiornato: %(status)s.", status=STATUS_LABELS[status]), "success")
    return redirect(url_for("manage.round_detail", round_id=round_id), code=303)


@bp.post("/rilevazioni/<int:round_id>/punti")
@permission_required("rounds.manage")
def new_point(round_id: int):
    """Add a distribution point, with its own link and QR code."""
    round_ = round_in_scope(round_id)
    form = PointForm()
    db = get_session()
    if form.validate_on_submit():
        add_point(db, round_, form.label.data, actor=current_user)
        db.commit()
        flash(_("Punto di distribuzione aggiunto."), "success")
    else:
        flash(_("Scrivi il nome del punto di distribuzione (al massimo 120 caratteri)."), "error")
    return redirect(url_for("manage.round_detail", round_id=round_id) + "#punti", code=303)


@bp.get("/rilevazioni/<int:round_id>/monitoraggio.json")
@permission_required("rounds.view")
def monitoring_json(round_id: int):
    """The round's counts as JSON, polled by the detail page to refresh itself."""
    round_ = round_in_scope(round_id)
    monitoring = round_monitoring(get_session(), round_, round_.questionnaire_version.questionnaire.service_label)
    response = jsonify(monitoring.as_json())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/rilevazioni/<int:round_id>/monitoraggio.csv")
@permission_required("rounds.view")
def monitoring_download(round_id: int):
    """The round's counts as a CSV file (operators' use: small counts are included)."""
    round_ = round_in_scope(round_id)
    monitoring = round_monitoring(get_session(), round_, round_.questionnaire_version.questionnaire.service_label)
    return Response(
        "\ufeff" + monitoring_csv(monitoring), mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=monitoraggio-rilevazione-{round_id}.csv",
                 "Cache-Control": "no-store"},
    )


@bp.route("/rilevazioni/<int:round_id>/importa-offline", methods=["GET", "POST"])
@permission_required("responses.enter")
def import_offline(round_id: int):
    """Import the answers collected offline (ODK Collect, KoboToolbox): every row or none."""
    round_ = round_in_scope(round_id)
    form = OfflineImportForm()
    problems, status = [], 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            db = get_session()
            filename = (form.file.data.filename or "risposte.csv").replace("\\", "/").rsplit("/", 1)[-1][:200]
            dry_run = bool(form.check_only.data)
            try:
                summary = import_offline_answers(db, round_, filename, form.file.data.read(), actor=current_user,
                                                 dry_run=dry_run)
                if dry_run:
                    db.rollback()
                else:
                    db.commit()
            except OfflineImportRejected as exc:
                db.rollback()
                problems, status = [str(p) for p in exc.problems], 422
            except DBAPIError:  # IntegrityError included: another import of the same file meanwhile
                db.rollback()
                flash(_("Non è stato possibile salvare le risposte (forse un'altra persona sta importando lo stesso "
                        "file): nessuna risposta è stata salvata, riprova."), "error")
                status = 409
            else:
                if dry_run:
                    flash(_("Il file è corretto: %(stored)d risposte nuove da salvare, %(already)d già salvate. "
                            "Non è stato salvato nulla (solo controllo).", stored=summary.stored,
                            already=summary.already_stored), "success")
                else:
                    flash(_("Risposte importate: %(stored)d salvate, %(already)d erano già salvate.",
                            stored=summary.stored, already=summary.already_stored), "success")
                return redirect(url_for("manage.import_offline", round_id=round_id), code=303)
    return render_template("rounds/import_offline.html", round=round_, form=form, offline_form=form,
                           problems=problems[:MAX_PROBLEMS_SHOWN], problem_count=len(problems),
                           max_size_mb=OFFLINE_IMPORT_MAX_BYTES // (1024 * 1024), max_rows=MAX_ROWS), status
