"""Fixtures of the report tests (helpers in :mod:`.helpers`)."""

from __future__ import annotations

import pytest

from .helpers import add_responses


@pytest.fixture
def fill(app):
    """``fill(round_id, count, **options)``: see :func:`add_responses`."""
    return lambda round_id, count, **options: add_responses(app, round_id, count, **options)
