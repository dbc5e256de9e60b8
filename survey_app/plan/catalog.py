"""Read the plan catalog (``objectives.json``) into plain Python objects.

Pure module: no Flask, no database. Process and output indicators have no id in the
catalog file, so they get ``<objective>.process-<n>`` and ``<objective>.output-<n>``,
numbered like the catalog's own ``<objective>.outcome-<n>`` ids (from 1, document order).

The same entries are the ``objectives`` of a plan file (:mod:`survey_app.plans.fileformat`),
which may also write a process or output indicator as an object ``{"text", "id"?, "target"?,
"predecessor"?}`` and give any indicator a ``target``, the ``questionnaires`` measuring it and
its ``predecessor`` in the Ambito's previous plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

INDICATOR_KINDS = ("process", "output", "outcome")


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of an objective card."""

    id: str
    objective_id: str
    kind: str
    position: int
    text: str
    via_questionnaire: bool = False
    respondents: str | None = None
    timing: tuple[str, ...] = ()
    questionnaire_basis: str | None = None
    #: the value the plan aims at, as the plan writes it
    target: str | None = None
    #: ``(questionnaire id, measure key or None)``: ``None`` lets the plan file's reader choose
    questionnaires: tuple[tuple[str, str | None], ...] = ()
    #: ``(plan code, indicator id)`` of the same indicator in the previous plan of the Ambito
    predecessor: tuple[str, str] | None = None


@dataclass(frozen=True)
class ObjectiveSpec:
    """One objective card of the plan (chapters 8.2-8.6 and 10.1)."""

    id: str
    chapter: str
    level: str
    macroarea: str
    title: str
    description: str
    targets: tuple[str, ...]
    indicators: tuple[IndicatorSpec, ...]
    #: the whole catalog entry, kept for reports that quote fields not modelled here
    raw: dict = field(repr=False, compare=False, default_factory=dict)


@dataclass(frozen=True)
class PlanCatalog:
    """All objectives and indicators, indexed by id."""

    objectives: dict[str, ObjectiveSpec]
    indicators: dict[str, IndicatorSpec]

    def questionnaire_indicator_ids(self) -> list[str]:
        """Return the ids of every outcome indicator measured by questionnaire, in catalog order."""
        return [i.id for i in self.indicators.values() if i.via_questionnaire]


def _links_of(raw: dict) -> tuple[tuple[str, str | None], ...]:
    return tuple(
        (link, None) if isinstance(link, str) else (link["questionnaire"], link.get("measure"))
        for link in raw.get("questionnaires") or ()
    )


def _predecessor_of(raw: dict) -> tuple[str, str] | None:
    predecessor = raw.get("predecessor")
    return (predecessor["plan"], predecessor["indicator"]) if predecessor else None


def _indicators_of(entry: dict) -> list[IndicatorSpec]:
    objective_id = entry["id"]
    found = []
    for kind in ("process", "output"):
        for n, raw in enumerate(entry.get(f"{kind}_indicators") or [], start=1):
            raw = {"text": raw} if isinstance(raw, str) else raw
            found.append(IndicatorSpec(
                raw.get("id") or f"{objective_id}.{kind}-{n}", objective_id, kind, n, raw["text"],
                target=raw.get("target"), predecessor=_predecessor_of(raw),
            ))
    for n, raw in enumerate(entry.get("outcome_indicators") or [], start=1):
        found.append(
            IndicatorSpec(
                id=raw.get("id") or f"{objective_id}.outcome-{n}",
                objective_id=objective_id,
                kind="outcome",
                position=n,
                text=raw["text"],
                via_questionnaire=bool(raw.get("via_questionnaire")),
                respondents=raw.get("respondents"),
                timing=tuple(raw.get("timing") or ()),
                questionnaire_basis=raw.get("questionnaire_basis"),
                target=raw.get("target"),
                questionnaires=_links_of(raw),
                predecessor=_predecessor_of(raw),
            )
        )
    return found


def parse_catalog(entries: list[dict]) -> PlanCatalog:
    """Build a :class:`PlanCatalog` from the decoded ``objectives.json`` list.

    :raise ValueError: if an objective or indicator id appears twice.
    """
    objectives: dict[str, ObjectiveSpec] = {}
    indicators: dict[str, IndicatorSpec] = {}
    for entry in entries:
        if entry["id"] in objectives:
            raise ValueError(f"objective id {entry['id']!r} appears twice")
        specs = _indicators_of(entry)
        for spec in specs:
            if spec.id in indicators:
                raise ValueError(f"indicator id {spec.id!r} appears twice")
            indicators[spec.id] = spec
        objectives[entry["id"]] = ObjectiveSpec(
            id=entry["id"],
            chapter=entry.get("chapter", ""),
            level=entry.get("level", ""),
            macroarea=entry.get("macroarea", ""),
            title=entry["title"],
            description=entry.get("description", ""),
            targets=tuple(entry.get("target") or ()),
            indicators=tuple(specs),
            raw=entry,
        )
    return PlanCatalog(objectives, indicators)


def load_catalog(path: str | Path) -> PlanCatalog:
    """Read and parse ``objectives.json`` at *path*."""
    with open(path, encoding="utf-8") as fh:
        return parse_catalog(json.load(fh))
