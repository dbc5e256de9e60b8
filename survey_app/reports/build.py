"""From the database to the data of a report: plain dataclasses, nothing formatted yet.

Where each number comes from:

* questionnaire results: the published payloads of :mod:`survey_app.results.compute`,
  through a *payload source* (:func:`payload_source`) that reads the stored snapshot or
  computes it. Those payloads are already suppressed (n<5 with complementary suppression),
  so nothing here counts respondents by group: a group the analysis hides stays hidden;
* response counts per round: published only from 5 up (``None`` for 1-4, 0 when empty);
* semestral values: :func:`survey_app.indicators.queries.plan_indicator_series`;
* free comments: :func:`survey_app.reports.comments.published_comments` only.

The status of an indicator (:func:`questionnaire_status`, :func:`semestral_status`) is one of
``met``, ``not_met``, ``not_measurable`` and ``no_data``; targets come from the
questionnaires' ``measures`` only -- the plan gives no numeric target for the semestral
indicators, and none is invented.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.analysis.privacy import MIN_CELL
from survey_app.indicators.queries import IndicatorSeries, Trend, plan_indicator_series
from survey_app.models import Indicator, Objective, Plan, Round, utcnow
from survey_app.plan.catalog import INDICATOR_KINDS
from survey_app.plans.designation import Designation
from survey_app.plans.queries import IndicatorRounds, designated_rounds, indicator_designations, links_of
from survey_app.questionnaires.operations import latest_version
from survey_app.questionnaires.definition import Questionnaire
from survey_app.reports import comments as comment_queries
from survey_app.reports.formatting import ROLE_LEVELS, ROUND_KIND_LABELS, local_date
from survey_app.reports.plan import objective_title, plan_order
from survey_app.results import snapshots
from survey_app.results.queries import data_counts, rounds_in_scope
from survey_app.results.snapshots import Job

#: the command line and the worker compute whatever the size: they are not web requests
NO_LIMIT = 10**12

PayloadSource = Callable[[Job], snapshots.Result]


def payload_source(session: Session, *, inline_max_responses: int = NO_LIMIT) -> PayloadSource:
    """Return a function giving the stored (or freshly computed) result of an analysis job.

    With a limit (web requests), a job over more responses is left to the results worker
    and its previous payload, if any, is used meanwhile (the report says so).
    """
    return lambda job: snapshots.result_for(session, job, inline_max_responses=inline_max_responses)


# --- data -------------------------------------------------------------------------------------


@dataclass
class RoundData:
    """One round of a questionnaire and its published results."""

    id: int
    label: str
    kind: str
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    created_at: datetime
    comune: str | None
    service: str | None
    panel: bool
    #: the version the round used (for item texts and scale labels)
    questionnaire: Questionnaire
    #: responses as published: 0, ``None`` for 1-4 (n<5), the count from 5 up
    responses: int | None
    any_responses: bool
    expected: int | None
    #: responses / expected, only when published and expected is known
    rate: float | None
    #: the round payload of :func:`survey_app.results.compute.round_payload`, if computed
    payload: dict | None = None
    #: ``ready``, ``pending`` (being computed; ``payload`` may be the previous one), ``failed``,
    #: ``empty`` (no responses)
    state: str = "empty"
    error: str | None = None
    computed_at: datetime | None = None
    #: reviewed comments the report may show (see :mod:`survey_app.reports.comments`)
    comments: list[str] = field(default_factory=list)
    unreviewed_comments: int = 0
    #: no more answers accepted (only closed rounds give a plan's verdicts by default)
    closed: bool = False
    follow_up: bool = False
    plan_title: str = ""

    @property
    def whole_scope(self) -> bool:
        return self.comune is None and self.service is None

    @property
    def when(self) -> datetime:
        """When the round took place, for ordering (its closing, opening or creation)."""
        return self.closes_at or self.opens_at or self.created_at

    @property
    def published(self) -> bool:
        """Whether the round has results to show (at least 5 responses and a payload)."""
        return bool(self.payload) and self.payload.get("status") == "ok"


@dataclass
class ComparisonData:
    """Two rounds of one questionnaire compared (``before`` earlier)."""

    before: RoundData
    after: RoundData
    payload: dict | None
    state: str
    error: str | None = None


@dataclass
class QuestionnaireData:
    id: str
    title: str
    version: int
    respondents: str
    roles: list[str]
    #: ``micro``, ``meso``, ``macro`` (from who answers, see :data:`ROLE_LEVELS`)
    levels: list[str]
    questionnaire: Questionnaire
    #: the plan's indicators it measures
    indicator_ids: list[str]
    #: plan indicator id → the key of the questionnaire's ``measures`` that gives its value
    measures: dict[str, str] = field(default_factory=dict)
    rounds: list[RoundData] = field(default_factory=list)
    comparisons: list[ComparisonData] = field(default_factory=list)


@dataclass
class IndicatorData:
    """An indicator of the plan with its status in the report."""

    id: str
    kind: str
    position: int
    text: str
    via_questionnaire: bool
    #: ``met``, ``not_met``, ``not_measurable``, ``no_data``
    status: str
    #: why, in Italian
    reason: str
    #: questionnaire indicators: the payload row the status was read from, and its round
    estimate: dict | None = None
    source: str | None = None
    #: semestral indicators: the values by semester
    series: IndicatorSeries | None = None
    #: questionnaire indicators: the rounds the verdict used
    designation: Designation | None = None
    #: the same rounds named (title, dates, n) for the report's "Prima: ...; Dopo: ..."
    rounds: IndicatorRounds | None = None

    @property
    def trend(self) -> Trend | None:
        return self.series.trend if self.series else None


@dataclass
class ObjectiveData:
    id: str
    chapter: str
    level: str
    macroarea: str
    title: str
    description: str
    targets: list[str]
    indicators: list[IndicatorData]
    questionnaires: list[QuestionnaireData]
    #: the evaluator's judgements (:mod:`survey_app.judgements`), by indicator id; ``""``: the objective's
    judgements: dict = field(default_factory=dict)
    #: interviews, focus groups and workshops held for it (:class:`SessionData`), oldest first
    sessions: list = field(default_factory=list)
    #: the themes they and the free comments mention, with only the published quotes
    #: (:func:`survey_app.qualitative.queries.objective_themes`)
    themes: list = field(default_factory=list)

    @property
    def judgement(self):
        """The objective's own judgement, or ``None`` while not written."""
        return self.judgements.get("")

    @property
    def levels(self) -> list[str]:
        """The evaluation levels this objective's data cover, in the plan's order."""
        found = {
            level
            for q in self.questionnaires
            if any(r.any_responses for r in q.rounds)
            for level in q.levels
        }
        if any(i.series and i.series.series for i in self.indicators):
            found.add("macro")
        return [level for level in ("micro", "meso", "macro") if level in found]

    @property
    def pending(self) -> bool:
        """Whether some results are still being computed (the report shows older ones)."""
        return any(r.state == "pending" for q in self.questionnaires for r in q.rounds) or any(
            c.state == "pending" for q in self.questionnaires for c in q.comparisons
        )

    @property
    def errors(self) -> list[str]:
        return [r.error for q in self.questionnaires for r in q.rounds if r.error] + [
            c.error for q in self.questionnaires for c in q.comparisons if c.error
        ]


