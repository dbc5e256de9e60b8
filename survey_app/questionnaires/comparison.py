"""What changed between two versions of a questionnaire: its statements, and the other parts.

Pure module: two definitions in, a :class:`Comparison` out. Statements are matched by item id,
the name that carries an answer from one version to the next (results compare a statement
across rounds by it), so a statement whose text changed is *changed*, not removed and added.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from survey_app.questionnaires.definition import DEFAULT_LANGUAGE

#: the parts of a definition besides its statements, in the order a respondent meets them
OTHER_PARTS = ("title", "organisation", "introduction", "privacy_notice", "estimated_minutes", "scales",
               "context", "comment", "measures", "indicators", "objective", "respondents")


@dataclass(frozen=True)
class StatementChange:
    """One statement of the new version (or a removed one of the old), and what happened to it."""

    item_id: str
    #: ``added``, ``removed``, ``changed`` or ``unchanged``
    status: str
    dimension: str
    text: str
    #: the old Italian text, for a changed statement whose Italian text changed
    old_text: str | None = None
    #: what else changed: ``scale``, ``reverse``, ``required``, or language codes whose text changed
    details: tuple[str, ...] = ()


@dataclass
class Comparison:
    """The statements of both versions, in the new version's order with removed ones last."""

    statements: list[StatementChange] = field(default_factory=list)
    #: names from :data:`OTHER_PARTS` and ``dimensions`` (titles, order) that differ
    other_parts: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for s in self.statements if s.status == status)

    @property
    def unchanged(self) -> bool:
        return not self.other_parts and all(s.status == "unchanged" for s in self.statements)


def _items(definition: dict) -> dict[str, tuple[dict, dict]]:
    """Item id -> (item, its dimension), in document order."""
    return {item["id"]: (item, dimension) for dimension in definition["dimensions"] for item in dimension["items"]}


def _scale_of(item: dict, dimension: dict) -> str:
    return item.get("scale") or dimension.get("scale")


def compare(old: dict, new: dict) -> Comparison:
    """Compare definition *new* with *old* (the version it replaces)."""
    result = Comparison()
    before, after = _items(old), _items(new)
    for item_id, (item, dimension) in after.items():
        text = item["text"][DEFAULT_LANGUAGE]
        title = dimension["title"][DEFAULT_LANGUAGE]
        if item_id not in before:
            result.statements.append(StatementChange(item_id, "added", title, text))
            continue
        old_item, old_dimension = before[item_id]
        details = []
        if _scale_of(item, dimension) != _scale_of(old_item, old_dimension):
            details.append("scale")
        for flag, default in (("reverse", False), ("required", True)):
            if item.get(flag, default) != old_item.get(flag, default):
                details.append(flag)
        languages = sorted(set(item["text"]) | set(old_item["text"]))
        details += [code for code in languages
                    if code != DEFAULT_LANGUAGE and item["text"].get(code) != old_item["text"].get(code)]
        old_text = old_item["text"][DEFAULT_LANGUAGE]
        changed = old_text != text or details or old_dimension["id"] != dimension["id"]
        result.statements.append(StatementChange(
            item_id, "changed" if changed else "unchanged", title, text,
            old_text=old_text if old_text != text else None, details=tuple(details)))
    for item_id, (item, dimension) in before.items():
        if item_id not in after:
            result.statements.append(StatementChange(item_id, "removed", dimension["title"][DEFAULT_LANGUAGE],
                                                     item["text"][DEFAULT_LANGUAGE]))
    result.other_parts = [part for part in OTHER_PARTS if old.get(part) != new.get(part)]
    if [(d["id"], d["title"], d.get("scale")) for d in old["dimensions"]] != \
            [(d["id"], d["title"], d.get("scale")) for d in new["dimensions"]]:
        result.other_parts.append("dimensions")
    return result
