"""Reads about plans: an Ambito's plans, the plan for a date, a plan's questionnaires.

Pure SQLAlchemy on a session: no Flask request state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from survey_app.models import Indicator, Objective, Plan, QuestionnaireLink, Round, RoundDesignation
from survey_app.plans.designation import Designation, RoundFacts, designation_for

#: the order in which plans are offered: the plan in force first, then drafts, then closed ones
STATUS_ORDER = {"in_force": 0, "draft": 1, "closed": 2}


def plans_of(session: Session, ambito_id: int) -> list[Plan]:
    """The Ambito's plans, most recent period first."""
    return list(session.scalars(
        select(Plan).where(Plan.ambito_id == ambito_id)
        .order_by(Plan.last_year.desc(), Plan.first_year.desc(), Plan.id.desc())
    ))


def default_plan(session: Session, ambito_id: int) -> Plan | None:
    """The plan a page shows when none is chosen: the plan in force, else the most recent."""
    plans = plans_of(session, ambito_id)
    in_force = [p for p in plans if p.status == "in_force"]
    return (in_force or plans or [None])[0]


def plan_period_contains(plan: Plan, moment: datetime | date) -> bool:
    """Whether *moment* falls within the plan's years (1 January of the first to 31 December of
    the last)."""
    return plan.first_year <= moment.year <= plan.last_year


def plan_for_date(session: Session, ambito_id: int, moment: datetime | date) -> Plan | None:
    """The Ambito's plan whose period contains *moment*: the one in force if periods overlap."""
    candidates = [p for p in plans_of(session, ambito_id) if plan_period_contains(p, moment)]
    candidates.sort(key=lambda p: STATUS_ORDER[p.status])
    return candidates[0] if candidates else None


def plan_by_reference(session: Session, reference: str) -> Plan | None:
    """The plan named by its numeric id or by ``AMBITO/CODE`` (``alto-sebino/pdz-2021-2023``)."""
    from survey_app.models import Ambito

    reference = (reference or "").strip()
    if reference.isdigit():
        return session.get(Plan, int(reference))
    ambito_code, _slash, code = reference.partition("/")
    if not code:
        return None
    return session.scalar(
        select(Plan).join(Ambito, Ambito.id == Plan.ambito_id)
        .where(Ambito.code == ambito_code, Plan.code == code)
    )


def previous_plan(session: Session, plan: Plan) -> Plan | None:
    """The Ambito's plan before *plan* (the one whose *ex post* is this one's *ex ante*)."""
    earlier = [p for p in plans_of(session, plan.ambito_id)
               if p.id != plan.id and p.first_year < plan.first_year]
    return max(earlier, key=lambda p: (p.last_year, p.first_year), default=None)


def links_of(session: Session, plan_id: int) -> list[QuestionnaireLink]:
    """Every questionnaire-indicator link of a plan."""
    return list(session.scalars(
        select(QuestionnaireLink).where(QuestionnaireLink.plan_id == plan_id)
        .order_by(QuestionnaireLink.indicator_id, QuestionnaireLink.questionnaire_id)
    ))


def measure_texts(session: Session, plan_id: int, questionnaire_id: str) -> dict[str, str]:
    """In a plan, the text of the indicator each of the questionnaire's measures gives, by the
    measure's key (the questionnaire's own indicator key, as results payloads name it)."""
    rows = session.execute(
        select(QuestionnaireLink.measure, Indicator.text)
        .join(Indicator, (Indicator.plan_id == QuestionnaireLink.plan_id)
              & (Indicator.id == QuestionnaireLink.indicator_id))
        .where(QuestionnaireLink.plan_id == plan_id, QuestionnaireLink.questionnaire_id == questionnaire_id)
        .order_by(QuestionnaireLink.measure, QuestionnaireLink.indicator_id)
    ).all()
    texts: dict[str, str] = {}
    for measure, text in rows:
        texts.setdefault(measure, text)
    return texts


