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