@dataclass(frozen=True)
class SessionData:
    """A qualitative session as the report lists it: never its text, never a name."""

    kind: str
    held_on: date
    timing: str
    participants: int
    roles: tuple[str, ...]


@dataclass
class FinalData:
    ambito_name: str
    objectives: list[ObjectiveData]
    generated_at: datetime
    plan_title: str = ""
    plan_period: str = ""
    plan_status: str = ""
    plan_is_example: bool = False
    #: the section "Confronto tra Ambiti" (:mod:`survey_app.reports.ambiti`), when asked
    ambito_tables: list = field(default_factory=list)

    @property
    def rounds(self) -> list[tuple[QuestionnaireData, RoundData]]:
        return [(q, r) for o in self.objectives for q in o.questionnaires for r in q.rounds]


# --- building ---------------------------------------------------------------------------------


def objective_data(
    session: Session, plan: Plan, objective_id: str, payloads: PayloadSource
) -> ObjectiveData:
    """Return the report data of one objective of *plan*.

    :raise LookupError: for an objective the plan does not have.
    """
    objective = session.get(Objective, (plan.id, objective_id))
    if objective is None:
        raise LookupError(f"unknown objective {objective_id!r}")
    series = plan_indicator_series(session, plan.id, [objective_id])
    designations = indicator_designations(session, plan)
    return _objective(session, plan, objective, series.get(objective_id, []), payloads, designations)


