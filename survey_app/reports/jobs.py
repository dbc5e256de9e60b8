"""Reports generated outside the web server, kept until their data change.

Why. The PDF of the whole plan takes WeasyPrint tens of seconds (about half a second a page)
and the analysis of every round behind it a few more: that must not hold a request worker.
Even the PDF of one objective takes a few seconds. So the files of a report (HTML, PDF,
DOCX) are made by the same background runner as the evaluators' results (the ``flask --app
survey_app results worker`` process, one pass of ``results refresh``, or under ``make run`` a
thread of the web process: see :mod:`survey_app.job_queue`), and stored in a
:class:`~survey_app.models.reports.ReportJob` row with the progress of the run
(objectives done out of the total, and the stage: objectives, PDF, DOCX) for the page to
show. The job machinery is the one of :mod:`survey_app.results.snapshots` (a table, a
conditional ``UPDATE`` to claim a job, a stalled run taken up again after
:data:`RUNNING_TIMEOUT`); the analyses a report needs are themselves result snapshots,
computed once and shared with the results pages.

When. A report's files describe the data they were made from, identified by a fingerprint
(:func:`fingerprints`): the rounds (responses, status, label, dates, expected
respondents), the semestral values, the comment reviews and the plan's texts, of the
whole Ambito or of one objective. An evaluator asks for new files ("Genera"); a page view
costs a few aggregate queries. Files whose data changed are *stale*: still downloadable
with their date, unless a comment review changed since -- then they may show a comment
rejected since, and they are not served until made again. ``results refresh`` (cron)
regenerates every stored report whose data changed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from survey_app import job_queue
from survey_app.models import (
    Indicator,
    IndicatorValue,
    Objective,
    Plan,
    QuestionnaireLink,
    QuestionnaireVersion,
    ReportJob,
    Round,
    RoundDesignation,
    utcnow,
)
from survey_app.plans.queries import previous_plan, questionnaires_of_objective
from survey_app.reports import REPORT_VERSION
from survey_app.reports import comments as comment_queries
from survey_app.results import PAYLOAD_VERSION
from survey_app.results.queries import data_counts
from survey_app.set_asides.queries import set_aside_state

RUNNING_TIMEOUT = timedelta(minutes=30)
MAX_ERROR_LENGTH = 2_000
STAGES = {
    "objectives": "analisi degli obiettivi",
    "pdf": "impaginazione del PDF",
    "docx": "creazione del DOCX",
}


@dataclass(frozen=True)
class ReportSpec:
    """Which report: the final report of a plan, or one objective's."""

    ambito_id: int
    plan_id: int
    objective_id: str | None = None
    #: the final report with the section "Confronto tra Ambiti" over these Ambiti (the ones
    #: the requesting user may see; sorted ids); empty: without it
    ambiti: tuple[int, ...] = ()

    @classmethod
    def of(cls, plan, objective_id: str | None = None, ambiti=()) -> ReportSpec:
        return cls(plan.ambito_id, plan.id, objective_id,
                   () if objective_id else tuple(sorted(set(ambiti))))

    @property
    def kind(self) -> str:
        return "objective" if self.objective_id else "final"

    @property
    def key(self) -> str:
        if self.objective_id:
            return f"objective:{self.objective_id}:ambito={self.ambito_id}:plan={self.plan_id}"
        if self.ambiti:
            compared = ".".join(str(i) for i in self.ambiti)
            return f"final:confronto={compared}:ambito={self.ambito_id}:plan={self.plan_id}"
        return f"final:ambito={self.ambito_id}:plan={self.plan_id}"

    @classmethod
    def from_key(cls, key: str) -> ReportSpec:
        parts = key.split(":")
        ambito_id = int(parts[-2].split("=", 1)[1])
        plan_id = int(parts[-1].split("=", 1)[1])
        ambiti = (tuple(int(i) for i in parts[1].split("=", 1)[1].split("."))
                  if parts[0] == "final" and parts[1].startswith("confronto=") else ())
        return cls(ambito_id, plan_id, parts[1] if parts[0] == "objective" else None, ambiti)


@dataclass
class ReportStatus:
    """What a page can say about a report's files."""

    #: ``none`` (never asked), ``pending``, ``running``, ``ready``, ``failed``
    state: str
    #: the stored files describe the current data
    current: bool = False
    #: there are files, and they may be served (no comment review changed since)
    downloadable: bool = False
    done: int = 0
    total: int = 0
    stage: str | None = None
    computed_at: datetime | None = None
    requested_at: datetime | None = None
    error: str | None = None
    duration_ms: int | None = None

    @property
    def stage_text(self) -> str:
        return STAGES.get(self.stage or "", "")

    @property
    def busy(self) -> bool:
        return self.state in ("pending", "running")