def questionnaires_of_objective(session: Session, plan_id: int, objective_id: str) -> list[str]:
    """The questionnaire ids that measure some indicator of the objective, in the plan."""
    return sorted(set(session.scalars(
        select(QuestionnaireLink.questionnaire_id)
        .join(Indicator, (Indicator.plan_id == QuestionnaireLink.plan_id)
              & (Indicator.id == QuestionnaireLink.indicator_id))
        .where(QuestionnaireLink.plan_id == plan_id, Indicator.objective_id == objective_id)
    )))


def plan_counts(session: Session, plan_id: int) -> dict[str, int]:
    """How many objectives, indicators and rounds a plan has."""
    def count(model, *where):
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {
        "objectives": count(Objective, Objective.plan_id == plan_id),
        "indicators": count(Indicator, Indicator.plan_id == plan_id),
        "rounds": count(Round, Round.plan_id == plan_id),
    }


# --- the rounds each indicator's verdict uses ------------------------------------------------


def round_facts(round_: Round, now: datetime | None = None) -> RoundFacts:
    """The facts :mod:`survey_app.plans.designation` needs of a round."""
    return RoundFacts(
        id=round_.id, kind=round_.kind, closed=round_.availability(now) == "closed",
        when=round_.closes_at or round_.opens_at or round_.created_at,
        questionnaire_id=round_.questionnaire_version.questionnaire_id,
        comune_id=round_.comune_id, service=round_.service, panel_id=round_.panel_id,
        is_follow_up=round_.is_follow_up,
    )


def plan_rounds(session: Session, plan_id: int) -> list[Round]:
    """The rounds of a plan, oldest first."""
    return list(session.scalars(
        select(Round).join(Round.questionnaire_version)
        .options(joinedload(Round.questionnaire_version))
        .where(Round.plan_id == plan_id)
        .order_by(func.coalesce(Round.opens_at, Round.created_at), Round.id)
    ).unique())


def indicator_designations(session: Session, plan: Plan) -> dict[str, Designation]:
    """For every indicator of *plan* linked to a questionnaire: its designated rounds."""
    links = links_of(session, plan.id)
    if not links:
        return {}
    rounds = plan_rounds(session, plan.id)
    facts = [round_facts(r) for r in rounds]
    explicit = {
        d.indicator_id: (d.before_round_id, d.after_round_id)
        for d in session.scalars(select(RoundDesignation).where(RoundDesignation.plan_id == plan.id))
    }
    known = {f.id: f for f in facts}
    for round_id in {i for pair in explicit.values() for i in pair if i and i not in known}:
        other = session.get(Round, round_id)
        if other is not None and other.ambito_id == plan.ambito_id:
            known[round_id] = round_facts(other)
    questionnaires: dict[str, set[str]] = {}
    for link in links:
        questionnaires.setdefault(link.indicator_id, set()).add(link.questionnaire_id)
    indicators = {i.id: i for i in session.scalars(select(Indicator).where(Indicator.plan_id == plan.id))}
    predecessors: dict[tuple[int, str], Designation] = {}
    found = {}
    for indicator_id, measured_by in questionnaires.items():
        indicator = indicators.get(indicator_id)
        predecessor_after = None
        if indicator is not None and indicator.predecessor_plan_id is not None:
            key = (indicator.predecessor_plan_id, indicator.predecessor_id)
            if key not in predecessors:
                previous = session.get(Plan, key[0])
                previous_designations = indicator_designations(session, previous) if previous else {}
                predecessors[key] = previous_designations.get(key[1], Designation(None, None))
            predecessor_after = predecessors[key].after
            if predecessor_after is not None:
                known.setdefault(predecessor_after.id, predecessor_after)
        own = [f for f in facts if f.questionnaire_id in measured_by]
        found[indicator_id] = designation_for(own, explicit.get(indicator_id), predecessor_after, known)
    return found


# --- what the pages show of a designation ------------------------------------------------------


@dataclass(frozen=True)
class RoundSummary:
    """A round as the pages name it: title, kind, dates and number of responses."""

    id: int
    title: str
    kind: str
    opens_at: datetime | None
    closes_at: datetime | None
    #: responses; ``None`` for 1-4 (shown as ``n<5``)
    n: int | None
    plan_id: int
    plan_title: str
    closed: bool


