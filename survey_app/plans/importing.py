"""Storing a checked plan file: a new plan, or the changes to one already loaded.

Operations: the caller commits (or rolls back) the session. Nothing is written unless the
whole file can be stored: every check runs first and :class:`PlanImportRejected` lists
every problem; ``dry_run`` stops there, after working out what would change.

Re-importing the file of a plan already loaded (same Ambito, same code) depends on the
stored plan's status:

* ``draft``: objectives, indicators and questionnaire links are made to match the file;
* ``in_force``: the same, keeping ids stable (an indicator in both is updated in place), and
  every change is recorded in the audit log (``plan.update``, with what changed);
* ``closed``: refused.

In both of the first two cases an indicator (or a questionnaire link) the file no longer has
is refused while anything uses it: semestral values, round designations, an indicator of a
later plan naming it as predecessor, rounds of the plan on the linked questionnaire.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.audit import record
from survey_app.models import (
    Ambito,
    Comune,
    Indicator,
    IndicatorValue,
    Objective,
    Plan,
    QuestionnaireLink,
    QuestionnaireVersion,
    Round,
    RoundDesignation,
    utcnow,
)
from survey_app.plan.operations import slugify
from survey_app.plans.fileformat import INDICATOR_FIELDS, ParsedPlan, Problem

#: the plan's own fields, as the header and the model name them
HEADER_FIELDS = ("title", "first_year", "last_year", "status", "approval_act", "document_url")
OBJECTIVE_COLUMNS = ("chapter", "level", "macroarea", "title", "description", "detail")
INDICATOR_COLUMNS = ("objective_id", "kind", "position", "text", "target", "via_questionnaire", "respondents",
                     "timing", "predecessor_plan_id", "predecessor_id")
#: the order a plan moves in; a file may move it forward, never back
STATUS_ORDER = {"draft": 0, "in_force": 1, "closed": 2}


class PlanImportRejected(ValueError):
    """The plan cannot be stored; ``problems`` says why, each as one line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Changes:
    """What an import adds, changes and removes, by kind of row."""

    header: dict = field(default_factory=dict)
    objectives: dict = field(default_factory=lambda: {"added": [], "changed": {}, "removed": []})
    indicators: dict = field(default_factory=lambda: {"added": [], "changed": {}, "removed": []})
    links: dict = field(default_factory=lambda: {"added": [], "changed": {}, "removed": []})

    def __bool__(self) -> bool:
        return bool(self.header) or any(any(part.values()) for part in (self.objectives, self.indicators, self.links))

    def as_detail(self) -> dict:
        """The changes for the audit log, leaving out the empty parts."""
        detail = {"header": self.header} if self.header else {}
        for name in ("objectives", "indicators", "links"):
            part = {k: v for k, v in getattr(self, name).items() if v}
            if part:
                detail[name] = part
        return detail


@dataclass
class ImportSummary:
    """What :func:`import_plan` stored (or, with ``dry_run``, would store)."""

    plan: Plan | None
    created: bool
    changes: Changes
    objectives: int
    indicators: int
    links: int
    dry_run: bool = False


def _rows_of(parsed: ParsedPlan, predecessors: dict[tuple[str, str], int]) -> tuple[dict, dict, dict]:
    """The objective, indicator and link columns the file asks for, by id."""
    objectives = {}
    for entry in parsed.entries:
        spec = parsed.catalog.objectives[entry["id"]]
        objectives[spec.id] = {"chapter": spec.chapter, "level": spec.level, "macroarea": spec.macroarea,
                               "title": spec.title, "description": spec.description, "detail": entry}
    indicators = {}
    for spec in parsed.catalog.indicators.values():
        predecessor_plan = predecessors.get(spec.predecessor) if spec.predecessor else None
        indicators[spec.id] = {
            "objective_id": spec.objective_id, "kind": spec.kind, "position": spec.position, "text": spec.text,
            "target": spec.target, "via_questionnaire": spec.via_questionnaire, "respondents": spec.respondents,
            "timing": list(spec.timing), "predecessor_plan_id": predecessor_plan,
            "predecessor_id": spec.predecessor[1] if spec.predecessor else None,
        }
    links = {(link.indicator_id, link.questionnaire_id): {"measure": link.measure} for link in parsed.links}
    return objectives, indicators, links


