"""Pages of the evaluation reports (``/rapporti/``) and of the review of free comments.

Every view needs ``results.view`` (evaluators and admins) and works on one Ambito: the
user's, or for an installation-wide user the one chosen with ``?ambito=CODE`` (the first by
default). Objectives are chosen with ``?id=``. The page of an objective is built in the
request from the stored results (computed right away for small rounds, like the results
pages); its PDF and DOCX, and every file of the final report, are made by the background
worker (:mod:`survey_app.reports.jobs`) and only served here. Downloads are logged.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey_app import audit, job_queue
from survey_app.accounts.permissions import ambito_link_args as _ambito_args
from survey_app.accounts.permissions import current_ambito as _ambito
from survey_app.accounts.permissions import permission_required, round_in_scope
from survey_app.db import get_session
from survey_app.models import (
    REVIEW_STATUSES,
    Ambito,
    Indicator,
    Objective,
    Plan,
    QuestionnaireLink,
    utcnow,
)
from survey_app.plans.context import (
    current_plan,
    plan_choices,
    plan_link_args,
    plan_of_objective_link,
    with_plan,
)
from survey_app.reports import ambito_label, comments, final_title, jobs
from survey_app.reports.formatting import sentence
from survey_app.reports.plan import objective_title, plan_order
from survey_app.results import snapshots
from survey_app.results.queries import data_counts, rounds_in_scope
from survey_app.security import allow_inline_styles

bp = Blueprint("reports", __name__, url_prefix="/rapporti")

#: endpoint suffix -> (format, MIME type)
FILES = {
    "pdf": ("pdf", "application/pdf"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "html": ("html", "text/html"),  # Flask adds the charset
}
REVIEW_LABELS = {
    "approved": "Approvato",
    "redacted": "Pubblicato modificato",
    "rejected": "Escluso",
}


@bp.context_processor
def helpers():
    return {
        "sentence": sentence,
        "objective_title": objective_title,
        "review_labels": REVIEW_LABELS,
        "review_statuses": REVIEW_STATUSES,
    }






def _context() -> tuple[Ambito, Plan]:
    """The Ambito and the plan the page reports on."""
    ambito = _ambito()
    return ambito, current_plan(ambito)


def _compared_ambiti(plan: Plan) -> tuple[int, ...]:
    """The Ambiti of the section "Confronto tra Ambiti": those the user may see, when several
    and the plan's among them; none otherwise."""
    from survey_app.accounts.permissions import ambito_scope

    scope = ambito_scope(current_user)
    ids = set(get_session().scalars(select(Ambito.id))) if scope.every else set(scope.ids)
    return tuple(sorted(ids)) if len(ids) > 1 and plan.ambito_id in ids else ()


def _final_spec(plan: Plan) -> jobs.ReportSpec:
    """The final report asked for: with the comparison across Ambiti when ``confronto=1``."""
    wanted = request.values.get("confronto") == "1"
    return jobs.ReportSpec.of(plan, ambiti=_compared_ambiti(plan) if wanted else ())


def _args(ambito: Ambito, plan: Plan) -> dict:
    """Query arguments keeping the choice of Ambito and plan in links."""
    return {**_ambito_args(ambito), **plan_link_args(plan)}


def _objective(plan: Plan) -> Objective:
    """The objective ``?id=`` of *plan*; a link without ``piano`` (made before plans existed)
    is redirected to the plan that has the objective."""
    objective_id = request.args.get("id", "")
    if not objective_id:
        abort(400)
    if request.method == "GET" and (meant := plan_of_objective_link(plan.ambito, objective_id)):
        abort(redirect(with_plan(meant), 302))
    objective = get_session().get(Objective, (plan.id, objective_id))
    if objective is None:
        abort(404)
    return objective


# --- index and the final report ---------------------------------------------------------------