def final_data(
    session: Session,
    plan: Plan,
    payloads: PayloadSource,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> FinalData:
    """Return the data of every objective of *plan*, calling ``progress(done, total)``."""
    objectives = objectives_in_order(session, plan.id)
    series = plan_indicator_series(session, plan.id)
    designations = indicator_designations(session, plan)
    found = []
    for done, objective in enumerate(objectives):
        if progress:
            progress(done, len(objectives))
        found.append(_objective(session, plan, objective, series.get(objective.id, []), payloads,
                                designations))
    if progress:
        progress(len(objectives), len(objectives))
    return FinalData(plan.ambito.name, found, utcnow(), plan_title=plan.title, plan_period=plan.period,
                     plan_status=plan.status, plan_is_example=plan.is_example)


def objectives_in_order(session: Session, plan_id: int) -> list[Objective]:
    return sorted(session.scalars(select(Objective).where(Objective.plan_id == plan_id)), key=plan_order)


def _objective(
    session: Session,
    plan: Plan,
    objective: Objective,
    series: list[IndicatorSeries],
    payloads: PayloadSource,
    designations: dict[str, Designation],
) -> ObjectiveData:
    query = select(Indicator).where(Indicator.plan_id == plan.id, Indicator.objective_id == objective.id)
    plan_indicators = sorted(session.scalars(query), key=lambda i: (INDICATOR_KINDS.index(i.kind), i.position))
    questionnaires = _questionnaires(session, plan, objective.id, payloads, designations)
    named = designated_rounds(session, plan, designations={
        i.id: designations[i.id] for i in plan_indicators if i.via_questionnaire and i.id in designations})
    by_id = {s.indicator_id: s for s in series}
    indicators = []
    for indicator in plan_indicators:
        if indicator.via_questionnaire:
            designation = designations.get(indicator.id)
            status, reason, estimate, source = questionnaire_status(
                indicator.id, questionnaires, designation, improvement=is_improvement(indicator.text))
            indicators.append(
                IndicatorData(
                    indicator.id,
                    indicator.kind,
                    indicator.position,
                    indicator.text,
                    True,
                    status,
                    reason,
                    estimate,
                    source,
                    designation=designation,
                    rounds=named.get(indicator.id),
                )
            )
        else:
            values = by_id.get(indicator.id)
            status, reason = semestral_status(values)
            indicators.append(
                IndicatorData(
                    indicator.id,
                    indicator.kind,
                    indicator.position,
                    indicator.text,
                    False,
                    status,
                    reason,
                    series=values,
                )
            )
    detail = objective.detail or {}
    from survey_app.judgements.queries import report_judgements
    from survey_app.qualitative.queries import objective_sessions, objective_themes

    sessions = [SessionData(s.kind, s.held_on, s.timing, s.participants, tuple(s.participant_roles))
                for s in sorted(objective_sessions(session, plan.id, objective.id), key=lambda s: s.held_on)]
    return ObjectiveData(
        id=objective.id,
        chapter=objective.chapter,
        level=objective.level,
        macroarea=detail.get("macroarea_ambito") or objective.macroarea or "",
        title=objective_title(objective),
        description=objective.description or "",
        targets=list(detail.get("target") or []),
        indicators=indicators,
        questionnaires=questionnaires,
        judgements=report_judgements(session, plan.id, objective.id),
        sessions=sessions,
        themes=objective_themes(session, plan.id, objective.id),
    )


def _questionnaires(
    session: Session, plan: Plan, objective_id: str, payloads: PayloadSource,
    designations: dict[str, Designation],
) -> list[QuestionnaireData]:
    links = [link for link in links_of(session, plan.id)
             if link.indicator.objective_id == objective_id]
    found = []
    for questionnaire_id in sorted({link.questionnaire_id for link in links}):
        version = latest_version(session, questionnaire_id)
        if version is None:
            continue
        questionnaire = version.questionnaire
        role = questionnaire.context_question("role") or {}
        roles = list(role.get("options") or [])
        levels = [
            lv for lv in ("micro", "meso", "macro") if any(ROLE_LEVELS.get(r) == lv for r in roles)
        ]
        mine = [link for link in links if link.questionnaire_id == questionnaire_id]
        data = QuestionnaireData(
            id=questionnaire_id,
            title=version.title,
            version=version.version,
            respondents=(version.questionnaire.definition.get("respondents") or {}).get("it", ""),
            roles=roles,
            levels=levels,
            questionnaire=questionnaire,
            indicator_ids=[link.indicator_id for link in mine],
            measures={link.indicator_id: link.measure for link in mine},
        )
        rounds = rounds_in_scope(session, plan.ambito_id, questionnaire_id, plan_id=plan.id)
        data.rounds = _rounds_data(session, rounds, payloads)
        pairs = []
        for link in mine:
            designation = designations.get(link.indicator_id)
            if designation and designation.before and designation.after:
                pairs.append(designation.round_ids)
        by_id = {r.id: r for r in data.rounds}
        extra = [rid for pair in pairs for rid in pair if rid not in by_id]
        if extra:
            outside = [session.get(Round, rid) for rid in sorted(set(extra))]
            for round_data in _rounds_data(session, [r for r in outside if r is not None], payloads):
                by_id[round_data.id] = round_data
        data.comparisons = [
            _comparison(by_id[before], by_id[after], payloads)
            for before, after in dict.fromkeys(pairs)
            if before in by_id and after in by_id and by_id[before].responses and by_id[after].responses
        ]
        found.append(data)
    return found


def _rounds_data(session: Session, rounds: list[Round], payloads: PayloadSource) -> list[RoundData]:
    if not rounds:
        return []
    ids = [r.id for r in rounds]
    counts = data_counts(session, ids)
    published = comment_queries.published_comments(session, ids)
    unreviewed = comment_queries.unreviewed_counts(session, ids)
    found = []
    for round_ in rounds:
        n = counts[round_.id][0]
        questionnaire = round_.questionnaire_version.questionnaire
        shown = n if (n == 0 or n >= MIN_CELL) else None
        expected = round_.expected_respondents
        data = RoundData(
            id=round_.id,
            label=round_.display_label,
            kind=round_.kind,
            status=round_.status,
            opens_at=round_.opens_at,
            closes_at=round_.closes_at,
            created_at=round_.created_at,
            comune=round_.comune.name if round_.comune else None,
            service=questionnaire.service_label(round_.service) if round_.service else None,
            panel=round_.is_panel,
            questionnaire=questionnaire,
            responses=shown,
            any_responses=n > 0,
            expected=expected,
            rate=(n / expected if expected and n >= MIN_CELL else None),
            comments=published.get(round_.id, []),
            unreviewed_comments=unreviewed.get(round_.id, 0),
            closed=round_.availability() == "closed",
            follow_up=round_.is_follow_up,
            plan_title=round_.plan.title,
        )
        if n > 0:
            result = payloads(Job.round(round_.id))
            data.payload, data.state, data.error = result.payload, result.state, result.error
            data.computed_at = result.computed_at
        found.append(data)
    found.sort(key=lambda r: (r.when, r.id))
    return found


def _comparison(before: RoundData, after: RoundData, payloads: PayloadSource) -> ComparisonData:
    result = payloads(Job.comparison(before.id, after.id))
    return ComparisonData(before, after, result.payload, result.state, result.error)


# --- statuses ---------------------------------------------------------------------------------


#: an indicator whose text speaks of improvement is judged by a before/after comparison
IMPROVEMENT_WORDS = re.compile(r"\bmiglior", re.IGNORECASE)
#: the significance level of the improvement rule (two-sided test of the comparison)
IMPROVEMENT_ALPHA = 0.05


def is_improvement(text: str) -> bool:
    """Whether an indicator counts improvement ("N° di beneficiari che migliorano",
    "miglioramento della percezione ..."): judged on before and after, not on one round."""
    return bool(IMPROVEMENT_WORDS.search(text or ""))


def _round_by_id(questionnaires: list[QuestionnaireData], round_id: int) -> RoundData | None:
    for q in questionnaires:
        for r in q.rounds:
            if r.id == round_id:
                return r
        for c in q.comparisons:
            for r in (c.before, c.after):
                if r.id == round_id:
                    return r
    return None


def questionnaire_status(
    indicator_id: str,
    questionnaires: list[QuestionnaireData],
    designation: Designation | None = None,
    *,
    improvement: bool = False,
) -> tuple[str, str, dict | None, str | None]:
    """Return (status, reason, payload row, its source) of an indicator measured by questionnaire.

    The value is read from the designated *after* round (:mod:`survey_app.plans.designation`:
    only closed rounds); an improvement indicator, or a measure of ``improved_share``, from the
    comparison of the designated *before* and *after* (:func:`improvement_status`).
    """
    measuring = [q for q in questionnaires if indicator_id in q.indicator_ids]
    rounds = [r for q in measuring for r in q.rounds]
    if not any(r.any_responses for r in rounds):
        return "no_data", "nessuna risposta ai questionari che lo misurano", None, None
    if designation is None or designation.after is None:
        return ("no_data", "nessuna rilevazione chiusa da cui leggere il valore (le rilevazioni "
                "aperte non entrano nel giudizio)", None, None)
    after = _round_by_id(measuring, designation.after.id)
    if after is None:
        return "no_data", "la rilevazione designata non misura questo indicatore", None, None
    questionnaire = next(q for q in measuring if any(r.id == after.id for r in q.rounds)
                         or any(c.after.id == after.id for c in q.comparisons))
    measure = questionnaire.measures.get(indicator_id, indicator_id)
    definition = next((m for m in questionnaire.questionnaire.measures if m["indicator"] == measure), {})
    if definition.get("statistic") == "improved_share" or improvement:
        return improvement_status(measure, definition, questionnaire, designation)
    row = next((x for x in (after.payload or {}).get("indicators") or [] if x["indicator"] == measure), None)
    if row is None or row.get("suppressed") or row.get("value") is None:
        return (
            "not_measurable",
            "meno di 5 rispondenti nella rilevazione designata per calcolarlo",
            None,
            None,
        )
    source = _round_source(after)
    if not row.get("target_operator"):
        return "not_measurable", "il questionario non fissa un valore obiettivo numerico", row, source
    if row.get("target_met") is None:
        return "not_measurable", "valore non calcolabile rispetto all'obiettivo", row, source
    if row["target_met"]:
        return "met", "valore della rilevazione designata pari o oltre l'obiettivo", row, source
    return "not_met", "valore della rilevazione designata sotto l'obiettivo", row, source


def improvement_status(
    measure: str, definition: dict, questionnaire: QuestionnaireData, designation: Designation
) -> tuple[str, str, dict | None, str | None]:
    """The verdict of an improvement indicator from the designated comparison.

    * a share of people who improve (``improved_share``) for which the questionnaire sets a
      target: its value on the paired people against the target;
    * otherwise (no target, as for the plan's "N° di beneficiari che migliorano"), the
      comparison's test of the measure: *raggiunto* when the "after" is better
      with p < :data:`IMPROVEMENT_ALPHA` -- on paired people (a panel), when more improved than
      worsened; *non raggiunto* when it is not (no significant improvement, or a worsening).
    """
    if designation.before is None:
        return ("not_measurable", "serve un confronto tra due rilevazioni chiuse, prima e dopo",
                None, None)
    comparison = next((c for c in questionnaire.comparisons
                       if (c.before.id, c.after.id) == designation.round_ids), None)
    if comparison is None or not comparison.payload or comparison.payload.get("status") != "ok":
        return ("not_measurable", "confronto non calcolabile: meno di 5 rispondenti in una delle "
                "due rilevazioni, o questionari non confrontabili", None, None)
    source = f"confronto tra {_round_source(comparison.before)} e {_round_source(comparison.after)}"
    if designation.origin == "predecessor":
        source += " (valore ex ante dal Piano precedente)"
    row = None
    if definition.get("statistic") == "improved_share":
        row = next((x for x in comparison.payload.get("indicators") or []
                    if x["indicator"] == measure and x.get("round") == "pairs"), None)
        if row is None or row.get("suppressed") or row.get("value") is None:
            return "not_measurable", "meno di 5 persone abbinate prima e dopo", None, source
    if row is not None and row.get("target_operator"):
        # a share of people who improve with a target in the questionnaire: read against it
        if row.get("target_met") is None:
            return "not_measurable", "valore non calcolabile rispetto all'obiettivo", row, source
        if row["target_met"]:
            return "met", "quota di persone che migliorano pari o oltre l'obiettivo", row, source
        return "not_met", "quota di persone che migliorano sotto l'obiettivo", row, source
    tests = [t for t in comparison.payload.get("tests") or []
             if t.get("level") == "indicator" and t.get("target_id") == measure and not t.get("suppressed")]
    if not tests:
        return "not_measurable", "meno di 5 rispondenti per confrontare prima e dopo", None, source
    test = next((t for t in tests if t.get("design") == "paired"), tests[0])
    p = test.get("p_value")
    if test.get("design") == "paired" and test.get("n_improved") is not None:
        better = (test["n_improved"] or 0) > (test["n_worsened"] or 0)
        counts = (f"{test['n_improved']} migliorano, {test['n_same']} invariati, "
                  f"{test['n_worsened']} peggiorano")
    else:
        before, after = test.get("score_before"), test.get("score_after")
        better = before is not None and after is not None and after > before
        counts = f"punteggio da {_score(before)} a {_score(after)}"
    p_text = "p non calcolabile" if p is None else f"p = {p:.3f}".replace(".", ",")
    if better and p is not None and p < IMPROVEMENT_ALPHA:
        return "met", f"miglioramento significativo ({counts}; {p_text})", row, source
    if better:
        return "not_met", f"miglioramento non significativo ({counts}; {p_text})", row, source
    return "not_met", f"nessun miglioramento ({counts}; {p_text})", row, source


def _score(value) -> str:
    return "–" if value is None else f"{value:.1f}".replace(".", ",")


def _round_source(r: RoundData) -> str:
    return f"{ROUND_KIND_LABELS.get(r.kind, r.kind)} {local_date(r.when)} (rilevazione {r.id})"


def semestral_status(series: IndicatorSeries | None) -> tuple[str, str]:
    """Return (status, reason) of an indicator with semestral values."""
    if series is None or not series.series:
        return "no_data", "nessun valore semestrale registrato"
    return (
        "not_measurable",
        "il Piano non fissa un valore obiettivo numerico: si riportano ultimo valore e andamento",
    )
