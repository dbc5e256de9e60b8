"""The qualitative evaluation pages: a plan's objectives, an objective's sessions and codebook
(each theme edited or deleted there), a session's text with its coding form and the form that
edits its details, the free comments to code, the themes with the passages behind them, the
session's text and the plan's REFI-QDA project as files.

Thin views: reads in :mod:`survey_app.qualitative.queries`, checked and audited writes in
:mod:`survey_app.qualitative.operations`. Every page and file of another Ambito's plan answers
404, as if it did not exist.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from survey_app.accounts.permissions import (
    ambito_link_args,
    ambito_scope,
    current_ambito,
    permission_required,
)
from survey_app.db import get_session
from survey_app.models import Objective, Plan
from survey_app.models.qualitative import Passage, QualitativeSession, Theme
from survey_app.plans.context import current_plan, plan_choices, plan_link_args
from survey_app.qualitative import extraction, operations, queries
from survey_app.qualitative.forms import (
    CommentCodingForm,
    DeleteSessionForm,
    DeleteThemeForm,
    PassageForm,
    PublishForm,
    SessionDetailsForm,
    SessionForm,
    ThemeForm,
    UncodeForm,
)
from survey_app.rounds.forms import KIND_LABELS
from survey_app.staff_files import allow_larger_files

bp = Blueprint("qualitative", __name__, url_prefix="/qualitativa")

#: room for the form's other fields around the transcript
FORM_OVERHEAD_BYTES = 64 * 1024


# coders send a transcript up to extraction.MAX_UPLOAD_BYTES (the app-wide limit is smaller)
allow_larger_files(bp, endpoints={"qualitative.new_session"}, permission="qualitative.code",
                   max_bytes=lambda: extraction.MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES)


@bp.context_processor
def helpers():
    return {"kind_labels": queries.SESSION_KIND_LABELS, "source_labels": queries.SOURCE_KIND_LABELS,
            "role_labels_q": queries.PARTICIPANT_ROLE_LABELS, "consent_labels": queries.CONSENT_METHOD_LABELS,
            "timing_labels": KIND_LABELS}


# --- what the current user may see --------------------------------------------------------------


def _plan(plan_id: int) -> Plan:
    plan = get_session().get(Plan, plan_id)
    if plan is None or not ambito_scope(current_user).allows(plan.ambito_id):
        abort(404)
    return plan


def _objective(plan_id: int, objective_id: str) -> tuple[Plan, Objective]:
    plan = _plan(plan_id)
    objective = get_session().get(Objective, (plan.id, objective_id))
    if objective is None:
        abort(404)
    return plan, objective


def _session(session_id: int) -> QualitativeSession:
    row = get_session().get(QualitativeSession, session_id)
    if row is None or not ambito_scope(current_user).allows(row.ambito_id):
        abort(404)
    return row


def _passage(passage_id: int) -> tuple[Passage, Plan]:
    passage = get_session().get(Passage, passage_id)
    if passage is None:
        abort(404)
    return passage, _plan(passage.plan_id)


def _theme(theme_id: int) -> tuple[Theme, Plan, Objective]:
    theme = get_session().get(Theme, theme_id)
    if theme is None:
        abort(404)
    plan, objective = _objective(theme.plan_id, theme.objective_id)
    return theme, plan, objective


def _args(plan: Plan) -> dict:
    return {**ambito_link_args(plan.ambito), **plan_link_args(plan)}


# --- pages ----------------------------------------------------------------------------------------


@bp.get("/")
@permission_required("qualitative.view")
def index():
    """The plan's objectives with their sessions, themes and coded passages."""
    ambito = current_ambito()
    plan = current_plan(ambito)
    return render_template("qualitative/index.html", ambito=ambito, plan=plan, plans=plan_choices(ambito),
                           ambito_args=_args(plan), objectives=queries.plan_overview(get_session(), plan))


