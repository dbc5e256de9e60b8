"""Reads of judgements: those of an objective, of a whole plan, and their plain summaries for reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey_app.models import Judgement


def objective_judgements(session: Session, plan_id: int, objective_id: str) -> dict[str, Judgement]:
    """The judgements written for *objective_id*, by indicator id (``""``: the objective's own)."""
    rows = session.scalars(select(Judgement).options(selectinload(Judgement.revisions)).where(
        Judgement.plan_id == plan_id, Judgement.objective_id == objective_id))
    return {j.indicator_id: j for j in rows}


def plan_judgements(session: Session, plan_id: int) -> dict[tuple[str, str], Judgement]:
    """Every judgement of the plan, by (objective id, indicator id)."""
    rows = session.scalars(select(Judgement).where(Judgement.plan_id == plan_id))
    return {(j.objective_id, j.indicator_id): j for j in rows}


@dataclass(frozen=True)
class JudgementSummary:
    """A judgement as a report shows it: plain values, no database rows."""

    status: str
    suggested_status: str | None
    state: str
    reasons: str
    strengths: tuple[str, ...]
    weaknesses: tuple[str, ...]
    recommendations: tuple[str, ...]
    version: int
    updated_at: datetime
    updated_by: str | None

    @property
    def draft(self) -> bool:
        return self.state != "approved"

    @property
    def against_the_data(self) -> bool:
        return self.suggested_status is not None and self.status != self.suggested_status


def _lines(text: str) -> tuple[str, ...]:
    """A text written one point per line (or a single paragraph) as its points."""
    return tuple(line.strip(" -•\t") for line in (text or "").splitlines() if line.strip(" -•\t"))


def summary_of(judgement: Judgement) -> JudgementSummary:
    return JudgementSummary(
        status=judgement.status, suggested_status=judgement.suggested_status, state=judgement.state,
        reasons=judgement.reasons.strip(), strengths=_lines(judgement.strengths),
        weaknesses=_lines(judgement.weaknesses), recommendations=_lines(judgement.recommendations),
        version=judgement.version, updated_at=judgement.updated_at,
        updated_by=judgement.updated_by.email if judgement.updated_by else None)


def report_judgements(session: Session, plan_id: int, objective_id: str) -> dict[str, JudgementSummary]:
    """The judgements of an objective for its report, by indicator id (``""``: the objective's own).

    Two queries however many judgements: a report shows who saved each one, never its history.
    """
    rows = session.scalars(select(Judgement).options(selectinload(Judgement.updated_by)).where(
        Judgement.plan_id == plan_id, Judgement.objective_id == objective_id))
    return {j.indicator_id: summary_of(j) for j in rows}
