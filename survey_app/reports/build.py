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

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.analysis.privacy import MIN_CELL
from survey_app.indicators.queries import IndicatorSeries, Trend, plan_indicator_series
from survey_app.models import Ambito, Indicator, Objective, QuestionnaireVersion, utcnow
from survey_app.plan.catalog import INDICATOR_KINDS
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
    indicator_ids: list[str]
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


@dataclass
class FinalData:
    ambito_name: str
    objectives: list[ObjectiveData]
    generated_at: datetime

    @property
    def rounds(self) -> list[tuple[QuestionnaireData, RoundData]]:
        return [(q, r) for o in self.objectives for q in o.questionnaires for r in q.rounds]


# --- building ---------------------------------------------------------------------------------


def objective_data(
    session: Session, ambito: Ambito, objective_id: str, payloads: PayloadSource
) -> ObjectiveData:
    """Return the report data of one objective for *ambito*.

    :raise LookupError: for an unknown objective.
    """
    objective = session.get(Objective, objective_id)
    if objective is None:
        raise LookupError(f"unknown objective {objective_id!r}")
    series = plan_indicator_series(session, ambito.id, [objective_id])
    return _objective(session, ambito, objective, series.get(objective_id, []), payloads)


def final_data(
    session: Session,
    ambito: Ambito,
    payloads: PayloadSource,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> FinalData:
    """Return the data of every objective of the plan, calling ``progress(done, total)``."""
    objectives = objectives_in_order(session)
    series = plan_indicator_series(session, ambito.id)
    found = []
    for done, objective in enumerate(objectives):
        if progress:
            progress(done, len(objectives))
        found.append(_objective(session, ambito, objective, series.get(objective.id, []), payloads))
    if progress:
        progress(len(objectives), len(objectives))
    return FinalData(ambito.name, found, utcnow())


def objectives_in_order(session: Session) -> list[Objective]:
    return sorted(session.scalars(select(Objective)), key=plan_order)


def _objective(
    session: Session,
    ambito: Ambito,
    objective: Objective,
    series: list[IndicatorSeries],
    payloads: PayloadSource,
) -> ObjectiveData:
    questionnaires = _questionnaires(session, ambito, objective.id, payloads)
    by_id = {s.indicator_id: s for s in series}
    indicators = []
    query = select(Indicator).where(Indicator.objective_id == objective.id)
    for indicator in sorted(
        session.scalars(query), key=lambda i: (INDICATOR_KINDS.index(i.kind), i.position)
    ):
        if indicator.via_questionnaire:
            status, reason, estimate, source = questionnaire_status(indicator.id, questionnaires)
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
    )


def _questionnaires(
    session: Session, ambito: Ambito, objective_id: str, payloads: PayloadSource
) -> list[QuestionnaireData]:
    versions = session.scalars(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.objective_id == objective_id)
        .order_by(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version)
    )
    latest: dict[str, QuestionnaireVersion] = {}
    for version in versions:
        latest[version.questionnaire_id] = version
    found = []
    for questionnaire_id, version in latest.items():
        questionnaire = version.questionnaire
        role = questionnaire.context_question("role") or {}
        roles = list(role.get("options") or [])
        levels = [
            lv for lv in ("micro", "meso", "macro") if any(ROLE_LEVELS.get(r) == lv for r in roles)
        ]
        data = QuestionnaireData(
            id=questionnaire_id,
            title=version.title,
            version=version.version,
            respondents=(version.questionnaire.definition.get("respondents") or {}).get("it", ""),
            roles=roles,
            levels=levels,
            questionnaire=questionnaire,
            indicator_ids=list(questionnaire.indicator_ids),
        )
        data.rounds = _rounds(session, ambito, questionnaire_id, payloads)
        data.comparisons = [
            _comparison(before, after, payloads) for before, after in comparison_pairs(data.rounds)
        ]
        found.append(data)
    return found


def _rounds(
    session: Session, ambito: Ambito, questionnaire_id: str, payloads: PayloadSource
) -> list[RoundData]:
    rounds = rounds_in_scope(session, ambito.id, questionnaire_id)
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
        )
        if n > 0:
            result = payloads(Job.round(round_.id))
            data.payload, data.state, data.error = result.payload, result.state, result.error
            data.computed_at = result.computed_at
        found.append(data)
    found.sort(key=lambda r: (r.when, r.id))
    return found


def comparison_pairs(rounds: list[RoundData]) -> list[tuple[RoundData, RoundData]]:
    """The rounds to compare: per scope (comune, service), the first and the last with results.

    Rounds of one panel are paired person by person by the comparison itself.
    """
    scopes: dict[tuple, list[RoundData]] = {}
    for round_ in rounds:
        if round_.responses:  # published: 5 or more
            scopes.setdefault((round_.comune, round_.service), []).append(round_)
    return [(group[0], group[-1]) for group in scopes.values() if len(group) >= 2]


def _comparison(before: RoundData, after: RoundData, payloads: PayloadSource) -> ComparisonData:
    result = payloads(Job.comparison(before.id, after.id))
    return ComparisonData(before, after, result.payload, result.state, result.error)


# --- statuses ---------------------------------------------------------------------------------


def questionnaire_status(
    indicator_id: str, questionnaires: list[QuestionnaireData]
) -> tuple[str, str, dict | None, str | None]:
    """Return (status, reason, payload row, its source) of an indicator measured by questionnaire.

    The value is the latest published one: a whole-Ambito round before one limited to a
    comune or service; for ``improved_share`` the latest comparison of paired rounds.
    """
    measuring = [q for q in questionnaires if indicator_id in q.indicator_ids]
    rounds = [r for q in measuring for r in q.rounds]
    if not any(r.any_responses for r in rounds):
        return "no_data", "nessuna risposta ai questionari che lo misurano", None, None
    candidates = []
    for q in measuring:
        for r in q.rounds:
            for row in (r.payload or {}).get("indicators") or []:
                if (
                    row["indicator"] == indicator_id
                    and not row.get("suppressed")
                    and row.get("value") is not None
                ):
                    candidates.append(((r.whole_scope, r.when, r.id), row, _round_source(r)))
        for c in q.comparisons:
            for row in (c.payload or {}).get("indicators") or []:
                if (
                    row["indicator"] == indicator_id
                    and row.get("round") == "pairs"
                    and not row.get("suppressed")
                    and row.get("value") is not None
                ):
                    pairs = (
                        f"persone abbinate tra {_round_source(c.before)} e {_round_source(c.after)}"
                    )
                    candidates.append(((c.after.whole_scope, c.after.when, c.after.id), row, pairs))
    if not candidates:
        return (
            "not_measurable",
            "meno di 5 rispondenti (o di persone abbinate prima e dopo) per calcolarlo",
            None,
            None,
        )
    _key, row, source = max(candidates, key=lambda c: c[0])
    if not row.get("target_operator"):
        return (
            "not_measurable",
            "il questionario non fissa un valore obiettivo numerico",
            row,
            source,
        )
    if row.get("target_met") is None:
        return "not_measurable", "valore non calcolabile rispetto all'obiettivo", row, source
    if row["target_met"]:
        return "met", "valore dell'ultima rilevazione pari o oltre l'obiettivo", row, source
    return "not_met", "valore dell'ultima rilevazione sotto l'obiettivo", row, source


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
