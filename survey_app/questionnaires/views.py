"""Staff pages of the questionnaires: upload, preview, compare, publish or discard; downloads; translations.

An upload (XLSForm or JSON) is checked exactly as ``flask questionnaires import`` checks it
and every problem is shown as one line; a file without problems becomes a draft. The draft's
page shows it as a respondent will see it (in a phone-wide frame, in each of its languages)
and, beside the version it replaces, which statements changed, were added or removed.
"Pubblica" stores it as a new version; "Scarta" deletes it. Who may: see
:mod:`survey_app.questionnaires.drafts`.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Regexp

from survey_app.accounts.permissions import ambito_scope, permission_required
from survey_app.db import get_session
from survey_app.models import Comune, QuestionnaireDraft
from survey_app.questionnaires import drafts as draft_operations
from survey_app.questionnaires.definition import DEFAULT_LANGUAGE, Problem, QuestionnaireError
from survey_app.questionnaires.queries import (
    questionnaire_overview,
    questionnaire_versions,
    visible_questionnaire_ids,
)
from survey_app.staff_files import allow_larger_files, download

bp = Blueprint("questionnaires", __name__, url_prefix="/gestione/questionari")

PERMISSION = "questionnaires.publish"
#: a questionnaire workbook is tens of KB; 2 MB leaves room for one with many languages
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_PROBLEMS_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_LABELS = {"added": _l("aggiunta"), "removed": _l("tolta"), "changed": _l("modificata"),
                 "unchanged": _l("uguale")}
DETAIL_LABELS = {"scale": _l("scala di risposta"), "reverse": _l("senso invertito"),
                 "required": _l("obbligatoria o facoltativa")}
PART_LABELS = {"title": _l("titolo"), "organisation": _l("ente"), "introduction": _l("introduzione"),
               "privacy_notice": _l("informativa"), "estimated_minutes": _l("minuti per rispondere"),
               "scales": _l("scale di risposta"), "context": _l("domande finali (comune, servizio, ruolo)"),
               "comment": _l("commento libero"), "measures": _l("indicatori misurati e obiettivi"),
               "indicators": _l("indicatori"), "objective": _l("obiettivo"),
               "respondents": _l("a chi è rivolto"), "dimensions": _l("gruppi di domande")}


class UploadForm(FlaskForm):
    """A questionnaire file and the plan whose indicators it measures."""

    plan = SelectField(_l("Piano di cui misura gli indicatori"), coerce=int)
    file = FileField(_l("File del questionario (XLSForm .xlsx o .json)"),
                     validators=[FileRequired(_l("Scegli un file.")),
                                 FileAllowed(["xlsx", "json"], _l("Il file deve essere .xlsx o .json."))])


class TranslationSheetForm(FlaskForm):
    """The language of a translation sheet to download."""

    class Meta:
        csrf = False  # a download (GET): nothing changes

    lingua = StringField(_l("Codice della lingua"), validators=[
        DataRequired(_l("Scrivi il codice della lingua.")),
        Regexp(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
               message=_l("Scrivi il codice di due o tre lettere minuscole, per esempio fr, uk, ar."))],
        description=_l("Per esempio fr (francese), uk (ucraino), ar (arabo), es (spagnolo)."))


class TranslationUploadForm(FlaskForm):
    """A filled translation sheet."""

    file = FileField(_l("Foglio di traduzione compilato (.xlsx)"),
                     validators=[FileRequired(_l("Scegli un file.")),
                                 FileAllowed(["xlsx"], _l("Il file deve essere .xlsx."))])


# whoever may publish sends a questionnaire file up to MAX_FILE_BYTES (the app-wide limit is smaller)
allow_larger_files(bp, endpoints={"questionnaires.index", "questionnaires.detail"}, permission=PERMISSION,
                   max_bytes=lambda: MAX_FILE_BYTES + 64 * 1024)


def _scope():
    return ambito_scope(current_user)


def _visible_or_404(questionnaire_id: str) -> None:
    if questionnaire_id not in visible_questionnaire_ids(get_session(), _scope()):
        abort(404)


def _draft_or_404(draft_id: int, *, gone_to_index: bool = False) -> QuestionnaireDraft:
    """The draft, if the user's scope covers its plan.

    :param gone_to_index: a publish or discard of a draft that is no longer there (published or
        discarded from another tab, a double click) leads back to the list, with a notice.
    """
    draft = get_session().get(QuestionnaireDraft, draft_id)
    if draft is None and gone_to_index:
        flash(_("Questa bozza non c'è più: è già stata pubblicata o scartata."), "error")
        abort(redirect(url_for("questionnaires.index"), code=303))
    if draft is None or (draft.plan is not None and not _scope().allows(draft.plan.ambito_id)):
        abort(404)
    return draft


def _upload_name(upload) -> str:
    return Path(upload.filename or "questionario").name[:200]


def _read_upload(upload, filename: str) -> bytes:
    """The uploaded file's bytes.

    :raise QuestionnaireError: when it is larger than :data:`MAX_FILE_BYTES`.
    """
    raw = upload.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise QuestionnaireError([Problem(filename, "", _("il file è più grande di %(mb)d MB",
                                                           mb=MAX_FILE_BYTES // (1024 * 1024)))])
    return raw


@bp.route("", methods=["GET", "POST"])
@permission_required(PERMISSION)
def index():
    """The questionnaires and their drafts, and the upload of a new questionnaire or version."""
    db = get_session()
    scope = _scope()
    plans = draft_operations.publishable_plans(db, scope)
    form = UploadForm()
    form.plan.choices = [(p.id, f"{p.title} – {p.ambito.name}") for p in plans]
    problems, status = [], 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            plan = next((p for p in plans if p.id == form.plan.data), None)
            if plan is None:
                abort(404)
            filename = _upload_name(form.file.data)
            try:
                raw = _read_upload(form.file.data, filename)
                with force_locale("it"):  # problems in the language the file is written in
                    definition, file_format, plan = draft_operations.read_upload(db, filename, raw, chosen=plan,
                                                                                 scope=scope)
                draft = draft_operations.create_draft(db, definition, plan=plan, scope=scope, user=current_user,
                                                      filename=filename, file_format=file_format)
            except QuestionnaireError as exc:
                db.rollback()
                problems, status = [str(p) for p in exc.problems], 422
            except draft_operations.NotAllowed as exc:
                db.rollback()
                problems, status = [str(exc)], 403
            else:
                db.commit()
                return redirect(url_for("questionnaires.draft", draft_id=draft.id), code=303)
    return render_template("questionnaires/index.html", rows=questionnaire_overview(db, scope), form=form,
                           problems=problems[:MAX_PROBLEMS_SHOWN], problem_count=len(problems),
                           max_size_mb=MAX_FILE_BYTES // (1024 * 1024)), status


@bp.get("/bozze/<int:draft_id>")
@permission_required(PERMISSION)
def draft(draft_id: int):
    """A draft: as a respondent will see it, and what changes from the version it replaces."""
    from survey_app.questionnaires.comparison import compare

    db = get_session()
    found = _draft_or_404(draft_id)
    questionnaire = found.questionnaire
    # ``lingua``, not ``lang``: ``lang`` switches the staff page's own interface language
    language = request.args.get("lingua", DEFAULT_LANGUAGE)
    if language not in questionnaire.languages:
        language = DEFAULT_LANGUAGE
    previous = draft_operations.replaced_version(db, found)
    comparison = compare(previous.definition, found.definition) if previous is not None else None
    return render_template("questionnaires/draft.html", draft=found, questionnaire=questionnaire,
                           language=language, previous=previous, comparison=comparison,
                           status_labels=STATUS_LABELS, detail_labels=DETAIL_LABELS, part_labels=PART_LABELS)


@bp.get("/bozze/<int:draft_id>/anteprima")
@permission_required(PERMISSION)
def preview(draft_id: int):
    """The draft's form exactly as the respondents' page renders it, to be shown in a phone-wide frame."""
    from survey_app.forms.questionnaire import build_questionnaire_form

    found = _draft_or_404(draft_id)
    questionnaire = found.questionnaire
    language = request.args.get("lingua", DEFAULT_LANGUAGE)
    if language not in questionnaire.languages:
        abort(404)
    g.content_language = language
    comuni = [(c.id, c.name) for c in get_session().scalars(
        select(Comune).where(Comune.ambito_id == found.plan.ambito_id).order_by(Comune.name))]
    # the interface in the questionnaire's language when the app has it, as respondents get it
    interface = language if language in current_app.config["LANGUAGES"] else DEFAULT_LANGUAGE
    with force_locale(interface):
        form = build_questionnaire_form(questionnaire, language, comuni, csrf=False, cached=False, formdata=None)
        response = Response(render_template("questionnaires/preview.html", questionnaire=questionnaire, form=form,
                                            language=language))
    # shown inside the draft's page, and only there
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "form-action 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.post("/bozze/<int:draft_id>/pubblica")
@permission_required(PERMISSION)
def publish(draft_id: int):
    """Publish the draft as a new version."""
    db = get_session()
    found = _draft_or_404(draft_id, gone_to_index=True)
    label = f"{found.questionnaire_id} v{found.version}"
    try:
        with force_locale("it"):
            draft_operations.publish_draft(db, found, scope=_scope(), user=current_user)
        db.commit()
    except QuestionnaireError as exc:
        db.rollback()
        flash(_("Non pubblicato: %(problems)s", problems=" · ".join(str(p) for p in exc.problems[:20])), "error")
        return redirect(url_for("questionnaires.draft", draft_id=draft_id), code=303)
    except draft_operations.NotAllowed as exc:
        db.rollback()
        abort(403, str(exc))
    except IntegrityError:
        db.rollback()
        flash(_("Un'altra persona ha pubblicato questa versione nello stesso momento: nulla è cambiato."), "error")
        return redirect(url_for("questionnaires.index"), code=303)
    flash(_("Pubblicato: %(label)s. Le nuove rilevazioni useranno questa versione; quelle già aperte "
            "tengono la loro.", label=label), "success")
    return redirect(url_for("questionnaires.detail", questionnaire_id=label.rsplit(" v", 1)[0]), code=303)


@bp.post("/bozze/<int:draft_id>/scarta")
@permission_required(PERMISSION)
def discard(draft_id: int):
    """Delete the draft."""
    db = get_session()
    found = _draft_or_404(draft_id, gone_to_index=True)
    label = f"{found.questionnaire_id} v{found.version}"
    try:
        draft_operations.discard_draft(db, found, scope=_scope(), user=current_user)
    except draft_operations.NotAllowed as exc:
        db.rollback()
        abort(403, str(exc))
    db.commit()
    flash(_("Bozza scartata: %(label)s.", label=label), "success")
    return redirect(url_for("questionnaires.index"), code=303)


@bp.route("/<questionnaire_id>", methods=["GET", "POST"])
@permission_required(PERMISSION)
def detail(questionnaire_id: str):
    """A questionnaire's versions and downloads; a translation sheet out, a filled one in."""
    from survey_app.questionnaires.translation_sheet import read_translation_sheet, translated

    db = get_session()
    _visible_or_404(questionnaire_id)
    versions = questionnaire_versions(db, questionnaire_id)
    if not versions:
        abort(404)
    latest = versions[0]
    sheet_form = TranslationSheetForm(request.args if "lingua" in request.args else None)
    upload = TranslationUploadForm()
    problems, status = [], 200
    if request.method == "POST":
        status = 400
        if upload.validate_on_submit():
            filename = _upload_name(upload.file.data)
            plan = draft_operations.home_plan(db, latest.definition, _scope())
            try:
                raw = _read_upload(upload.file.data, filename)
                if plan is None:
                    raise draft_operations.NotAllowed(_("Il questionario non misura indicatori di un piano del tuo "
                                                        "Ambito."))
                with force_locale("it"):
                    language, texts = read_translation_sheet(filename, raw, latest.definition)
                definition = translated(latest.definition, language, texts)
                created = draft_operations.create_draft(db, definition, plan=plan, scope=_scope(), user=current_user,
                                                        filename=filename, file_format="translation")
            except QuestionnaireError as exc:
                db.rollback()
                problems, status = [str(p) for p in exc.problems], 422
            except draft_operations.NotAllowed as exc:
                db.rollback()
                problems, status = [str(exc)], 403
            else:
                db.commit()
                return redirect(url_for("questionnaires.draft", draft_id=created.id, lingua=language), code=303)
    drafts = db.scalars(select(QuestionnaireDraft).where(QuestionnaireDraft.questionnaire_id == questionnaire_id)
                        .order_by(QuestionnaireDraft.version)).all()
    return render_template("questionnaires/detail.html", questionnaire_id=questionnaire_id, versions=versions,
                           latest=latest.questionnaire, drafts=drafts, sheet_form=sheet_form, upload=upload,
                           problems=problems[:MAX_PROBLEMS_SHOWN], problem_count=len(problems)), status


