"""The declarative base shared by every model, and time helpers.

All times are stored as naive UTC datetimes, the common ground of SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# stable constraint names, so migrations can alter them on SQLite and PostgreSQL alike
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every survey_app model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the current time as a naive UTC datetime."""
    return datetime.now(UTC).replace(tzinfo=None)


def quoted_values(values) -> str:
    """Return ``'a', 'b'`` for a CHECK constraint listing allowed values."""
    return ", ".join(f"'{value}'" for value in values)
