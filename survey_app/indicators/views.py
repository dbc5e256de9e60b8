"""Pages of the semestral indicator monitoring: overview, objective, record form, import, template.

Every page works on one Ambito: the user's, or for an installation-wide user the one chosen
with ``?ambito=CODE`` (the first by default). Objectives are chosen with ``?id=`` rather than
in the path.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from survey_app.accounts.permissions import ambito_link_args as _ambito_args
from survey_app.accounts.permissions import current_ambito as _ambito
from survey_app.accounts.permissions import permission_required, sees_every_ambito
from survey_app.db import get_session
from survey_app.indicators import display
from survey_app.indicators.forms import SUGGESTED_SOURCES, ImportForm, RecordForm
from survey_app.indicators.importing import (
    FILE_KIND_CODES,
    MAX_ROWS,
    InvalidValue,
    ValueRow,
    parse_file,
    parse_optional_text,
    parse_semester,
    previous_semester,
    semester_label,
    semester_of,
    semesters_until,
    suggest_kind,
)
from survey_app.indicators.operations import (
    ImportRejected,
    IndicatorValueError,
    ValueChangedSince,
    ValueExists,
    delete_value,
    import_rows,
    record_value,
    revision_token,
    value_id_of,
)
from survey_app.indicators.queries import (
    find_value,
    import_catalog,
    indicator_series,
    kinds_in_use,
    objectives_overview,
    point_of,
    recordable_indicators,
    template_rows,
    value_history,
)
from survey_app.indicators.template_file import instructions, template_csv, template_xlsx
from survey_app.localtime import to_local
from survey_app.models import Ambito, Comune, Indicator, IndicatorValue, Objective, Plan, utcnow
from survey_app.models.indicators import MAX_NOTE_LENGTH, MAX_SOURCE_LENGTH
from survey_app.plans.context import (
    current_plan,
    plan_choices,
    plan_link_args,
    plan_of_objective_link,
    with_plan,
)
from survey_app.plans.queries import designated_rounds
from survey_app.staff_files import allow_larger_files, download

bp = Blueprint("indicators", __name__, url_prefix="/indicatori")

#: errors shown on the import page at most (all of them go to the command line)
MAX_ERRORS_SHOWN = 200
#: the largest file an operator may import (the app's MAX_CONTENT_LENGTH is sized for questionnaires)
IMPORT_MAX_BYTES = 4 * 1024 * 1024


# who may import sends a file up to IMPORT_MAX_BYTES (the app-wide limit is smaller)
allow_larger_files(bp, endpoints={"indicators.import_file"}, permission="indicators.record",
                   max_bytes=lambda: IMPORT_MAX_BYTES)


@bp.context_processor
def helpers():
    return display.template_helpers()


def _today():
    """Today in the district (the current semester changes at local midnight)."""
    return to_local(utcnow()).date()






def _context() -> tuple[Ambito, Plan]:
    """The Ambito and plan the page works on."""
    ambito = _ambito()
    return ambito, current_plan(ambito)


def _args(ambito: Ambito, plan: Plan) -> dict:
    """Query arguments keeping the choice of Ambito and plan in links."""
    return {**_ambito_args(ambito), **plan_link_args(plan)}


def _ambiti_to_choose() -> list[Ambito]:
    if not sees_every_ambito(current_user):
        return []
    ambiti = get_session().scalars(select(Ambito).order_by(Ambito.name)).all()
    return ambiti if len(ambiti) > 1 else []


@bp.get("/")
@permission_required("indicators.view")
def index():
    """The objectives with how many of their indicators have semestral values."""
    ambito, plan = _context()
    return render_template("indicators/index.html", ambito=ambito, ambiti=_ambiti_to_choose(),
                           plan=plan, plans=plan_choices(ambito),
                           ambito_args=_args(ambito, plan),
                           objectives=objectives_overview(get_session(), plan.id))


@bp.get("/obiettivo")
@permission_required("indicators.view")
def objective():
    """An objective's indicators with their values by semester, latest value and trend."""
    objective_id = request.args.get("id", "")
    ambito, plan = _context()
    if not objective_id:
        return redirect(url_for("indicators.index", **_args(ambito, plan)), code=303)
    db = get_session()
    if meant := plan_of_objective_link(ambito, objective_id):
        return redirect(with_plan(meant), code=302)  # a link made before plans existed
    objective = db.get(Objective, (plan.id, objective_id))
    if objective is None:
        abort(404)
    series = indicator_series(db, plan.id, objective.id)
    questionnaire = db.scalars(select(Indicator).where(Indicator.plan_id == plan.id, Indicator.objective_id == objective.id,
                                                       Indicator.via_questionnaire.is_(True))
                               .order_by(Indicator.position)).all()
    return render_template("indicators/objective.html", objective=objective, ambito=ambito, series=series,
                           questionnaire_indicators=questionnaire, ambito_args=_args(ambito, plan),
                           plan=plan, rounds_by_indicator=designated_rounds(db, plan) if questionnaire else {})


