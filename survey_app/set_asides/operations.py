"""Write operations on set-asides: set responses aside from the analysis, and bring them back.

Both are audited (who, when, what, why) and change the results' fingerprints, so cached
results are recomputed. Nothing here touches a response.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from survey_app import audit
from survey_app.models import DistributionPoint, Round, SetAside, User, utcnow
from survey_app.models.set_asides import MAX_REASON_LENGTH


class SetAsideError(ValueError):
    """A set-aside cannot be made or revoked as asked; the message says why, in plain words."""


def set_aside(session: Session, round_: Round, *, reason: str, window: tuple[datetime, datetime] | None = None,
              point: DistributionPoint | None = None, actor: User | str) -> SetAside:
    """Set aside the responses of *round_* received in *window* (whole UTC hours, end excluded),
    through *point*, or both (not committed).

    :raise SetAsideError: without a reason, with neither a window nor a point, with a window
        that ends before it starts or is not in whole hours, or with another round's point.
    """
    reason = (reason or "").strip()
    if not reason:
        raise SetAsideError(_("Scrivi il motivo: resta nel registro attività."))
    if len(reason) > MAX_REASON_LENGTH:
        raise SetAsideError(_("Il motivo supera %(n)d caratteri.", n=MAX_REASON_LENGTH))
    if window is None and point is None:
        raise SetAsideError(_("Indica un intervallo di ore, un punto di distribuzione o entrambi."))
    if point is not None and point.round_id != round_.id:
        raise SetAsideError(_("Il punto di distribuzione non è di questa rilevazione."))
    if window is not None:
        start, end = window
        if any(moment.minute or moment.second or moment.microsecond for moment in window):
            raise SetAsideError(_("L'intervallo va indicato in ore intere."))
        if end <= start:
            raise SetAsideError(_("La fine dell'intervallo deve venire dopo l'inizio."))
    row = SetAside(round_id=round_.id, window_start=window[0] if window else None,
                   window_end=window[1] if window else None, point=point, reason=reason,
                   created_by_id=actor.id if isinstance(actor, User) else None,
                   created_by=actor.email if isinstance(actor, User) else str(actor))
    session.add(row)
    session.flush()
    audit.record(session, actor, "responses.set_aside", round_, set_aside=row.id, reason=reason,
                 window_start=row.window_start.isoformat() if row.window_start else None,
                 window_end=row.window_end.isoformat() if row.window_end else None,
                 point=point.label if point else None)
    return row


def revoke(session: Session, row: SetAside, *, actor: User | str) -> SetAside:
    """Bring the responses of *row* back into the analysis (not committed); the row is kept.

    :raise SetAsideError: when it was already revoked.
    """
    if row.revoked_at is not None:
        raise SetAsideError(_("Queste risposte sono già state riammesse."))
    row.revoked_at = utcnow()
    row.revoked_by = actor.email if isinstance(actor, User) else str(actor)
    audit.record(session, actor, "responses.set_aside_revoked", session.get(Round, row.round_id),
                 set_aside=row.id, reason=row.reason)
    return row