@bp.get("/")
@permission_required("results.view")
def index():
    """The final report's files and progress, the objectives, the comments to review."""
    session = get_session()
    ambito, plan = _context()
    objectives = sorted(session.scalars(select(Objective).where(Objective.plan_id == plan.id)),
                        key=plan_order)
    indicator_counts: dict[str, int] = {}
    for objective_id in session.scalars(select(Indicator.objective_id).where(Indicator.plan_id == plan.id)):
        indicator_counts[objective_id] = indicator_counts.get(objective_id, 0) + 1
    with_questionnaire = set(session.scalars(
        select(Indicator.objective_id).join(
            QuestionnaireLink, (QuestionnaireLink.plan_id == Indicator.plan_id)
            & (QuestionnaireLink.indicator_id == Indicator.id))
        .where(Indicator.plan_id == plan.id)))
    rounds = rounds_in_scope(session, ambito.id, plan_id=plan.id)
    ids = [r.id for r in rounds]
    commented = comments.comment_counts(session, ids)
    unreviewed = comments.unreviewed_counts(session, ids)
    responses = {i: n for i, (n, _largest) in data_counts(session, ids).items()}
    review_rounds = [
        (r, commented[r.id], unreviewed[r.id], responses[r.id]) for r in rounds if commented[r.id]
    ]
    return render_template(
        "reports/index.html",
        ambito=ambito,
        plan=plan,
        plans=plan_choices(ambito),
        ambito_args=_args(ambito, plan),
        final=jobs.status(session, jobs.ReportSpec.of(plan)),
        compared=(jobs.status(session, jobs.ReportSpec.of(plan, ambiti=_compared_ambiti(plan)))
                  if _compared_ambiti(plan) else None),
        final_title=f"{final_title(plan.title)} – {ambito_label(plan.ambito.name)}",
        objectives=objectives,
        indicator_counts=indicator_counts,
        with_questionnaire=with_questionnaire,
        review_rounds=review_rounds,
    )


@bp.post("/finale/genera")
@permission_required("results.view")
def request_final():
    """Ask the background worker for the final report's files."""
    session = get_session()
    ambito, plan = _context()
    spec = _final_spec(plan)
    status = jobs.request(session, spec)
    _log(session, "report.request", ambito, None, plan=plan.code,
         compared_ambiti=list(spec.ambiti) or None)
    session.commit()
    job_queue.wake(current_app)
    if status.current and status.state == "ready":
        flash(_("Il rapporto è già aggiornato ai dati di oggi."))
    else:
        flash(
            _(
                "Richiesta registrata: il rapporto si genera in background. Aggiorna la pagina per "
                "vedere l'avanzamento."
            )
        )
    return redirect(url_for("reports.index", **_args(ambito, plan))
                    + ("#confronto-ambiti" if spec.ambiti else "#finale"), 303)


def final_file():
    """A stored file of the final report (409 with a page when there is none to serve)."""
    session = get_session()
    ambito, plan = _context()
    fmt, mimetype = FILES[request.endpoint.rsplit("_", 1)[1]]
    spec = _final_spec(plan)
    return _send(
        session,
        spec,
        ambito,
        fmt,
        mimetype,
        f"rapporto-valutazione-{plan.code}-{ambito.code}{'-ambiti' if spec.ambiti else ''}.{fmt}",
        back=url_for("reports.index", **_args(ambito, plan)) + "#finale",
    )


for _suffix in FILES:
    bp.add_url_rule(
        f"/finale.{_suffix}",
        endpoint=f"final_{_suffix}",
        view_func=permission_required("results.view")(final_file),
        methods=["GET"],
    )


def _send(
    session,
    spec: jobs.ReportSpec,
    ambito: Ambito,
    fmt: str,
    mimetype: str,
    filename: str,
    back: str,
):
    stored = jobs.stored_file(session, spec, fmt)
    if stored is None:
        return render_template(
            "reports/not_ready.html", status=jobs.status(session, spec), back=back
        ), 409
    content, computed_at = stored
    _log(
        session,
        "report.download",
        ambito,
        spec.objective_id,
        format=fmt,
        computed_at=computed_at.isoformat(timespec="seconds"),
    )
    session.commit()
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if fmt == "html":
        allow_inline_styles()  # the printable document carries its own <style>
    else:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(content, mimetype=mimetype, headers=headers)


def _log(session, action: str, ambito: Ambito, objective_id: str | None, **detail) -> None:
    event = audit.record(session, current_user, action, None, objective=objective_id, **detail)
    event.ambito_id = ambito.id


# --- one objective ----------------------------------------------------------------------------


