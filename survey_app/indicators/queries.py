"""Reading semestral indicator values: series and trends for the pages and the report.

The report reads the values through :func:`indicator_series` (one objective) or
:func:`plan_indicator_series` (every objective): per indicator, its values by semester for
the whole Ambito and per comune, the latest value and the trend. An indicator that names its
predecessor in the Ambito's previous plan continues that indicator's series: the earlier
plan's values come first, marked with the plan they were recorded in (the cycle of chapter 9:
one period's results are the next one's starting point). Everything returned is a frozen
dataclass of plain values, detached from the session.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from survey_app.indicators.importing import Catalog, suggest_kind
from survey_app.indicators.template_file import TemplateRow
from survey_app.models import AuditEvent, Comune, Indicator, IndicatorValue, Objective, Plan
from survey_app.plan.catalog import INDICATOR_KINDS

#: a change smaller than this counts as no change
FLAT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Point:
    """One stored value."""

    value_id: int
    semester: str
    #: ``number``, ``percent``, ``yes_no`` or ``text``
    kind: str
    #: a float (number; percent 0-100), a bool (yes_no) or a str (text)
    value: float | bool | str
    source: str | None
    note: str | None
    #: 1, +1 at every correction
    revision: int
    created_at: datetime
    updated_at: datetime
    #: the title of the earlier plan the value was recorded in, when it is carried forward
    #: from the indicator's predecessor (``None`` for the plan's own values)
    carried_from: str | None = None

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("number", "percent")


@dataclass(frozen=True)
class Trend:
    """How the latest value compares with the value before it (numbers and percentages only)."""

    #: ``up``, ``down`` or ``flat``
    direction: str
    #: latest minus previous (percentage points for percentages)
    change: float
    #: the earlier value compared with: the latest recorded before the last semester, which may
    #: be older than the previous semester when a semester has no value
    previous: Point


@dataclass(frozen=True)
class Series:
    """The values of one indicator for the whole Ambito (``comune_code`` ``None``) or one comune."""

    ambito_id: int
    ambito_name: str
    comune_id: int | None
    comune_code: str | None
    comune_name: str | None
    #: by semester, oldest first; one per semester
    points: tuple[Point, ...]

    @property
    def is_ambito_total(self) -> bool:
        return self.comune_id is None

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def trend(self) -> Trend | None:
        """The change of the latest value from the one before; ``None`` with fewer than two
        numeric values of the same kind."""
        return trend_of(self.points)

    def at(self, semester: str) -> Point | None:
        """The value of *semester*, if recorded."""
        return next((p for p in self.points if p.semester == semester), None)


@dataclass(frozen=True)
class IndicatorSeries:
    """An indicator of the plan with its recorded values."""

    indicator_id: str
    objective_id: str
    #: ``process``, ``output`` or ``outcome``
    kind: str
    position: int
    text: str
    via_questionnaire: bool
    #: the kind of its values (``None`` before the first value)
    value_kind: str | None
    #: the whole Ambito first, then its comuni by name (per Ambito when several are returned);
    #: only scopes with at least one value
    series: tuple[Series, ...] = field(default=())

    @property
    def semesters(self) -> tuple[str, ...]:
        """Every semester with a value, in any scope, oldest first."""
        return tuple(sorted({p.semester for s in self.series for p in s.points}))

    @property
    def total(self) -> Series | None:
        """The series of the whole Ambito (the first Ambito's, when several are returned)."""
        return next((s for s in self.series if s.is_ambito_total), None)

    @property
    def comuni(self) -> tuple[Series, ...]:
        return tuple(s for s in self.series if not s.is_ambito_total)

    @property
    def latest(self) -> Point | None:
        """The latest value for the whole Ambito, ``None`` if there is none."""
        return self.total.latest if self.total else None

    @property
    def trend(self) -> Trend | None:
        """The trend of the whole Ambito's values."""
        return self.total.trend if self.total else None


def trend_of(points: tuple[Point, ...] | list[Point]) -> Trend | None:
    """Compare the last of *points* (ordered by semester) with the one before it."""
    if len(points) < 2:
        return None
    latest, previous = points[-1], points[-2]
    if not (latest.is_numeric and previous.kind == latest.kind):
        return None
    change = float(latest.value) - float(previous.value)
    direction = "flat" if abs(change) < FLAT_TOLERANCE else ("up" if change > 0 else "down")
    return Trend(direction, 0.0 if direction == "flat" else change, previous)


def indicator_series(session: Session, plan_id: int, objective_id: str, *,
                     include_questionnaire: bool = False) -> list[IndicatorSeries]:
    """Return the indicators of an objective with their semestral values, latest value and trend.

    :param plan_id: the plan whose objective and values to read (values are the plan's Ambito's).
    :param include_questionnaire: also list the indicators measured by questionnaire (with no
        series: their values come from the rounds' results).
    :return: the indicators in the plan's order (process, output, outcome, by position),
        those without values included.
    :raise LookupError: for an unknown objective.
    """
    if session.get(Objective, (plan_id, objective_id)) is None:
        raise LookupError(f"unknown objective {objective_id!r}")
    return plan_indicator_series(session, plan_id, [objective_id],
                                 include_questionnaire=include_questionnaire)[objective_id]


def plan_indicator_series(session: Session, plan_id: int, objective_ids: list[str] | None = None, *,
                          include_questionnaire: bool = False) -> dict[str, list[IndicatorSeries]]:
    """Return :func:`indicator_series` for many objectives at once (all by default), by objective id.

    Objectives come by chapter (8.2 ... 10.1), then id; each maps to its indicators, possibly none.
    """
    query = select(Indicator).where(Indicator.plan_id == plan_id)
    if objective_ids is not None:
        query = query.where(Indicator.objective_id.in_(objective_ids))
    if not include_questionnaire:
        query = query.where(Indicator.via_questionnaire.is_(False))
    indicators = list(session.scalars(query))
    values = (select(IndicatorValue).options(joinedload(IndicatorValue.ambito), joinedload(IndicatorValue.comune))
              .where(IndicatorValue.plan_id == plan_id))
    if objective_ids is not None:
        values = values.join(IndicatorValue.indicator).where(Indicator.objective_id.in_(objective_ids))
    by_indicator: dict[str, list[IndicatorValue]] = defaultdict(list)
    for value in session.scalars(values):
        by_indicator[value.indicator_id].append(value)
    carried = _predecessor_values(session, [i for i in indicators if i.predecessor_plan_id is not None])
    if objective_ids is None:
        objective_ids_in_order = [o.id for o in sorted(
            session.scalars(select(Objective).where(Objective.plan_id == plan_id)), key=objective_order)]
    else:
        objective_ids_in_order = list(objective_ids)
    # every objective asked for is a key, even one whose indicators are all measured by questionnaire
    found: dict[str, list[IndicatorSeries]] = {oid: [] for oid in objective_ids_in_order}
    for indicator in sorted(indicators, key=_plan_order):
        rows = by_indicator.get(indicator.id, [])
        own = {(v.ambito_id, v.comune_id, v.semester) for v in rows}
        earlier = [(v, title) for v, title in carried.get(indicator.id, [])
                   if (v.ambito_id, v.comune_id, v.semester) not in own]
        found.setdefault(indicator.objective_id, []).append(IndicatorSeries(
            indicator_id=indicator.id, objective_id=indicator.objective_id, kind=indicator.kind,
            position=indicator.position, text=indicator.text, via_questionnaire=indicator.via_questionnaire,
            value_kind=_latest_kind(rows) or _latest_kind([v for v, _title in earlier]),
            series=_series_of(rows, earlier),
        ))
    return found


def _predecessor_values(session: Session, indicators: list[Indicator]) -> dict[str, list[tuple[IndicatorValue, str]]]:
    """The values of each indicator's predecessors, back through every earlier plan, with the
    title of the plan each was recorded in; by the later indicator's id."""
    found: dict[str, list[tuple[IndicatorValue, str]]] = defaultdict(list)
    for indicator in indicators:
        seen: set[tuple[int, str]] = set()
        key = (indicator.predecessor_plan_id, indicator.predecessor_id)
        taken: set[tuple] = set()
        while key[0] is not None and key not in seen:
            seen.add(key)
            previous = session.get(Indicator, key)
            if previous is None:
                break
            plan = session.get(Plan, key[0])
            query = (select(IndicatorValue)
                     .options(joinedload(IndicatorValue.ambito), joinedload(IndicatorValue.comune))
                     .where(IndicatorValue.plan_id == key[0], IndicatorValue.indicator_id == key[1]))
            for value in session.scalars(query):
                scope = (value.ambito_id, value.comune_id, value.semester)
                if scope not in taken:  # a later plan's value of a semester wins over an earlier one's
                    taken.add(scope)
                    found[indicator.id].append((value, plan.title))
            key = (previous.predecessor_plan_id, previous.predecessor_id)
    return found


def objective_order(objective: Objective) -> tuple:
    """Sort key of objectives: by chapter as numbers (8.2 before 10.1), then id."""
    return tuple(int(part) if part.isdigit() else 0 for part in objective.chapter.split(".")), objective.id


def _plan_order(indicator: Indicator):
    return indicator.objective_id, INDICATOR_KINDS.index(indicator.kind), indicator.position


def _latest_kind(rows: list[IndicatorValue]) -> str | None:
    if not rows:
        return None
    return max(rows, key=lambda v: (v.semester, v.updated_at)).value_kind


def _series_of(rows: list[IndicatorValue],
               earlier: list[tuple[IndicatorValue, str]] = ()) -> tuple[Series, ...]:
    """The series by scope of *rows*, continuing the *earlier* plans' values (value, plan title)."""
    scopes: dict[tuple, list[tuple[IndicatorValue, str | None]]] = defaultdict(list)
    for row, carried_from in [(row, None) for row in rows] + list(earlier):
        scopes[(row.ambito_id, row.comune_id)].append((row, carried_from))
    series = []
    for (ambito_id, comune_id), scoped in scopes.items():
        first = scoped[0][0]
        series.append(Series(
            ambito_id=ambito_id, ambito_name=first.ambito.name, comune_id=comune_id,
            comune_code=first.comune.code if first.comune else None,
            comune_name=first.comune.name if first.comune else None,
            points=tuple(point_of(v, carried_from)
                         for v, carried_from in sorted(scoped, key=lambda pair: pair[0].semester)),
        ))
    series.sort(key=lambda s: (s.ambito_name, s.comune_id is not None, s.comune_name or ""))
    return tuple(series)


def point_of(value: IndicatorValue, carried_from: str | None = None) -> Point:
    """A stored value as a :class:`Point` (*carried_from*: the earlier plan it comes from)."""
    return Point(value_id=value.id, semester=value.semester, kind=value.value_kind, value=value.value,
                 source=value.source, note=value.note, revision=value.revision,
                 created_at=value.created_at, updated_at=value.updated_at, carried_from=carried_from)


# --- pages, forms and files --------------------------------------------------------------------

@dataclass(frozen=True)
class ObjectiveOverview:
    """An objective with how many of its indicators have semestral values."""

    id: str
    chapter: str
    title: str
    #: indicators that take semestral values (not by questionnaire)
    indicators: int
    #: of which with at least one value
    with_values: int
    #: the latest semester with a value, if any
    latest_semester: str | None


def objectives_overview(session: Session, plan_id: int) -> list[ObjectiveOverview]:
    """Every objective of the plan with its count of indicators and of those with values."""
    counts: dict[str, int] = defaultdict(int)
    for objective_id in session.scalars(select(Indicator.objective_id).where(
            Indicator.plan_id == plan_id, Indicator.via_questionnaire.is_(False))):
        counts[objective_id] += 1
    filled: dict[str, set[str]] = defaultdict(set)
    latest: dict[str, str] = {}
    rows = session.execute(
        select(Indicator.objective_id, IndicatorValue.indicator_id, IndicatorValue.semester)
        .join(IndicatorValue.indicator).where(IndicatorValue.plan_id == plan_id))
    for objective_id, indicator_id, semester in rows:
        filled[objective_id].add(indicator_id)
        latest[objective_id] = max(latest.get(objective_id, semester), semester)
    objectives = sorted(session.scalars(select(Objective).where(Objective.plan_id == plan_id)),
                        key=objective_order)
    return [ObjectiveOverview(o.id, o.chapter, o.title, counts[o.id], len(filled[o.id]), latest.get(o.id))
            for o in objectives]


def import_catalog(session: Session, plan: Plan, today: date) -> Catalog:
    """What a form or file is checked against: the plan's indicators and its Ambito's comuni."""
    indicators = dict(session.execute(select(Indicator.id, Indicator.via_questionnaire)
                                      .where(Indicator.plan_id == plan.id)).all())
    comuni = dict(session.execute(select(Comune.code, Comune.name).where(Comune.ambito_id == plan.ambito_id)).all())
    return Catalog(indicators=indicators, comuni=comuni, today=today)


def recordable_indicators(session: Session, plan_id: int) -> list[Indicator]:
    """The indicators that take semestral values, in the plan's order, with their objective."""
    query = (select(Indicator).options(joinedload(Indicator.objective))
             .where(Indicator.plan_id == plan_id, Indicator.via_questionnaire.is_(False)))
    return sorted(session.scalars(query), key=lambda i: (objective_order(i.objective), *_plan_order(i)))


def kinds_in_use(session: Session, plan_id: int) -> dict[str, str]:
    """Indicator id -> the kind of its latest value in the plan."""
    rows = session.execute(
        select(IndicatorValue.indicator_id, IndicatorValue.value_kind)
        .where(IndicatorValue.plan_id == plan_id)
        .order_by(IndicatorValue.semester, IndicatorValue.updated_at))
    return dict(rows.all())


def template_rows(session: Session, plan_id: int) -> list[TemplateRow]:
    """Every indicator that takes semestral values, with its kind in use or suggested."""
    in_use = kinds_in_use(session, plan_id)
    return [TemplateRow(i.id, i.objective.title, i.text, in_use.get(i.id) or suggest_kind(i.text))
            for i in recordable_indicators(session, plan_id)]


def find_value(session: Session, plan_id: int, indicator_id: str, semester: str,
               comune_id: int | None) -> IndicatorValue | None:
    """The stored value of an indicator of a plan in a semester and scope, if any."""
    query = select(IndicatorValue).where(
        IndicatorValue.plan_id == plan_id, IndicatorValue.indicator_id == indicator_id,
        IndicatorValue.semester == semester,
        IndicatorValue.comune_id.is_(None) if comune_id is None else IndicatorValue.comune_id == comune_id)
    return session.scalar(query)


def value_history(session: Session, value_id: int) -> list[AuditEvent]:
    """The audit events of a value (recorded, corrected, imported), oldest first.

    Only those after the last deletion of a value with this id: SQLite may give a deleted
    value's id to the next one, whose history starts afresh.
    """
    query = (select(AuditEvent)
             .where(AuditEvent.target_type == IndicatorValue.__name__, AuditEvent.target_id == str(value_id))
             .order_by(AuditEvent.occurred_at, AuditEvent.id))
    events = list(session.scalars(query))
    deletions = [i for i, event in enumerate(events) if event.action == "indicator.delete"]
    return events[deletions[-1] + 1:] if deletions else events

