"""Which rounds give a questionnaire indicator of a plan its verdict and its comparison.

For each indicator measured by questionnaire, the plan's verdict reads one round (the
*after*) and its before/after comparison pairs it with another (the *before*). By default
(:func:`default_designation`) both are derived from the kinds of the plan's **closed** rounds
of the questionnaires linked to the indicator -- never an open one, never a follow-up:

* *after*: the latest *ex post*; without one, the latest *in itinere* (a provisional value);
* *before*: for a panel round, the earliest other round of the same panel (the people who
  answered both); otherwise the earliest *ex ante*, else the earliest *in itinere* before
  the *after*; without either, the *after* round of the same indicator in the previous plan
  (its predecessor): the *ex post* of one period is the *ex ante* of the next.

Rounds covering the whole Ambito come before rounds limited to a comune or a service, and
the *before* is taken in the *after*'s scope when there is one. An evaluator may replace the
default with an explicit :class:`~survey_app.models.RoundDesignation` (audited), which may
name any round of the plan's Ambito, follow-ups included.

Pure functions over :class:`RoundFacts`: the same rules serve the report, the pages and the
tests, with no database or Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RoundFacts:
    """What the rules need to know of a round."""

    id: int
    kind: str
    #: ``closed`` when no more answers are accepted (status closed, or past its closing time)
    closed: bool
    when: datetime
    questionnaire_id: str
    comune_id: int | None = None
    service: str | None = None
    panel_id: int | None = None
    is_follow_up: bool = False

    @property
    def whole_scope(self) -> bool:
        return self.comune_id is None and self.service is None

    @property
    def scope(self) -> tuple:
        return (self.comune_id, self.service)


@dataclass(frozen=True)
class Designation:
    """The rounds of one indicator, and where they come from."""

    after: RoundFacts | None
    before: RoundFacts | None
    #: ``default`` (derived by the rules), ``explicit`` (chosen by an evaluator),
    #: ``predecessor`` (default, the *before* carried forward from the previous plan)
    origin: str = "default"

    @property
    def round_ids(self) -> tuple[int | None, int | None]:
        return (self.before.id if self.before else None, self.after.id if self.after else None)


def _ordered(rounds: list[RoundFacts]) -> list[RoundFacts]:
    return sorted(rounds, key=lambda r: (r.when, r.id))


def _prefer_whole(rounds: list[RoundFacts]) -> list[RoundFacts]:
    whole = [r for r in rounds if r.whole_scope]
    return whole or rounds


def default_after(rounds: list[RoundFacts]) -> RoundFacts | None:
    """The latest closed *ex post*, else the latest closed *in itinere* (whole scope first)."""
    eligible = [r for r in rounds if r.closed and not r.is_follow_up]
    for kind in ("ex-post", "in-itinere"):
        of_kind = _prefer_whole([r for r in eligible if r.kind == kind])
        if of_kind:
            return _ordered(of_kind)[-1]
    return None


def default_before(rounds: list[RoundFacts], after: RoundFacts | None) -> RoundFacts | None:
    """The baseline of *after* among *rounds* (see the module's rules), or ``None``."""
    if after is None:
        return None
    eligible = [r for r in rounds if r.closed and not r.is_follow_up and r.id != after.id
                and (r.when, r.id) < (after.when, after.id)]
    if after.panel_id is not None:
        same_panel = [r for r in eligible if r.panel_id == after.panel_id]
        if same_panel:
            return _ordered(same_panel)[0]
    kinds = ("ex-ante", "in-itinere") if after.kind == "ex-post" else ("ex-ante",)
    for kind in kinds:
        of_kind = [r for r in eligible if r.kind == kind and r.panel_id is None]
        in_scope = [r for r in of_kind if r.scope == after.scope]
        if in_scope or of_kind:
            return _ordered(in_scope or _prefer_whole(of_kind))[0]
    return None


def default_designation(rounds: list[RoundFacts], predecessor_after: RoundFacts | None = None) -> Designation:
    """The default rounds of an indicator from its plan's rounds (and its predecessor's *after*)."""
    after = default_after(rounds)
    before = default_before(rounds, after)
    if after is not None and before is None and predecessor_after is not None:
        return Designation(after, predecessor_after, "predecessor")
    return Designation(after, before, "default")


def designation_for(rounds: list[RoundFacts], explicit: tuple[int | None, int | None] | None,
                    predecessor_after: RoundFacts | None = None,
                    known: dict[int, RoundFacts] | None = None) -> Designation:
    """The explicit designation ``(before_id, after_id)`` when there is one, else the default.

    *known* maps round ids to facts for rounds outside *rounds* (another plan's, follow-ups).
    """
    if explicit is None:
        return default_designation(rounds, predecessor_after)
    by_id = {r.id: r for r in rounds} | (known or {})
    before_id, after_id = explicit
    return Designation(by_id.get(after_id) if after_id else None,
                       by_id.get(before_id) if before_id else None, "explicit")