def _record_form(ambito: Ambito, plan: Plan) -> RecordForm:
    db = get_session()
    form = RecordForm()
    groups: dict[str, list] = {}
    for indicator in recordable_indicators(db, plan.id):
        title = indicator.objective.title
        label = f"{indicator.id} – {_shorten(indicator.text)}"
        groups.setdefault(display.sentence(title), []).append((indicator.id, label))
    form.indicator.choices = groups
    today = _today()
    semesters = list(reversed(semesters_until(semester_of(today))))
    form.semester.choices = [(s, f"{s} ({semester_label(s)})") for s in semesters]
    form.comune.choices = [("", _("Tutto l'Ambito"))] + [(c.code, c.name) for c in ambito.comuni]
    return form


def _shorten(text: str, length: int = 90) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


@bp.route("/registra", methods=["GET", "POST"])
@permission_required("indicators.record")
def record():
    """Record or correct the value of an indicator in a semester.

    ``?indicatore=&semestre=&comune=`` preselect the fields; when a value is stored for them
    the form shows it, to correct it. Saving over a value the user has not seen asks first.
    """
    db = get_session()
    ambito, plan = _context()
    form = _record_form(ambito, plan)
    existing = None
    status = 400 if request.method == "POST" else 200
    if request.method == "GET":
        existing = _prefill(form, ambito, plan)
    elif form.validate_on_submit():
        try:
            row = ValueRow(indicator_id=form.indicator.data, semester=parse_semester(form.semester.data,
                                                                                    today=_today()),
                           comune=form.comune.data or None, kind=form.kind.data, value=form.parsed_value,
                           source=parse_optional_text(form.source.data, MAX_SOURCE_LENGTH, _("la fonte")),
                           note=parse_optional_text(form.note.data, MAX_NOTE_LENGTH, _("la nota")))
            replaces = form.replaces.data if value_id_of(form.replaces.data) is not None else None
            outcome = record_value(db, plan, row, actor=current_user, replaces=replaces)
            db.commit()
        except ValueExists as exc:
            db.rollback()
            status = 409
            existing = exc.existing
            form.replaces.data = revision_token(existing)
            flash(_("C'è già un valore per questo indicatore, semestre e Comune: %(value)s. Controlla e premi di "
                    "nuovo «Salva» per correggerlo.", value=display.format_value(point_of(existing))), "error")
        except IndicatorValueError as exc:
            db.rollback()
            getattr(form, exc.field or "value").errors.append(str(exc))
        except InvalidValue as exc:
            form.value.errors.append(str(exc))
        except IntegrityError:
            db.rollback()
            status = 409
            flash(_("Un'altra persona ha appena salvato un valore per lo stesso indicatore e semestre: "
                    "controlla e riprova."), "error")
        else:
            messages = {"created": _("Valore registrato."), "corrected": _("Valore corretto."),
                        "unchanged": _("Il valore era già registrato così: nulla è cambiato.")}
            flash(messages[outcome.status], "success")
            objective_id = db.get(Indicator, (plan.id, outcome.value.indicator_id)).objective_id
            return redirect(url_for("indicators.objective", id=objective_id, **_args(ambito, plan))
                            + f"#{outcome.value.indicator_id}", code=303)
    else:
        existing = _existing_for(form, ambito, plan)
    history = value_history(db, existing.id) if existing is not None else []
    return render_template("indicators/record.html", form=form, ambito=ambito, existing=existing,
                           existing_point=point_of(existing) if existing else None, history=history,
                           existing_token=revision_token(existing) if existing else None,
                           sources=SUGGESTED_SOURCES, ambito_args=_args(ambito, plan)), status


@bp.post("/elimina")
@permission_required("indicators.record")
def delete():
    """Delete a value entered by mistake, after the user ticked the confirmation on its form.

    The form names the value with its revision token, so a value corrected in the meantime is
    not deleted unseen. Whatever happens, the user goes back to a page that says it.
    """
    db = get_session()
    ambito, plan = _context()
    value_id = value_id_of(request.form.get("valore", ""))
    if value_id is None:
        abort(400)  # not a form this app rendered
    value = db.get(IndicatorValue, value_id)
    if value is None or value.plan_id != plan.id:
        abort(404)
    comune = db.get(Comune, value.comune_id) if value.comune_id else None
    back = url_for("indicators.record", indicatore=value.indicator_id, semestre=value.semester,
                   comune=comune.code if comune else "", **_args(ambito, plan))
    if request.form.get("conferma") != "1":
        flash(_("Il valore non è stato eliminato: per eliminarlo spunta la conferma."), "error")
        return redirect(back, code=303)
    try:
        delete_value(db, value, request.form["valore"], actor=current_user)
        db.commit()
    except ValueChangedSince:
        db.rollback()
        flash(_("Il valore non è stato eliminato: è stato corretto nel frattempo. Controlla quello nuovo."),
              "error")
        return redirect(back, code=303)
    flash(_("Valore eliminato: %(indicator)s, %(semester)s, %(scope)s. Resta nel registro attività.",
            indicator=value.indicator_id, semester=value.semester,
            scope=comune.name if comune else _("Tutto l'Ambito")), "success")
    objective_id = db.get(Indicator, (plan.id, value.indicator_id)).objective_id
    return redirect(url_for("indicators.objective", id=objective_id, **_args(ambito, plan))
                    + f"#{value.indicator_id}", code=303)