def _parent_choices(entries, theme_id: int | None = None) -> list[tuple[str, str]]:
    """The codebook as choices of a parent theme; for *theme_id*, without it and its sub-themes
    (the operation refuses them, so they are not offered)."""
    choices, skip_below = [("", _("— nessuno —"))], None
    for entry in entries:
        if skip_below is not None and entry.depth > skip_below:
            continue  # a sub-theme of the theme edited (entries are depth first)
        skip_below = entry.depth if entry.theme.id == theme_id else None
        if skip_below is None:
            choices.append((str(entry.theme.id), "\u2003" * entry.depth + entry.theme.name))
    return choices


def _theme_form(plan: Plan, objective: Objective, *, submitted: bool = True) -> ThemeForm:
    """The form to add a theme; *submitted* false: empty, whatever the request posted (another
    form's page shown again)."""
    form = ThemeForm() if submitted else ThemeForm(formdata=None)
    form.parent.choices = _parent_choices(queries.codebook(get_session(), plan.id, objective.id))
    return form


def _objective_page(plan, objective, theme_form, status=200, edited: tuple[int, ThemeForm] | None = None):
    """The objective's page; *edited*: a theme's id and its edit form sent back with errors."""
    session = get_session()
    codebook = queries.codebook(session, plan.id, objective.id)
    return render_template(
        "qualitative/objective.html", plan=plan, objective=objective, ambito_args=_args(plan),
        sessions=queries.objective_sessions(session, plan.id, objective.id),
        codebook=codebook, theme_form=theme_form,
        parent_choices={e.theme.id: _parent_choices(codebook, e.theme.id) for e in codebook},
        uses={e.theme.id: operations.theme_uses(session, e.theme) for e in codebook},
        edited_id=edited[0] if edited else None, edited_form=edited[1] if edited else None,
        comments=len(queries.codable_comments(session, plan.id, objective.id)),
    ), status


@bp.get("/piani/<int:plan_id>/obiettivi/<objective_id>")
@permission_required("qualitative.view")
def objective(plan_id: int, objective_id: str):
    """An objective's sessions and codebook, with the form to add a theme."""
    plan, objective_ = _objective(plan_id, objective_id)
    return _objective_page(plan, objective_, _theme_form(plan, objective_))


@bp.post("/piani/<int:plan_id>/obiettivi/<objective_id>/temi")
@permission_required("qualitative.code")
def add_theme(plan_id: int, objective_id: str):
    """Add a theme to the objective's codebook."""
    plan, objective_ = _objective(plan_id, objective_id)
    form = _theme_form(plan, objective_)
    if not form.validate_on_submit():
        return _objective_page(plan, objective_, form, 400)
    session = get_session()
    try:
        operations.add_theme(session, plan, objective_.id, name=form.name.data, description=form.description.data,
                             parent_id=int(form.parent.data) if form.parent.data else None, actor=current_user)
    except operations.QualitativeError as exc:
        session.rollback()
        failed = form.parent if isinstance(exc, operations.ThemeParentError) else form.name
        failed.errors = [*failed.errors, str(exc)]
        return _objective_page(plan, objective_, form, 400)
    session.commit()
    flash(_("Tema «%(name)s» aggiunto al codebook.", name=form.name.data), "success")
    return redirect(url_for("qualitative.objective", plan_id=plan.id, objective_id=objective_.id,
                            **ambito_link_args(plan.ambito)) + "#codebook", code=303)