# --- what changed -----------------------------------------------------------------------------


def _digest(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def fingerprints(session: Session, spec: ReportSpec) -> tuple[str, str]:
    """Return (fingerprint of all the report's data, fingerprint of its comment reviews)."""
    # the plan's rounds and the previous plan's (a predecessor's ex post is a baseline here),
    # and every designation: they decide which rounds give the verdicts
    plan = session.get(Plan, spec.plan_id)
    previous = previous_plan(session, plan) if plan else None
    plan_ids = [spec.plan_id] + ([previous.id] if previous else [])
    questionnaire_ids = (questionnaires_of_objective(session, spec.plan_id, spec.objective_id)
                         if spec.objective_id else None)
    rounds_query = (
        select(Round).join(Round.questionnaire_version).where(Round.plan_id.in_(plan_ids))
    )
    versions_query = select(QuestionnaireVersion.id, QuestionnaireVersion.questionnaire_id)
    objectives_query = select(
        Objective.id, Objective.chapter, Objective.title, Objective.description
    ).where(Objective.plan_id == spec.plan_id)
    indicators_query = select(
        Indicator.id, Indicator.text, Indicator.via_questionnaire, Indicator.predecessor_plan_id,
        Indicator.predecessor_id,
    ).where(Indicator.plan_id == spec.plan_id)
    values_query = select(
        func.count(IndicatorValue.id),
        func.max(IndicatorValue.id),
        func.coalesce(func.sum(IndicatorValue.revision), 0),
        func.max(IndicatorValue.updated_at),
    ).where(IndicatorValue.plan_id == spec.plan_id)
    designations_query = (
        select(RoundDesignation.indicator_id, RoundDesignation.before_round_id,
               RoundDesignation.after_round_id, RoundDesignation.designated_at)
        .where(RoundDesignation.plan_id.in_(plan_ids))
    )
    links_query = select(QuestionnaireLink.indicator_id, QuestionnaireLink.questionnaire_id,
                         QuestionnaireLink.measure).where(QuestionnaireLink.plan_id.in_(plan_ids))
    if spec.objective_id:
        rounds_query = rounds_query.where(QuestionnaireVersion.questionnaire_id.in_(questionnaire_ids))
        versions_query = versions_query.where(
            QuestionnaireVersion.questionnaire_id.in_(questionnaire_ids)
        )
        objectives_query = objectives_query.where(Objective.id == spec.objective_id)
        indicators_query = indicators_query.where(Indicator.objective_id == spec.objective_id)
        values_query = values_query.join(IndicatorValue.indicator).where(
            Indicator.objective_id == spec.objective_id
        )
    rounds = list(session.scalars(rounds_query.order_by(Round.id)))
    ids = [r.id for r in rounds]
    counts = data_counts(session, ids)
    set_asides = set_aside_state(session, ids)
    rounds_part = [
        (
            r.id,
            r.public_token,
            r.questionnaire_version_id,
            r.status,
            r.label,
            r.opens_at,
            r.closes_at,
            r.expected_respondents,
            r.comune_id,
            r.service,
            r.panel_id,
            r.plan_id,
            r.is_follow_up,
            *counts[r.id],
            set_asides[r.id],
        )
        for r in rounds
    ]
    comments = comment_queries.reviews_state(session, ids)
    whole = _digest(
        f"report v{REPORT_VERSION} payload v{PAYLOAD_VERSION}",
        spec.key,
        rounds_part,
        session.execute(values_query).one(),
        comments,
        session.execute(versions_query.order_by(QuestionnaireVersion.id)).all(),
        session.execute(objectives_query.order_by(Objective.id)).all(),
        session.execute(indicators_query.order_by(Indicator.id)).all(),
        session.execute(designations_query.order_by(RoundDesignation.plan_id,
                                                    RoundDesignation.indicator_id)).all(),
        session.execute(links_query.order_by(QuestionnaireLink.plan_id, QuestionnaireLink.indicator_id,
                                             QuestionnaireLink.questionnaire_id)).all(),
        session.execute(select(Plan.title, Plan.status, Plan.first_year, Plan.last_year)
                        .where(Plan.id == spec.plan_id)).all(),
        _compared_part(session, spec),
        _evaluation_part(session, spec),
    )
    return whole, _digest(comments)


def _evaluation_part(session: Session, spec: ReportSpec) -> list:
    """The evaluator's judgements and the qualitative evidence the report shows: a saved judgement,
    a quote published or withdrawn, consent withdrawn, a theme renamed make a stored report stale."""
    from survey_app.models import Judgement, QualitativeSession, Theme
    from survey_app.models.qualitative import Passage, passage_themes

    def of_objective(query, model):
        query = query.where(model.plan_id == spec.plan_id)
        return query.where(model.objective_id == spec.objective_id) if spec.objective_id else query

    judgements = of_objective(select(Judgement.objective_id, Judgement.indicator_id, Judgement.version),
                              Judgement).order_by(Judgement.objective_id, Judgement.indicator_id)
    sessions = of_objective(select(
        QualitativeSession.id, QualitativeSession.kind, QualitativeSession.held_on, QualitativeSession.timing,
        QualitativeSession.participants, QualitativeSession.participant_roles, QualitativeSession.consent),
        QualitativeSession).order_by(QualitativeSession.id)
    themes = of_objective(select(Theme.id, Theme.name, Theme.description, Theme.parent_id), Theme).order_by(Theme.id)
    passages = of_objective(select(Passage.id, Passage.published_text), Passage).order_by(Passage.id)
    codings = (of_objective(select(passage_themes.c.passage_id, passage_themes.c.theme_id)
                            .join(Passage, Passage.id == passage_themes.c.passage_id), Passage)
               .order_by(passage_themes.c.passage_id, passage_themes.c.theme_id))
    return [session.execute(query).all() for query in (judgements, sessions, themes, passages, codings)]


def _compared_part(session: Session, spec: ReportSpec) -> list:
    """The rounds of the Ambiti compared in the final report, with their response counts."""
    if not spec.ambiti:
        return []
    rounds = list(session.scalars(select(Round).where(Round.ambito_id.in_(spec.ambiti))
                                  .order_by(Round.id)))
    counts = data_counts(session, [r.id for r in rounds])
    return [(r.id, r.ambito_id, r.questionnaire_version_id, r.kind, *counts[r.id]) for r in rounds]


# --- pages ------------------------------------------------------------------------------------


def _row(session: Session, spec: ReportSpec) -> ReportJob | None:
    return session.scalar(select(ReportJob).where(ReportJob.key == spec.key))


def status(session: Session, spec: ReportSpec) -> ReportStatus:
    """The state of a report's files for a page (reads only)."""
    row = _row(session, spec)
    if row is None:
        return ReportStatus("none")
    wanted, comments = fingerprints(session, spec)
    has_files = row.computed_at is not None and row.fingerprint is not None
    state = row.status
    if state == "running" and row.started_at and utcnow() - row.started_at > RUNNING_TIMEOUT:
        state = "pending"  # its worker died: the next one takes it up
    return ReportStatus(
        state=state,
        current=has_files and row.fingerprint == wanted,
        downloadable=has_files and row.comments_fingerprint == comments,
        done=row.done,
        total=row.total,
        stage=row.stage,
        computed_at=row.computed_at,
        requested_at=row.requested_at,
        error=row.error,
        duration_ms=row.duration_ms,
    )


def request(session: Session, spec: ReportSpec) -> ReportStatus:
    """Ask for new files (unless the stored ones describe the current data); commit."""
    current = status(session, spec)
    if current.current and current.state == "ready":
        return current
    row = _row(session, spec)
    if row is None:
        row = ReportJob(
            key=spec.key,
            kind=spec.kind,
            ambito_id=spec.ambito_id,
            plan_id=spec.plan_id,
            status="pending",
            done=0,
            total=0,
        )
        session.add(row)
    if row.status not in ("pending", "running") or current.state == "pending":
        row.status = "pending"
        row.error = None
    row.wanted = fingerprints(session, spec)[0]
    row.requested_at = utcnow()
    try:
        session.commit()
    except IntegrityError:  # another request created it meanwhile
        session.rollback()
    return status(session, spec)


def stored_file(
    session: Session, spec: ReportSpec, fmt: str
) -> tuple[bytes | str, datetime] | None:
    """The stored *fmt* (``html``, ``pdf``, ``docx``) file and its date, if it may be served."""
    if not status(session, spec).downloadable:
        return None
    row = session.scalar(
        select(ReportJob).options(undefer(getattr(ReportJob, fmt))).where(ReportJob.key == spec.key)
    )
    content = getattr(row, fmt)
    return (content, row.computed_at) if content is not None else None


# --- generation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Files:
    html: str
    pdf: bytes
    docx: bytes


def make_files(
    session: Session, spec: ReportSpec, *, progress: Callable[[str, int, int], None] | None = None
) -> Files:
    """Build the report of *spec* now and return its three files (the command line, the worker)."""
    from survey_app.reports import build, document, render, word

    def report(stage: str, done: int, total: int) -> None:
        if progress:
            progress(stage, done, total)

    plan = session.get(Plan, spec.plan_id)
    payloads = build.payload_source(session)
    if spec.objective_id:
        report("objectives", 0, 1)
        data = build.objective_data(session, plan, spec.objective_id, payloads)
        report("objectives", 1, 1)
        doc = document.objective_document(data, plan, utcnow())
        total = 1
    else:
        data = build.final_data(
            session,
            plan,
            payloads,
            progress=lambda done, total: report("objectives", done, total),
        )
        if spec.ambiti:
            from survey_app.reports.ambiti import ambito_tables

            data.ambito_tables = ambito_tables(session, plan, spec.ambiti)
        doc = document.final_document(data)
        total = len(data.objectives)
    html = render.document_html(doc)
    report("pdf", total, total)
    pdf = render.document_pdf(doc)
    report("docx", total, total)
    docx = word.document_docx(doc)
    return Files(html, pdf, docx)


def generate(session: Session, spec: ReportSpec, *, log=lambda message: None) -> ReportJob:
    """Make the report of *spec* now, storing files and progress in its row; commit; return it."""
    started = time.monotonic()
    row = _row(session, spec)
    if row is None:
        row = ReportJob(key=spec.key, kind=spec.kind, ambito_id=spec.ambito_id, plan_id=spec.plan_id)
        session.add(row)
    wanted, comments = fingerprints(session, spec)
    row.status, row.started_at, row.done, row.total, row.stage = (
        "running",
        utcnow(),
        0,
        0,
        "objectives",
    )
    session.commit()
    row_id = row.id

    def progress(stage: str, done: int, total: int) -> None:
        session.execute(
            update(ReportJob)
            .where(ReportJob.id == row_id)
            .values(stage=stage, done=done, total=total)
        )
        session.commit()

    try:
        files = make_files(session, spec, progress=progress)
        error = None
    except Exception as exc:  # noqa: BLE001 - stored and shown on the page, never a 500
        session.rollback()
        files, error = None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    session.expire_all()
    row = session.get(ReportJob, row_id)
    # newer data asked for while this run went on: the worker runs it again
    asked_again = (
        row.wanted is not None
        and row.wanted != wanted
        and row.requested_at is not None
        and row.started_at is not None
        and row.requested_at > row.started_at
    )
    if error is None:
        row.html, row.pdf, row.docx = files.html, files.pdf, files.docx
        row.fingerprint, row.comments_fingerprint = wanted, comments
        row.status, row.computed_at, row.error, row.stage = "ready", utcnow(), None, None
        if asked_again:
            row.status = "pending"
        else:
            row.wanted = wanted
    else:
        row.status, row.error, row.stage, row.wanted = "failed", error, None, wanted
    row.duration_ms = int((time.monotonic() - started) * 1000)
    session.commit()
    log(f"{spec.key}: {row.status} in {row.duration_ms} ms" + (f" ({error})" if error else ""))
    return row


def run_pending(session: Session, *, limit: int | None = None, log=lambda message: None) -> int:
    """Generate the requested (and stalled) reports, oldest request first; return how many ran."""
    return job_queue.run_pending(
        session, ReportJob, lambda row: generate(session, ReportSpec.from_key(row.key), log=log),
        running_timeout=RUNNING_TIMEOUT, limit=limit)


def refresh(session: Session, *, log=lambda message: None) -> int:
    """Regenerate every stored report whose data changed since its files were made."""
    refreshed = 0
    for key, status_ in session.execute(
        select(ReportJob.key, ReportJob.status).order_by(ReportJob.id)
    ).all():
        if status_ in ("pending", "running"):
            continue
        spec = ReportSpec.from_key(key)
        if status(session, spec).current:
            continue
        if status_ == "failed" and _row(session, spec).wanted == fingerprints(session, spec)[0]:
            continue  # failed on these very data: retried when they change or someone asks
        generate(session, spec, log=log)
        refreshed += 1
    return refreshed