def _prefill(form: RecordForm, ambito: Ambito, plan: Plan):
    """Fill the form from ``?indicatore=&semestre=&comune=``, with the stored value if there is one."""
    db = get_session()
    indicator = db.get(Indicator, (plan.id, request.args.get("indicatore", "")))
    if indicator is not None and not indicator.via_questionnaire:
        form.indicator.data = indicator.id
        form.kind.data = kinds_in_use(db, plan.id).get(indicator.id) or suggest_kind(indicator.text) or "number"
    semester = request.args.get("semestre", "")
    valid_semesters = [choice[0] for choice in form.semester.choices]
    form.semester.data = semester if semester in valid_semesters else previous_semester(semester_of(_today()))
    comune = request.args.get("comune", "")
    form.comune.data = comune if comune in {c.code for c in ambito.comuni} else ""
    existing = _existing_for(form, ambito, plan)
    if existing is not None:
        form.kind.data = existing.value_kind
        form.value.data = display.editable_value(point_of(existing))
        form.source.data, form.note.data = existing.source or "", existing.note or ""
        form.replaces.data = revision_token(existing)
    return existing


def _existing_for(form: RecordForm, ambito: Ambito, plan: Plan):
    db = get_session()
    if not form.indicator.data or not form.semester.data:
        return None
    comune_id = None
    if form.comune.data:
        comune = db.scalar(select(Comune).where(Comune.ambito_id == ambito.id, Comune.code == form.comune.data))
        if comune is None:
            return None
        comune_id = comune.id
    return find_value(db, plan.id, form.indicator.data, form.semester.data, comune_id)


@bp.route("/importa", methods=["GET", "POST"])
@permission_required("indicators.record")
def import_file():
    """Import values from a CSV or XLSX file: every row is checked, then all are stored or none."""
    db = get_session()
    ambito, plan = _context()
    form = ImportForm()
    errors, status = [], 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            upload = form.file.data
            filename = (upload.filename or "").rsplit("/", 1)[-1][:200]
            parsed = parse_file(filename, upload.read(), import_catalog(db, plan, _today()))
            errors = parsed.errors
            if parsed.ok:
                try:
                    summary = import_rows(db, plan, parsed.rows, actor=current_user, filename=filename,
                                          file_format=parsed.format)
                    db.commit()
                except ImportRejected as exc:
                    db.rollback()
                    errors = exc.errors
                except IntegrityError:
                    db.rollback()
                    flash(_("Un'altra persona ha salvato valori dello stesso file nello stesso momento: nessun "
                            "valore è stato importato, riprova."), "error")
                    status = 409
                else:
                    flash(_("File importato: %(created)d valori nuovi, %(corrected)d corretti, %(unchanged)d già "
                            "presenti e uguali.", created=summary.created, corrected=summary.corrected,
                            unchanged=summary.unchanged), "success")
                    return redirect(url_for("indicators.import_file", **_args(ambito, plan)), code=303)
            if errors:
                status = 422
    return render_template("indicators/import.html", form=form, ambito=ambito, errors=errors[:MAX_ERRORS_SHOWN],
                           error_count=len(errors), kind_codes=list(FILE_KIND_CODES),
                           max_size_mb=IMPORT_MAX_BYTES // (1024 * 1024), max_rows=MAX_ROWS,
                           ambito_args=_args(ambito, plan)), status


def _template_notes(ambito: Ambito) -> list[str]:
    return instructions([c.name for c in ambito.comuni], semester_of(_today()))


@bp.get("/modello.csv")
@permission_required("indicators.record")
def template_download_csv():
    """The import template as CSV (``;``, UTF-8 with BOM, for Italian Excel)."""
    ambito, plan = _context()
    body = template_csv(template_rows(get_session(), plan.id))
    return download(body, "text/csv", f"modello-indicatori-{ambito.code}.csv")


@bp.get("/modello.xlsx")
@permission_required("indicators.record")
def template_download_xlsx():
    """The import template as an Excel workbook, with a sheet of instructions."""
    ambito, plan = _context()
    body = template_xlsx(template_rows(get_session(), plan.id), _template_notes(ambito))
    return download(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"modello-indicatori-{ambito.code}.xlsx")