@bp.post("/temi/<int:theme_id>")
@permission_required("qualitative.code")
def update_theme(theme_id: int):
    """Rename a theme, change its description or its parent theme."""
    theme, plan, objective_ = _theme(theme_id)
    form = ThemeForm()
    # every theme of the codebook is accepted here, so that a parent under the theme itself
    # reaches the operation and gets its reason rather than "not a valid choice"
    form.parent.choices = _parent_choices(queries.codebook(get_session(), plan.id, objective_.id))
    session = get_session()
    if form.validate_on_submit():
        try:
            changed = operations.update_theme(session, plan, theme, name=form.name.data,
                                              description=form.description.data or "",
                                              parent_id=int(form.parent.data) if form.parent.data else None,
                                              actor=current_user)
        except operations.QualitativeError as exc:
            session.rollback()
            failed = form.parent if isinstance(exc, operations.ThemeParentError) else form.name
            failed.errors = [*failed.errors, str(exc)]
        else:
            session.commit()
            flash(_("Tema «%(name)s» aggiornato.", name=theme.name) if changed
                  else _("Nessuna modifica al tema «%(name)s».", name=theme.name), "success")
            return redirect(url_for("qualitative.objective", plan_id=plan.id, objective_id=objective_.id,
                                    **ambito_link_args(plan.ambito)) + "#codebook", code=303)
    return _objective_page(plan, objective_, _theme_form(plan, objective_, submitted=False), 400,
                           edited=(theme.id, form))


@bp.post("/temi/<int:theme_id>/elimina")
@permission_required("qualitative.code")
def delete_theme(theme_id: int):
    """Delete a theme no passage is coded with and without sub-themes."""
    theme, plan, objective_ = _theme(theme_id)
    target = url_for("qualitative.objective", plan_id=plan.id, objective_id=objective_.id,
                     **ambito_link_args(plan.ambito)) + "#codebook"
    if not DeleteThemeForm().validate_on_submit():
        abort(400)
    session = get_session()
    name = theme.name
    try:
        operations.delete_theme(session, plan, theme, actor=current_user)
    except operations.QualitativeError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(target, code=303)
    session.commit()
    flash(_("Tema «%(name)s» eliminato dal codebook.", name=name), "success")
    return redirect(target, code=303)


