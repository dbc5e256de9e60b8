"""Fixtures of the plan tests."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from survey_app.db import get_session


@pytest.fixture
def session(app):
    """The database session of an app context, with messages in Italian as ``flask plans`` prints them."""
    with app.app_context(), force_locale("it"):
        yield get_session()
