"""How reports name and order the plan's objectives (no analysis imported: pages use it too)."""

from __future__ import annotations

from survey_app.models import Objective


def plan_order(objective: Objective) -> tuple:
    """Sort key of objectives as the plan lists them: by chapter (8.2 before 10.1), then by their
    place in the plan's text (kept in the catalog as ``source_lines``), then id."""
    chapter = tuple(int(part) if part.isdigit() else 0 for part in objective.chapter.split("."))
    lines = (objective.detail or {}).get("source_lines") or [10**9]
    return chapter, lines[0], objective.id


def objective_title(objective: Objective) -> str:
    """The objective's title as the plan's synoptic table writes it (not in capitals), if given."""
    return (objective.detail or {}).get("title_synoptic") or objective.title
