"""Live response counts of a round, for its operators (small counts included: they act on them).

These counts are never published: evaluator outputs apply the n < 5 suppression rule.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.exports import neutralise_cell
from survey_app.localtime import to_local
from survey_app.models import Comune, DistributionPoint, Response, Round
from survey_app.rounds.forms import CHANNEL_LABELS


@dataclass
class RoundMonitoring:
    """Counts of one round's responses, by day and by where they came from."""

    total: int
    expected: int | None
    by_day: list[tuple[date, int]] = field(default_factory=list)
    by_point: list[tuple[str, int]] = field(default_factory=list)
    by_comune: list[tuple[str, int]] = field(default_factory=list)
    by_service: list[tuple[str, int]] = field(default_factory=list)
    by_channel: list[tuple[str, int]] = field(default_factory=list)

    @property
    def response_rate(self) -> float | None:
        return self.total / self.expected if self.expected else None

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "expected": self.expected,
            "response_rate": self.response_rate,
            "by_day": [[d.isoformat(), n] for d, n in self.by_day],
            "by_point": self.by_point,
            "by_comune": self.by_comune,
            "by_service": self.by_service,
            "by_channel": self.by_channel,
        }


def _counts(session: Session, round_id: int, column) -> list[tuple]:
    rows = session.execute(
        select(column, func.count(Response.id)).where(Response.round_id == round_id)
        .group_by(column).order_by(func.count(Response.id).desc(), column)
    )
    return [(value, n) for value, n in rows]


def _by_point(session: Session, round_: Round) -> list[tuple[str, int]]:
    """Count by distribution point; answers typed in by operators count under their channel.

    Typed-in answers carry no point: counting them as "general link" would credit the link with
    paper questionnaires it never saw.
    """
    point_names = {p.id: p.label for p in session.scalars(
        select(DistributionPoint).where(DistributionPoint.round_id == round_.id))}
    rows = session.execute(
        select(Response.distribution_point_id, Response.channel, func.count(Response.id))
        .where(Response.round_id == round_.id)
        .group_by(Response.distribution_point_id, Response.channel))
    counts: Counter[str] = Counter()
    for point_id, channel, n in rows:
        if point_id is not None:
            name = point_names.get(point_id, _("link generale"))
        elif channel == "self":
            name = _("link generale")
        else:
            name = _("inserite da un operatore: %(channel)s", channel=_channel_label(channel))
        counts[name] += n
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def _channel_label(code: str) -> str:
    return str(CHANNEL_LABELS[code]) if code in CHANNEL_LABELS else code


def round_monitoring(session: Session, round_: Round, service_label=lambda s: s) -> RoundMonitoring:
    """Count *round_*'s responses in total, per local day, point, comune, service and channel.

    Labels are in the interface language (Flask-Babel's locale, Italian outside a request).

    :param service_label: turns a service id into the label shown (the questionnaire's).
    """
    hours = _counts(session, round_.id, Response.submitted_hour)
    per_day: Counter[date] = Counter()
    for hour, n in hours:
        per_day[to_local(hour).date()] += n
    comune_names = dict(session.execute(select(Comune.id, Comune.name)).all())
    return RoundMonitoring(
        total=sum(per_day.values()),
        expected=round_.expected_respondents,
        by_day=sorted(per_day.items()),
        by_point=_by_point(session, round_),
        by_comune=[(comune_names.get(cid, _("non indicato")) if cid else _("non indicato"), n)
                   for cid, n in _counts(session, round_.id, Response.comune_id)],
        by_service=[(service_label(s) if s else _("non indicato"), n)
                    for s, n in _counts(session, round_.id, Response.service)],
        by_channel=[(_channel_label(c), n) for c, n in _counts(session, round_.id, Response.channel)],
    )


def monitoring_csv(monitoring: RoundMonitoring) -> str:
    """Return the counts as CSV (``;``-separated, for Italian spreadsheets): group, value, responses."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["gruppo", "valore", "risposte"])
    writer.writerow(["totale", "", monitoring.total])
    for name, rows in (("giorno", [(d.isoformat(), n) for d, n in monitoring.by_day]),
                       ("punto", monitoring.by_point), ("comune", monitoring.by_comune),
                       ("servizio", monitoring.by_service), ("canale", monitoring.by_channel)):
        for value, n in rows:
            writer.writerow([name, neutralise_cell(str(value)), n])
    return out.getvalue()