def _objective_document(plan: Plan, objective: Objective):
    # imported here: the analysis (pandas, scipy) loads where a report is built, not at app start
    from survey_app.reports import build, document

    session = get_session()
    limit = current_app.config.get(
        "RESULTS_INLINE_MAX_RESPONSES", snapshots.DEFAULT_INLINE_MAX_RESPONSES
    )
    data = build.objective_data(
        session, plan, objective.id, build.payload_source(session, inline_max_responses=limit)
    )
    return data, document.objective_document(data, plan, utcnow())


@bp.get("/obiettivo")
@permission_required("results.view")
def objective_report():
    """An objective's report as a page (from the stored results), with its files."""
    ambito, plan = _context()
    objective = _objective(plan)
    from survey_app.reports import render

    data, doc = _objective_document(plan, objective)
    spec = jobs.ReportSpec.of(plan, objective.id)
    return render_template(
        "reports/objective.html",
        ambito=ambito,
        plan=plan,
        ambito_args=_args(ambito, plan),
        objective=objective,
        data=data,
        body=render.body_html(doc),
        files=jobs.status(get_session(), spec),
    )


@bp.get("/obiettivo/stampa")
@permission_required("results.view")
def objective_print():
    """An objective's report as one printable document (the browser prints it as the PDF looks)."""
    ambito, plan = _context()
    objective = _objective(plan)
    from survey_app.reports import render

    _data, doc = _objective_document(plan, objective)
    allow_inline_styles()
    return Response(render.document_html(doc), mimetype="text/html")


@bp.post("/obiettivo/genera")
@permission_required("results.view")
def request_objective():
    """Ask the background worker for an objective's PDF and DOCX."""
    session = get_session()
    ambito, plan = _context()
    objective = _objective(plan)
    jobs.request(session, jobs.ReportSpec.of(plan, objective.id))
    _log(session, "report.request", ambito, objective.id, plan=plan.code)
    session.commit()
    job_queue.wake(current_app)
    flash(
        _(
            "Richiesta registrata: PDF e DOCX si preparano in background. Aggiorna la pagina tra "
            "poco."
        )
    )
    return redirect(
        url_for("reports.objective_report", id=objective.id, **_args(ambito, plan)) + "#file", 303
    )


def objective_file():
    """A stored PDF or DOCX of an objective's report (409 with a page when there is none)."""
    session = get_session()
    ambito, plan = _context()
    objective = _objective(plan)
    fmt, mimetype = FILES[request.endpoint.rsplit("_", 1)[1]]
    return _send(
        session,
        jobs.ReportSpec.of(plan, objective.id),
        ambito,
        fmt,
        mimetype,
        f"rapporto-{plan.code}-{objective.id}.{fmt}",
        back=url_for("reports.objective_report", id=objective.id, **_args(ambito, plan)) + "#file",
    )


for _suffix in ("pdf", "docx"):
    bp.add_url_rule(
        f"/obiettivo.{_suffix}",
        endpoint=f"objective_{_suffix}",
        view_func=permission_required("results.view")(objective_file),
        methods=["GET"],
    )


# --- review of free comments ------------------------------------------------------------------


@bp.route("/commenti/rilevazioni/<int:round_id>", methods=["GET", "POST"])
@permission_required("results.view")
def review_comments(round_id: int):
    """The free comments of a round: approve, publish an edited text, or reject each one."""
    round_ = round_in_scope(round_id)
    session = get_session()
    if request.method == "POST":
        response_id = request.form.get("response_id", "")
        if not response_id.isdigit():
            abort(400)
        try:
            comments.review_comment(
                session,
                round_,
                int(response_id),
                request.form.get("status", ""),
                redacted_text=request.form.get("text"),
                actor=current_user,
            )
            session.commit()
            flash(_("Revisione salvata."))
        except comments.ReviewError as exc:
            session.rollback()
            flash(str(exc), "error")
        return redirect(
            url_for("reports.review_comments", round_id=round_id) + f"#commento-{response_id}", 303
        )
    responses = data_counts(session, [round_id])[round_id][0]
    return render_template(
        "reports/comments.html",
        round=round_,
        entries=comments.round_comments(session, round_id),
        responses=responses,
        small=responses < comments.MIN_CELL,
    )
