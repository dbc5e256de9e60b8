"""Admin page of the plans: list, check and import a plan file, download a plan or the template.

An admin of an Ambito sees and loads that Ambito's plans; an installation-wide admin sees
every plan and chooses the Ambito a file is loaded into. The page shows the problems of a
file exactly as ``flask plans import`` prints them, one per line.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import SelectField

from survey_app.accounts.permissions import permission_required
from survey_app.db import get_session
from survey_app.models import Ambito
from survey_app.plans.exporting import export_json, export_xlsx, find_plan, plan_summaries
from survey_app.plans.fileformat import (
    MAX_FILE_BYTES,
    PlanFileError,
    is_workbook,
    read_plan_file,
)
from survey_app.plans.importing import PlanImportRejected, import_plan
from survey_app.plans.workbook import write_workbook
from survey_app.questionnaires.queries import known_measures
from survey_app.staff_files import allow_larger_files, download

bp = Blueprint("plans", __name__, url_prefix="/amministrazione/piani")

#: problems shown on the page at most (the command line prints them all)
MAX_PROBLEMS_SHOWN = 200
STATUS_LABELS = {"draft": _l("bozza"), "in_force": _l("in vigore"), "closed": _l("chiuso")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(FlaskForm):
    """A plan file, and for an installation-wide admin the Ambito it belongs to."""

    ambito = SelectField(_l("Ambito"))
    file = FileField(_l("File del piano (.json o .xlsx)"),
                     validators=[FileRequired(_l("Scegli un file.")),
                                 FileAllowed(["json", "xlsx"], _l("Il file deve essere .json o .xlsx."))])


# admins send a plan file up to MAX_FILE_BYTES (the app-wide limit is smaller)
allow_larger_files(bp, endpoints={"plans.index"}, permission="plans.manage",
                   max_bytes=lambda: MAX_FILE_BYTES + 64 * 1024)


def _ambiti() -> list[Ambito]:
    """The Ambiti whose plans the current admin manages."""
    if current_user.ambito_id is not None:
        return [current_user.ambito]
    return list(get_session().scalars(select(Ambito).order_by(Ambito.name)))


def _plan_in_scope(plan_id: int):
    plan = find_plan(get_session(), str(plan_id))
    if plan is None or (current_user.ambito_id is not None and plan.ambito_id != current_user.ambito_id):
        abort(404)
    return plan


@bp.route("", methods=["GET", "POST"])
@permission_required("plans.manage")
def index():
    """The plans, and the upload: ``azione=controlla`` only checks, ``azione=importa`` stores."""
    db = get_session()
    ambiti = _ambiti()
    form = UploadForm()
    form.ambito.choices = [(a.code, a.name) for a in ambiti]
    problems, checked, status = [], None, 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            ambito = next((a for a in ambiti if a.code == form.ambito.data), None)
            if ambito is None:
                abort(404)
            dry_run = request.form.get("azione") != "importa"
            upload = form.file.data
            filename = Path(upload.filename or "piano").name[:200]
            raw = upload.read(MAX_FILE_BYTES + 1)
            try:
                parsed = read_plan_file(filename, raw, known_measures(db, Path(current_app.config["QUESTIONNAIRE_DIR"])))
                summary = import_plan(db, ambito, parsed, actor=current_user, filename=filename,
                                      file_format="xlsx" if is_workbook(filename, raw) else "json", dry_run=dry_run)
            except (PlanFileError, PlanImportRejected) as exc:
                db.rollback()
                problems, status = [str(p) for p in exc.problems], 422
            else:
                if dry_run:
                    db.rollback()
                    checked = {"file": filename, "ambito": ambito.name, "code": parsed.header.code,
                               "title": parsed.header.title, "objectives": summary.objectives,
                               "indicators": summary.indicators, "links": summary.links,
                               "created": summary.created, "changed": bool(summary.changes)}
                    status = 200
                else:
                    try:
                        db.commit()
                    except IntegrityError:
                        db.rollback()
                        flash(_("Il piano è stato modificato da un'altra persona nello stesso momento: nulla è stato "
                                "importato, riprova."), "error")
                        status = 409
                    else:
                        flash(_("Piano «%(title)s» importato: %(objectives)d obiettivi, %(indicators)d indicatori.",
                                title=summary.plan.title, objectives=summary.objectives,
                                indicators=summary.indicators), "success")
                        return redirect(url_for("plans.index"), code=303)
    plans = [p for a in ambiti for p in plan_summaries(db, a.id)]
    return render_template("plans/index.html", plans=plans, form=form, problems=problems[:MAX_PROBLEMS_SHOWN],
                           problem_count=len(problems), checked=checked, status_labels=STATUS_LABELS,
                           choose_ambito=len(ambiti) > 1, max_size_mb=MAX_FILE_BYTES // (1024 * 1024)), status


@bp.get("/<int:plan_id>.json")
@permission_required("plans.manage")
def export_plan_json(plan_id: int):
    """The plan as a JSON plan file."""
    plan = _plan_in_scope(plan_id)
    return download(export_json(get_session(), plan), "application/json", f"{plan.ambito.code}-{plan.code}.json")


@bp.get("/<int:plan_id>.xlsx")
@permission_required("plans.manage")
def export_plan_xlsx(plan_id: int):
    """The plan as a workbook, the template's sheets filled in."""
    plan = _plan_in_scope(plan_id)
    return download(export_xlsx(get_session(), plan), XLSX, f"{plan.ambito.code}-{plan.code}.xlsx")


@bp.get("/modello.xlsx")
@permission_required("plans.manage")
def template():
    """The empty plan workbook, with its instructions."""
    return download(write_workbook(), XLSX, "modello-piano.xlsx")