def _compared(name: str, value):
    """What of a column counts as a change: an objective's detail repeats its indicators' columns, which
    count as changes of the indicators; only their other keys (``group``, ``source_line``...) count here."""
    if name != "detail":
        return value
    compared, extras = {}, {}
    for key, item in (value or {}).items():
        if key.endswith("_indicators") and isinstance(item, list):
            for n, entry in enumerate(item):
                extra = {f: x for f, x in entry.items() if f not in INDICATOR_FIELDS} if isinstance(entry, dict) else {}
                if extra:
                    extras[(key, entry.get("id", n))] = extra
        else:
            compared[key] = item
    return compared, extras


def _diff(stored: dict, wanted: dict, part: dict, key=str) -> None:
    for ident, values in wanted.items():
        if ident not in stored:
            part["added"].append(key(ident))
            continue
        changed = {name: [stored[ident][name], value] for name, value in values.items()
                   if _compared(name, stored[ident][name]) != _compared(name, value)}
        if changed:
            # the detail is the whole file entry: say that it changed, not both copies
            part["changed"][key(ident)] = {n: (v if n != "detail" else "…") for n, v in changed.items()}
    part["removed"].extend(key(ident) for ident in stored if ident not in wanted)


def _link_key(ident: tuple[str, str]) -> str:
    return f"{ident[0]} ← {ident[1]}"


def _check_predecessors(session: Session, ambito: Ambito, parsed: ParsedPlan, plan: Plan | None
                        ) -> tuple[dict[tuple[str, str], int], list[Problem]]:
    problems, found = [], {}
    plans = {p.code: p for p in session.scalars(select(Plan).where(Plan.ambito_id == ambito.id))}
    for spec in parsed.catalog.indicators.values():
        if not spec.predecessor:
            continue
        code, indicator_id = spec.predecessor
        path = parsed.paths.get(spec.id, "$") + ".predecessor"
        earlier = plans.get(code)
        if earlier is None or (plan is not None and earlier.id == plan.id):
            problems.append(parsed.problem(path, _(
                "predecessore sconosciuto: l'Ambito %(ambito)s non ha un piano «%(code)s»; i suoi piani sono %(codes)s",
                ambito=ambito.name, code=code,
                codes=", ".join(sorted(c for c in plans if plan is None or c != plan.code)) or "-")))
            continue
        if earlier.first_year >= parsed.header.first_year:
            problems.append(parsed.problem(path, _(
                "il piano «%(code)s» (%(period)s) non è precedente a questo (%(this)s)",
                code=code, period=f"{earlier.first_year}-{earlier.last_year}", this=parsed.header.period)))
            continue
        if session.get(Indicator, (earlier.id, indicator_id)) is None:
            problems.append(parsed.problem(path, _(
                "predecessore sconosciuto: il piano «%(code)s» non ha l'indicatore «%(id)s»",
                code=code, id=indicator_id)))
            continue
        found[spec.predecessor] = earlier.id
    return found, problems


def _uses_of(session: Session, plan: Plan, indicator_id: str) -> list[str]:
    """What keeps an indicator of *plan* from being removed, in words (empty: nothing)."""
    uses = []
    values = session.scalar(select(func.count()).select_from(IndicatorValue).where(
        IndicatorValue.plan_id == plan.id, IndicatorValue.indicator_id == indicator_id))
    if values:
        uses.append(_("%(n)d valori semestrali", n=values))
    if session.scalar(select(func.count()).select_from(RoundDesignation).where(
            RoundDesignation.plan_id == plan.id, RoundDesignation.indicator_id == indicator_id)):
        uses.append(_("una scelta delle rilevazioni da confrontare"))
    successors = session.scalar(select(func.count()).select_from(Indicator).where(
        Indicator.predecessor_plan_id == plan.id, Indicator.predecessor_id == indicator_id))
    if successors:
        uses.append(_("%(n)d indicatori di piani successivi che lo hanno come predecessore", n=successors))
    return uses


