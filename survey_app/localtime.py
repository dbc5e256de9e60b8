"""The district's local time: times are stored in naive UTC and shown or entered in Europe/Rome."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DISTRICT_TIME_ZONE = ZoneInfo("Europe/Rome")
UTC = ZoneInfo("UTC")


def to_local(naive_utc: datetime) -> datetime:
    """Return a stored (naive UTC) time in the district's time zone."""
    return naive_utc.replace(tzinfo=UTC).astimezone(DISTRICT_TIME_ZONE)


def day_start_utc(day: date | None) -> datetime | None:
    """Return the naive UTC instant at which local *day* begins (``None`` for ``None``)."""
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=DISTRICT_TIME_ZONE).astimezone(UTC).replace(tzinfo=None)


def day_end_utc(day: date | None) -> datetime | None:
    """Return the naive UTC instant at which local *day* ends (the next local midnight)."""
    return day_start_utc(day + timedelta(days=1)) if day is not None else None


def last_local_day(closes_at: datetime | None) -> date | None:
    """Return the last local day before a (naive UTC) closing time, the date to print."""
    if closes_at is None:
        return None
    return (to_local(closes_at) - timedelta(microseconds=1)).date()


def local_to_utc(naive_local: datetime) -> datetime:
    """Return the naive UTC instant of a time typed in the district's time zone."""
    return naive_local.replace(tzinfo=DISTRICT_TIME_ZONE).astimezone(UTC).replace(tzinfo=None)


def is_local_midnight(naive_utc: datetime) -> bool:
    """Tell whether a stored (naive UTC) time falls on a local midnight, a day boundary."""
    return to_local(naive_utc).time() == time.min


def shown_day(naive_utc: datetime, *, closing: bool) -> tuple[date, bool]:
    """Return the local day to show for an opening or closing time, and whether it is a whole day.

    Closing dates are stored as the instant the round stops accepting answers: the local
    midnight after the last day (see :func:`day_end_utc`). Shown to people, that is the last
    day itself ("30 giugno", not "1 luglio, 00:00"). A time that is not a local midnight (set
    from the command line, say) is shown with its hour: the second value is then ``False``.
    """
    if is_local_midnight(naive_utc):
        return (last_local_day(naive_utc) if closing else to_local(naive_utc).date()), True
    return to_local(naive_utc).date(), False