@dataclass(frozen=True)
class IndicatorRounds:
    """The rounds behind one questionnaire indicator's verdict, for the pages."""

    indicator: Indicator
    questionnaire_ids: tuple[str, ...]
    before: RoundSummary | None
    after: RoundSummary | None
    #: ``default``, ``explicit`` or ``predecessor`` (see :class:`Designation`)
    origin: str
    #: the plan's closed rounds of the linked questionnaires: what an evaluator may choose
    choices: tuple[RoundSummary, ...] = ()
    #: the explicit designation, when there is one (who chose and when)
    explicit: RoundDesignation | None = None


def round_summaries(session: Session, rounds: list[Round]) -> dict[int, RoundSummary]:
    """:class:`RoundSummary` of each round, by id (one query for the counts)."""
    from survey_app.analysis.privacy import MIN_CELL
    from survey_app.results.queries import data_counts

    counts = data_counts(session, [r.id for r in rounds]) if rounds else {}
    found = {}
    for r in rounds:
        n = counts[r.id][0]
        found[r.id] = RoundSummary(
            id=r.id, title=r.display_label, kind=r.kind, opens_at=r.opens_at, closes_at=r.closes_at,
            n=n if (n == 0 or n >= MIN_CELL) else None, plan_id=r.plan_id, plan_title=r.plan.title,
            closed=r.availability() == "closed")
    return found


def designated_rounds(session: Session, plan: Plan, *, with_choices: bool = False,
                      designations: dict[str, Designation] | None = None) -> dict[str, IndicatorRounds]:
    """For every questionnaire indicator of *plan*: its designated rounds, named for the pages
    and reports (*designations*: those of :func:`indicator_designations`, when already known).

    With *with_choices*, also the rounds an evaluator may designate instead (the plan's closed
    rounds of the indicator's questionnaires, never an open one).
    """
    if designations is None:
        designations = indicator_designations(session, plan)
    if not designations:
        return {}
    measured_by: dict[str, set[str]] = {}
    for link in links_of(session, plan.id):
        measured_by.setdefault(link.indicator_id, set()).add(link.questionnaire_id)
    own = plan_rounds(session, plan.id)
    wanted = {r.id: r for r in own}
    for designation in designations.values():
        for facts in (designation.before, designation.after):
            if facts is not None and facts.id not in wanted:
                wanted[facts.id] = session.get(Round, facts.id)
    summaries = round_summaries(session, [r for r in wanted.values() if r is not None])
    explicit = {d.indicator_id: d for d in session.scalars(
        select(RoundDesignation).where(RoundDesignation.plan_id == plan.id))}
    indicators = {i.id: i for i in session.scalars(select(Indicator).where(Indicator.plan_id == plan.id))}
    found = {}
    for indicator_id, designation in sorted(designations.items()):
        questionnaires = measured_by.get(indicator_id, set())
        choices = tuple(summaries[r.id] for r in eligible_rounds(own, questionnaires)) if with_choices else ()
        found[indicator_id] = IndicatorRounds(
            indicator=indicators[indicator_id], questionnaire_ids=tuple(sorted(questionnaires)),
            before=summaries.get(designation.before.id) if designation.before else None,
            after=summaries.get(designation.after.id) if designation.after else None,
            origin=designation.origin, choices=choices, explicit=explicit.get(indicator_id))
    return found


def eligible_rounds(rounds: list[Round], questionnaire_ids: set[str]) -> list[Round]:
    """The rounds among *rounds* an evaluator may designate for an indicator measured by
    *questionnaire_ids*: closed ones of those questionnaires (oldest first)."""
    return [r for r in rounds if r.availability() == "closed"
            and r.questionnaire_version.questionnaire_id in questionnaire_ids]


def predecessor_choices(session: Session, plan: Plan, indicator: Indicator) -> list[Indicator]:
    """The indicators of the previous plan of the Ambito that *indicator* may name as its
    predecessor (those of the same kind first)."""
    previous = previous_plan(session, plan)
    if previous is None:
        return []
    candidates = session.scalars(select(Indicator).where(Indicator.plan_id == previous.id)).all()
    return sorted(candidates, key=lambda i: (i.kind != indicator.kind, i.objective_id, i.kind, i.position))