@bp.route("/piani/<int:plan_id>/obiettivi/<objective_id>/incontri/nuovo", methods=["GET", "POST"])
@permission_required("qualitative.code")
def new_session(plan_id: int, objective_id: str):
    """Record an interview, focus group or workshop, with notes or a transcript file."""
    plan, objective_ = _objective(plan_id, objective_id)
    form = SessionForm()
    if request.method == "GET":
        return render_template("qualitative/new_session.html", plan=plan, objective=objective_, form=form,
                               ambito_args=_args(plan), max_mb=extraction.MAX_UPLOAD_BYTES // (1024 * 1024))
    if form.validate_on_submit():
        session = get_session()
        text, filename, source_format = form.notes.data or "", None, None
        try:
            if form.material.data == "transcript":
                upload = form.transcript.data
                filename = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
                extracted = extraction.extract_text(filename, upload.read(extraction.MAX_UPLOAD_BYTES + 1))
                text, source_format = extracted.text, extracted.source_format
            row = operations.record_session(session, plan, objective_.id, operations.SessionInput(
                kind=form.kind.data, **_details(form), material=form.material.data, text=text,
                source_filename=filename, source_format=source_format), actor=current_user)
        except extraction.ExtractionError as exc:
            session.rollback()
            form.transcript.errors = [*form.transcript.errors, str(exc)]
        except operations.QualitativeError as exc:
            session.rollback()
            form.title.errors = [*form.title.errors, str(exc)]
        else:
            session.commit()
            flash(_("Incontro registrato: ora puoi codificarne i passaggi."), "success")
            return redirect(url_for("qualitative.session_page", session_id=row.id,
                                    **ambito_link_args(plan.ambito)), code=303)
    return render_template("qualitative/new_session.html", plan=plan, objective=objective_, form=form,
                           ambito_args=_args(plan), max_mb=extraction.MAX_UPLOAD_BYTES // (1024 * 1024)), 400


def _passage_form(row: QualitativeSession, *, submitted: bool = True) -> PassageForm:
    form = PassageForm() if submitted else PassageForm(formdata=None)
    form.themes.choices = [(e.theme.id, "\u2003" * e.depth + e.theme.name)
                           for e in queries.codebook(get_session(), row.plan_id, row.objective_id)]
    return form


def _details_form(row: QualitativeSession) -> SessionDetailsForm:
    """The form editing *row*'s details, filled with them (never with what another form posted)."""
    return SessionDetailsForm(formdata=None, data={
        "title": row.title, "held_on": row.held_on, "timing": row.timing, "facilitator": row.facilitator,
        "participants": row.participants, "participant_roles": list(row.participant_roles),
        "consent": "yes" if row.consent else "no", "consent_method": row.consent_method or ""})


def _details(form: SessionDetailsForm) -> dict:
    """The fields of :class:`operations.SessionDetails` as the form gives them."""
    return {"title": form.title.data, "held_on": form.held_on.data, "timing": form.timing.data,
            "facilitator": form.facilitator.data, "participants": form.participants.data,
            "participant_roles": tuple(form.participant_roles.data), "consent": form.consent.data == "yes",
            "consent_method": form.consent_method.data or None}


def _session_page(row: QualitativeSession, form: PassageForm, status=200, publish_errors=None,
                  edit_form: SessionDetailsForm | None = None):
    plan = get_session().get(Plan, row.plan_id)
    objective_ = get_session().get(Objective, (row.plan_id, row.objective_id))
    return render_template(
        "qualitative/session.html", row=row, plan=plan, objective=objective_, form=form,
        paragraphs=queries.paragraphs(row.text), ambito_args=_args(plan), publish_form=PublishForm(),
        uncode_form=UncodeForm(), delete_form=DeleteSessionForm(), publish_errors=publish_errors or {},
        edit_form=edit_form or _details_form(row),
    ), status


@bp.get("/incontri/<int:session_id>")
@permission_required("qualitative.view")
def session_page(session_id: int):
    """A session: what it recorded, its numbered text, its passages and the coding form."""
    row = _session(session_id)
    return _session_page(row, _passage_form(row))


@bp.post("/incontri/<int:session_id>/passaggi")
@permission_required("qualitative.code")
def code_passage(session_id: int):
    """Code a passage of the session's text with one or more themes."""
    row = _session(session_id)
    form = _passage_form(row)
    if not form.validate_on_submit():
        return _session_page(row, form, 400)
    session = get_session()
    try:
        operations.code_session_passage(session, row, theme_ids=form.themes.data, excerpt=form.excerpt.data or "",
                                        first_paragraph=form.first_paragraph.data,
                                        last_paragraph=form.last_paragraph.data, actor=current_user)
    except operations.QualitativeError as exc:
        session.rollback()
        form.excerpt.errors = [*form.excerpt.errors, str(exc)]
        return _session_page(row, form, 400)
    session.commit()
    flash(_("Passaggio codificato."), "success")
    plan = session.get(Plan, row.plan_id)
    return redirect(url_for("qualitative.session_page", session_id=row.id, **ambito_link_args(plan.ambito))
                    + "#passaggi", code=303)


@bp.post("/incontri/<int:session_id>/dati")
@permission_required("qualitative.code")
def update_session(session_id: int):
    """Edit a session's details (title, date, timing, facilitator, participants, consent); its
    text stays as recorded."""
    row = _session(session_id)
    form = SessionDetailsForm()
    session = get_session()
    if form.validate_on_submit():
        published_before = row.consent and any(p.published for p in row.passages)
        try:
            changed = operations.update_session(session, row, operations.SessionDetails(**_details(form)),
                                                actor=current_user)
        except operations.QualitativeError as exc:
            session.rollback()
            form.title.errors = [*form.title.errors, str(exc)]
        else:
            session.commit()
            if not changed:
                flash(_("Nessuna modifica ai dati dell'incontro."), "success")
            else:
                flash(_("Dati dell'incontro aggiornati."), "success")
            if "consent" in changed and published_before:
                quotes = sum(p.published for p in row.passages)
                flash(ngettext("Senza consenso, la citazione pubblicata di questo incontro non compare più nei "
                               "rapporti.",
                               "Senza consenso, le %(num)d citazioni pubblicate di questo incontro non compaiono "
                               "più nei rapporti.", quotes), "warning")
            plan = session.get(Plan, row.plan_id)
            return redirect(url_for("qualitative.session_page", session_id=row.id, **ambito_link_args(plan.ambito)),
                            code=303)
    return _session_page(row, _passage_form(row, submitted=False), 400, edit_form=form)


@bp.post("/incontri/<int:session_id>/elimina")
@permission_required("qualitative.code")
def delete_session(session_id: int):
    """Delete a session recorded by mistake (after ticking the confirmation)."""
    row = _session(session_id)
    form = DeleteSessionForm()
    if not form.validate_on_submit():
        flash(_("Spunta la conferma per eliminare l'incontro."), "error")
        return _session_page(row, _passage_form(row), 400)
    plan = get_session().get(Plan, row.plan_id)
    objective_id = row.objective_id
    operations.delete_session(get_session(), row, actor=current_user)
    get_session().commit()
    flash(_("Incontro eliminato."), "success")
    return redirect(url_for("qualitative.objective", plan_id=plan.id, objective_id=objective_id,
                            **ambito_link_args(plan.ambito)), code=303)


@bp.get("/incontri/<int:session_id>/testo.txt")
@permission_required("qualitative.view")
def session_text(session_id: int):
    """The session's text as a UTF-8 file (the offsets of its passages count in it)."""
    row = _session(session_id)
    response = Response(row.text, mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="incontro-{row.id}.txt"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _back_to_source(session_id: int | None, objective_id: str, plan: Plan, anchor: str = ""):
    """Back to the page the passage is coded on: its session's, or the objective's comments."""
    if session_id is not None:
        target = url_for("qualitative.session_page", session_id=session_id, **ambito_link_args(plan.ambito))
    else:
        target = url_for("qualitative.comments", plan_id=plan.id, objective_id=objective_id,
                         **ambito_link_args(plan.ambito))
    return redirect(target + (f"#{anchor}" if anchor else ""), code=303)


@bp.post("/passaggi/<int:passage_id>/pubblica")
@permission_required("qualitative.code")
def publish(passage_id: int):
    """Publish a passage for reports with its published text, or withdraw it (empty text)."""
    passage, plan = _passage(passage_id)
    form = PublishForm()
    session = get_session()
    if not form.validate_on_submit():
        flash(" ".join(form.published_text.errors) or _("Richiesta non valida."), "error")
        return _back_to_source(passage.session_id, passage.objective_id, plan, f"passaggio-{passage.id}")
    try:
        operations.publish_passage(session, passage, form.published_text.data, actor=current_user,
                                   ambito_id=plan.ambito_id)
    except operations.QualitativeError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back_to_source(passage.session_id, passage.objective_id, plan, f"passaggio-{passage.id}")
    session.commit()
    flash(_("Citazione pubblicata: i rapporti possono mostrarla.") if passage.published
          else _("Citazione ritirata: i rapporti non la mostrano."), "success")
    return _back_to_source(passage.session_id, passage.objective_id, plan, f"passaggio-{passage.id}")


@bp.post("/passaggi/<int:passage_id>/togli-tema")
@permission_required("qualitative.code")
def uncode(passage_id: int):
    """Take one theme off a passage (the passage goes when it has no theme left)."""
    passage, plan = _passage(passage_id)
    form = UncodeForm()
    if not form.validate_on_submit() or not (form.theme_id.data or "").isdigit():
        abort(400)
    session = get_session()
    source = (passage.session_id, passage.objective_id)
    try:
        gone = operations.remove_theme_from_passage(session, passage, int(form.theme_id.data), actor=current_user,
                                                    ambito_id=plan.ambito_id)
    except operations.QualitativeError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back_to_source(*source, plan)
    session.commit()
    flash(_("Passaggio eliminato.") if gone else _("Tema tolto dal passaggio."), "success")
    return _back_to_source(*source, plan, "passaggi")


def _comment_form(plan: Plan, objective: Objective) -> CommentCodingForm:
    form = CommentCodingForm()
    form.themes.choices = [(e.theme.id, "\u2003" * e.depth + e.theme.name)
                           for e in queries.codebook(get_session(), plan.id, objective.id)]
    return form


def _comments_page(plan, objective_, form, status=200, failed_response_id=None):
    session = get_session()
    return render_template(
        "qualitative/comments.html", plan=plan, objective=objective_, ambito_args=_args(plan),
        comments=queries.codable_comments(session, plan.id, objective_.id), form=form,
        failed_response_id=failed_response_id, publish_form=PublishForm(), uncode_form=UncodeForm(),
        themes=form.themes.choices), status


@bp.get("/piani/<int:plan_id>/obiettivi/<objective_id>/commenti")
@permission_required("qualitative.view")
def comments(plan_id: int, objective_id: str):
    """The reviewed free comments of the objective's questionnaires, each with its themes."""
    plan, objective_ = _objective(plan_id, objective_id)
    return _comments_page(plan, objective_, _comment_form(plan, objective_))


@bp.post("/piani/<int:plan_id>/obiettivi/<objective_id>/commenti")
@permission_required("qualitative.code")
def code_comment(plan_id: int, objective_id: str):
    """Code one free comment (or a passage of it) with themes."""
    plan, objective_ = _objective(plan_id, objective_id)
    form = _comment_form(plan, objective_)
    response_id = int(form.response_id.data) if (form.response_id.data or "").isdigit() else None
    if not form.validate_on_submit() or response_id is None:
        return _comments_page(plan, objective_, form, 400, response_id)
    session = get_session()
    try:
        operations.code_comment(session, plan, objective_.id, response_id, theme_ids=form.themes.data,
                                excerpt=form.excerpt.data or "", actor=current_user)
    except operations.QualitativeError as exc:
        session.rollback()
        form.excerpt.errors = [*form.excerpt.errors, str(exc)]
        return _comments_page(plan, objective_, form, 400, response_id)
    session.commit()
    flash(_("Commento codificato."), "success")
    return redirect(url_for("qualitative.comments", plan_id=plan.id, objective_id=objective_.id,
                            **ambito_link_args(plan.ambito)) + f"#commento-{response_id}", code=303)


@bp.get("/piani/<int:plan_id>/obiettivi/<objective_id>/temi")
@permission_required("qualitative.view")
def themes(plan_id: int, objective_id: str):
    """The objective's themes by how many sessions and comments mention them, by source, with
    the passages behind each."""
    plan, objective_ = _objective(plan_id, objective_id)
    overview = queries.theme_overview(get_session(), plan.id, objective_.id)
    return render_template("qualitative/themes.html", plan=plan, objective=objective_, ambito_args=_args(plan),
                           overview=overview, ranked=sorted((o for o in overview if o.mentions),
                                                            key=lambda o: (-o.mentions, o.theme.name.casefold())))


@bp.get("/piani/<int:plan_id>/progetto.qdpx")
@permission_required("qualitative.code")
def export_qdpx(plan_id: int):
    """The plan's sessions, comments coded and codebooks as a REFI-QDA project (.qdpx)."""
    from survey_app import audit
    from survey_app.qualitative.refi import export_plan

    plan = _plan(plan_id)
    session = get_session()
    data = export_plan(session, plan)
    event = audit.record(session, current_user, "qualitative.export", plan, format="qdpx")
    event.ambito_id = plan.ambito_id
    session.commit()
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{plan.ambito.code}-{plan.code}.qdpx"'
    response.headers["Cache-Control"] = "no-store"
    return response