def _rounds_on(session: Session, plan: Plan, questionnaire_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Round).join(QuestionnaireVersion).where(
        Round.plan_id == plan.id, QuestionnaireVersion.questionnaire_id == questionnaire_id)) or 0


def _removal_problems(session: Session, parsed: ParsedPlan, plan: Plan, changes: Changes,
                      stored_links: dict) -> list[Problem]:
    problems = []
    for indicator_id in changes.indicators["removed"]:
        uses = _uses_of(session, plan, indicator_id)
        if uses:
            problems.append(Problem(parsed.source, "", _(
                "l'indicatore «%(id)s» non è più nel file ma non si può togliere: lo usano %(uses)s",
                id=indicator_id, uses=", ".join(uses))))
    for indicator_id, questionnaire_id in stored_links:
        if _link_key((indicator_id, questionnaire_id)) in changes.links["removed"]:
            rounds = _rounds_on(session, plan, questionnaire_id)
            if rounds:
                problems.append(Problem(parsed.source, "", _(
                    "il questionario «%(questionnaire)s» non misura più «%(id)s» nel file, ma il piano ha già "
                    "%(n)d rilevazioni con quel questionario: il collegamento resta necessario",
                    questionnaire=questionnaire_id, id=indicator_id, n=rounds)))
    problems.extend(_qualitative_problems(session, parsed, plan, changes.objectives["removed"]))
    return problems


def _qualitative_problems(session: Session, parsed: ParsedPlan, plan: Plan, removed) -> list[Problem]:
    """An objective with interviews, focus groups, workshops or themes (survey_app.qualitative)
    stays: its evidence would be lost."""
    from survey_app.models.qualitative import QualitativeSession, Theme

    problems = []
    for objective_id in removed:
        used = any(session.scalar(select(func.count()).select_from(model).where(
            model.plan_id == plan.id, model.objective_id == objective_id)) for model in (QualitativeSession, Theme))
        if used:
            problems.append(Problem(parsed.source, "", _(
                "l'obiettivo «%(id)s» non è più nel file ma non si può togliere: ha incontri o temi della "
                "valutazione qualitativa", id=objective_id)))
    return problems


def import_plan(session: Session, ambito: Ambito, parsed: ParsedPlan, *, actor, filename: str | None = None,
                file_format: str = "json", dry_run: bool = False) -> ImportSummary:
    """Store *parsed* as a plan of *ambito*, or update the plan of the same code.

    :param actor: the user, or ``"cli"``, recorded in the audit log.
    :raise PlanImportRejected: with every reason the plan cannot be stored; nothing was written.
    """
    header = parsed.header
    plan = session.scalar(select(Plan).where(Plan.ambito_id == ambito.id, Plan.code == header.code))
    problems: list[Problem] = []
    if plan is not None and plan.status == "closed":
        problems.append(parsed.problem("$.plan.code", _(
            "il piano «%(code)s» dell'Ambito %(ambito)s è chiuso: non si può più modificare reimportandolo",
            code=plan.code, ambito=ambito.name)))
    elif plan is not None and STATUS_ORDER[header.status] < STATUS_ORDER[plan.status]:
        problems.append(parsed.problem("$.plan.status", _(
            "il piano «%(code)s» è già in vigore: non può tornare in bozza", code=plan.code)))
    predecessors, predecessor_problems = _check_predecessors(session, ambito, parsed, plan)
    problems.extend(predecessor_problems)
    wanted_objectives, wanted_indicators, wanted_links = _rows_of(parsed, predecessors)
    changes = Changes()
    stored_objectives, stored_indicators, stored_links = {}, {}, {}
    if plan is not None:
        stored_objectives = {o.id: {c: getattr(o, c) for c in OBJECTIVE_COLUMNS} for o in session.scalars(
            select(Objective).where(Objective.plan_id == plan.id))}
        stored_indicators = {i.id: {c: getattr(i, c) for c in INDICATOR_COLUMNS} for i in session.scalars(
            select(Indicator).where(Indicator.plan_id == plan.id))}
        stored_links = {(k.indicator_id, k.questionnaire_id): {"measure": k.measure} for k in session.scalars(
            select(QuestionnaireLink).where(QuestionnaireLink.plan_id == plan.id))}
        changes.header = {name: [getattr(plan, name), getattr(header, name)] for name in HEADER_FIELDS
                          if getattr(plan, name) != getattr(header, name)}
        _diff(stored_objectives, wanted_objectives, changes.objectives)
        _diff(stored_indicators, wanted_indicators, changes.indicators)
        _diff(stored_links, wanted_links, changes.links, key=_link_key)
        if not problems:
            problems.extend(_removal_problems(session, parsed, plan, changes, stored_links))
    if problems:
        raise PlanImportRejected(problems)
    summary = ImportSummary(plan, plan is None, changes, len(wanted_objectives), len(wanted_indicators),
                            len(wanted_links), dry_run)
    if dry_run:
        return summary
    was_in_force = plan is not None and plan.status == "in_force"
    if plan is None:
        plan = Plan(ambito_id=ambito.id, code=header.code)
        session.add(plan)
    for name in HEADER_FIELDS:
        setattr(plan, name, getattr(header, name))
    plan.updated_at = utcnow()
    session.flush()
    _apply(session, plan, wanted_objectives, wanted_indicators, wanted_links)
    summary.plan = plan
    record(session, actor, "plan.import", plan, file=filename, format=file_format, code=plan.code,
           period=plan.period, status=plan.status, created=summary.created, objectives=summary.objectives,
           indicators=summary.indicators, links=summary.links, changed=bool(changes) if not summary.created else None)
    if was_in_force and changes:
        record(session, actor, "plan.update", plan, file=filename, code=plan.code, **changes.as_detail())
    session.flush()
    return summary


