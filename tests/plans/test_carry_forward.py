"""The cycle of chapter 9: the *ex post* of one plan is the *ex ante* of the next.

The shipped 2025-2027 example names predecessors in the 2021-2023 plan; here the earlier
plan's results become the new plan's baseline: the before of its comparisons and verdicts,
and the start of its semestral series, on the pages and in the report.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from conftest import shipped_plan
from survey_app.db import get_session
from survey_app.demo import load_example_plans
from survey_app.indicators.importing import ValueRow
from survey_app.indicators.operations import record_value
from survey_app.indicators.queries import indicator_series
from survey_app.models import Ambito, Plan
from survey_app.plans.queries import indicator_designations
from survey_app.questionnaires.definition import DEFAULT_DIRECTORY
from survey_app.reports import build
from survey_app.reports.formatting import designation_text
from survey_app.rounds.operations import open_round

from reports.helpers import add_responses

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

OLD_TITLE = "Piano di Zona 2021-2023"
#: the new plan's indicators and the 2021-2023 ones they continue (the example file's predecessors)
TAKEN_IN_CHARGE = "persona-al-centro.output-1"  # semestral, predecessor persona-al-centro.output-1
SATISFACTION = "persona-al-centro.outcome-1"  # by questionnaire, predecessor persona-al-centro.outcome-3


@pytest.fixture
def plans(app):
    """Alto Sebino's 2021-2023 plan and the 2025-2027 example, loaded as ``plans import`` does."""
    with app.app_context():
        session = get_session()
        load_example_plans(session, DEFAULT_DIRECTORY)
        session.commit()
        alto = session.scalar(select(Ambito).where(Ambito.code == "alto-sebino"))
        new = session.scalar(select(Plan).where(Plan.ambito_id == alto.id, Plan.code == "pdz-2025-2027"))
        return shipped_plan(session).id, new.id


def _closed_round(app, plan_id, kind, opens):
    with app.app_context():
        session = get_session()
        round_ = open_round(session, "persona-al-centro", kind, ambito_code="alto-sebino",
                            plan=session.get(Plan, plan_id), opens_at=opens,
                            closes_at=datetime(opens.year, opens.month, 28), status="closed")
        session.commit()
        return round_.id


def test_the_series_continues_the_predecessors_values(app, plans):
    old_id, new_id = plans
    with app.app_context():
        session = get_session()
        for plan_id, semester, number in ((old_id, "2022-H1", 120), (old_id, "2022-H2", 134), (new_id, "2025-H1", 150)):
            record_value(session, session.get(Plan, plan_id),
                         ValueRow(TAKEN_IN_CHARGE, semester, None, "number", number), actor="test")
        session.commit()
        new = next(s for s in indicator_series(session, new_id, "persona-al-centro") if s.indicator_id == TAKEN_IN_CHARGE)
        old = next(s for s in indicator_series(session, old_id, "persona-al-centro") if s.indicator_id == TAKEN_IN_CHARGE)
    points = new.total.points
    assert [(p.semester, p.value, p.carried_from) for p in points] == [
        ("2022-H1", 120, OLD_TITLE), ("2022-H2", 134, OLD_TITLE), ("2025-H1", 150, None)]
    assert (new.trend.direction, new.trend.change, new.trend.previous.semester) == ("up", 16, "2022-H2")
    # the earlier plan's own series never takes the later plan's values
    assert [p.semester for p in old.total.points] == ["2022-H1", "2022-H2"]


def test_the_objective_page_marks_carried_values_and_offers_no_correction_for_them(app, plans, as_role):
    old_id, new_id = plans
    with app.app_context():
        session = get_session()
        record_value(session, session.get(Plan, old_id), ValueRow(TAKEN_IN_CHARGE, "2022-H2", None, "number", 134),
                     actor="test")
        record_value(session, session.get(Plan, new_id), ValueRow(TAKEN_IN_CHARGE, "2025-H1", None, "number", 150),
                     actor="test")
        session.commit()
    page = as_role("operator").get(f"/indicatori/obiettivo?id=persona-al-centro&piano={new_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"(dal {OLD_TITLE})" in html
    assert "Correggi<span class=\"visually-hidden\"> 2025-H1" in html
    assert "Correggi<span class=\"visually-hidden\"> 2022-H2" not in html


def test_the_previous_plans_ex_post_is_the_before_of_the_new_plans_verdict(app, plans):
    old_id, new_id = plans
    old_after = _closed_round(app, old_id, "ex-post", datetime(2023, 9, 4))
    new_after = _closed_round(app, new_id, "ex-post", datetime(2026, 9, 7))
    add_responses(app, old_after, 40, seed=1, shift=-0.6)
    add_responses(app, new_after, 40, seed=2, shift=0.6)
    with app.app_context():
        session = get_session()
        new = session.get(Plan, new_id)
        designation = indicator_designations(session, new)[SATISFACTION]
        assert (designation.round_ids, designation.origin) == ((old_after, new_after), "predecessor")
        data = build.objective_data(session, new, "persona-al-centro", build.payload_source(session))
        indicator = next(i for i in data.indicators if i.id == SATISFACTION)
        comparisons = [(c.before.id, c.after.id) for q in data.questionnaires for c in q.comparisons]
    # the report names the rounds: the earlier plan's ex post as the «prima»
    said = designation_text(indicator.rounds)
    assert said.startswith("Prima: ") and f"; {OLD_TITLE})" in said.split("; Dopo:")[0], said
    assert said.endswith("(rilevazioni predefinite; «prima» dal Piano precedente)"), said
    # and the before/after comparison of the new plan is with that round
    assert (old_after, new_after) in comparisons


def test_without_a_predecessor_result_the_new_plan_has_no_before(app, plans):
    _old_id, new_id = plans
    new_after = _closed_round(app, new_id, "ex-post", datetime(2026, 9, 7))
    add_responses(app, new_after, 20, seed=2)
    with app.app_context():
        designation = indicator_designations(get_session(), get_session().get(Plan, new_id))[SATISFACTION]
    assert (designation.round_ids, designation.origin) == ((None, new_after), "default")