@bp.get("/<questionnaire_id>/traduzione.xlsx")
@permission_required(PERMISSION)
def translation_sheet(questionnaire_id: str):
    """The texts of the latest version beside an empty column for ``?lingua=``."""
    from survey_app.questionnaires.translation_sheet import write_translation_sheet

    _visible_or_404(questionnaire_id)
    versions = questionnaire_versions(get_session(), questionnaire_id)
    form = TranslationSheetForm(request.args)
    if not versions or not form.validate() or form.lingua.data == DEFAULT_LANGUAGE:
        flash(_("Scrivi il codice di una lingua diversa dall'italiano, per esempio fr, uk, ar."), "error")
        return redirect(url_for("questionnaires.detail", questionnaire_id=questionnaire_id), code=303)
    body = write_translation_sheet(versions[0].definition, form.lingua.data)
    return download(body, XLSX, f"{questionnaire_id}-traduzione-{form.lingua.data}.xlsx")


@bp.get("/<questionnaire_id>/v<int:version>.<any(xlsx, json):extension>")
@permission_required(PERMISSION)
def export(questionnaire_id: str, version: int, extension: str):
    """A stored version as XLSForm (with the comuni of the user's Ambito) or JSON."""
    import json

    from survey_app.questionnaires.operations import stored_version

    _visible_or_404(questionnaire_id)
    db = get_session()
    stored = stored_version(db, questionnaire_id, version)
    if stored is None:
        abort(404)
    name = f"{questionnaire_id}-v{version}.{extension}"
    if extension == "json":
        body = json.dumps(stored.definition, ensure_ascii=False, indent=2) + "\n"
        return download(body.encode("utf-8"), "application/json", name)
    from survey_app.questionnaires.xlsform import XLSFormExportError, write_xlsform

    comuni = []
    if current_user.ambito_id is not None:
        comuni = [(c.code, c.name) for c in db.scalars(
            select(Comune).where(Comune.ambito_id == current_user.ambito_id).order_by(Comune.name))]
    try:
        with force_locale("it"):
            body = write_xlsform(stored.definition, comuni)
    except XLSFormExportError as exc:
        flash(str(exc), "error")
        return redirect(url_for("questionnaires.detail", questionnaire_id=questionnaire_id), code=303)
    return download(body, XLSX, name)