def _apply(session: Session, plan: Plan, objectives: dict, indicators: dict, links: dict) -> None:
    """Make the plan's rows match the file's, in an order the constraints allow."""
    stored_links = {(k.indicator_id, k.questionnaire_id): k for k in session.scalars(
        select(QuestionnaireLink).where(QuestionnaireLink.plan_id == plan.id))}
    stored_indicators = {i.id: i for i in session.scalars(select(Indicator).where(Indicator.plan_id == plan.id))}
    stored_objectives = {o.id: o for o in session.scalars(select(Objective).where(Objective.plan_id == plan.id))}
    for key, link in stored_links.items():
        if key not in links or key[0] not in indicators:
            session.delete(link)
    for ident, indicator in stored_indicators.items():
        if ident not in indicators:
            session.delete(indicator)
    session.flush()
    # positions are unique per objective and kind: move the changed ones out of the way first
    moving = [i for ident, i in stored_indicators.items() if ident in indicators and (
        i.objective_id, i.kind, i.position) != tuple(indicators[ident][c] for c in ("objective_id", "kind", "position"))]
    for n, indicator in enumerate(moving, start=1):
        indicator.position = -n
    session.flush()
    _upsert(session, Objective, plan, stored_objectives, objectives)
    _upsert(session, Indicator, plan, stored_indicators, indicators)
    _upsert(session, QuestionnaireLink, plan, stored_links, links)
    for ident, objective in stored_objectives.items():
        if ident not in objectives:
            session.delete(objective)
    session.flush()


def _upsert(session: Session, model, plan: Plan, stored: dict, wanted: dict) -> None:
    """Update the stored rows of *model* with the file's values, add the new ones, then flush."""
    for ident, values in wanted.items():
        row = stored.get(ident)
        if row is None:
            keys = dict(zip(("indicator_id", "questionnaire_id"), ident)) if isinstance(ident, tuple) else {"id": ident}
            row = model(plan_id=plan.id, **keys)
            session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
    session.flush()


def create_ambito(session: Session, code: str, name: str, comuni: list[str]) -> Ambito:
    """Return the Ambito *code*, creating it with *name* and *comuni* if it does not exist."""
    ambito = session.scalar(select(Ambito).where(Ambito.code == code))
    if ambito is None:
        ambito = Ambito(code=code, name=name)
        session.add(ambito)
    known = {c.code for c in ambito.comuni}
    for comune in comuni:
        if comune.strip() and slugify(comune) not in known:
            ambito.comuni.append(Comune(code=slugify(comune), name=comune.strip()))
            known.add(slugify(comune))
    session.flush()
    return ambito
