"""Write and read operations on panels and their codes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app import audit
from survey_app.models import Ambito, Panel, PanelCode, Response, User
from survey_app.panels.codes import CodeFormatError, code_hash, generate_code, normalise

MAX_CODES_PER_BATCH = 500


class PanelCodeRejected(ValueError):
    """The code cannot be used; ``reason`` is ``format`` (a typo) or ``unusable``.

    ``unusable`` covers unknown, other-panel and already-used codes alike, so a guesser
    learns nothing from the answer.
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def create_panel(session: Session, ambito: Ambito, label: str, *, actor: User | str) -> Panel:
    """Create a panel (not committed)."""
    panel = Panel(ambito=ambito, label=label.strip()[:120])
    session.add(panel)
    session.flush()
    audit.record(session, actor, "panel.create", panel, label=panel.label)
    return panel


def issue_codes(session: Session, panel: Panel, count: int, *, actor: User | str) -> list[str]:
    """Create *count* new codes for *panel*, store their hashes and return the codes (not committed).

    The plain codes exist only in the return value: print them now.
    """
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise ValueError(f"between 1 and {MAX_CODES_PER_BATCH} codes at a time")
    codes = [generate_code() for _ in range(count)]
    session.add_all(PanelCode(panel_id=panel.id, code_hash=code_hash(code)) for code in codes)
    session.flush()
    audit.record(session, actor, "panel.codes_issued", panel, count=count)
    return codes


def usable_code(session: Session, panel_id: int, round_id: int, typed: str) -> PanelCode:
    """Return the panel code *typed* if it belongs to *panel_id* and has not answered *round_id*.

    :raise PanelCodeRejected: ``format`` for a typo; ``unusable`` for every other refusal.
    """
    try:
        code = normalise(typed)
    except CodeFormatError as exc:
        raise PanelCodeRejected("format") from exc
    panel_code = session.scalar(select(PanelCode).where(PanelCode.code_hash == code_hash(code)))
    if panel_code is None or panel_code.panel_id != panel_id:
        raise PanelCodeRejected("unusable")
    used = session.scalar(select(Response.id).where(
        Response.round_id == round_id, Response.panel_code_id == panel_code.id))
    if used is not None:
        raise PanelCodeRejected("unusable")
    return panel_code


def panel_for_code(session: Session, typed: str) -> tuple[Panel, str] | None:
    """Return the panel of a well-formed known code and its normalised form, or ``None``."""
    try:
        code = normalise(typed)
    except CodeFormatError:
        return None
    panel_code = session.scalar(select(PanelCode).where(PanelCode.code_hash == code_hash(code)))
    if panel_code is None:
        return None
    return session.get(Panel, panel_code.panel_id), code
