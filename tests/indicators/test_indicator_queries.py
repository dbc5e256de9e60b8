"""The read API the report uses: ``indicator_series`` (values by semester and comune, latest, trend)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.indicators.display import sparkline, trend_words
from survey_app.indicators.importing import ValueRow
from survey_app.indicators.operations import record_value
from survey_app.indicators.queries import (
    indicator_series,
    objectives_overview,
    plan_indicator_series,
)
from conftest import give_shipped_plan, shipped_plan

from survey_app.models import Ambito, Comune

OUTPUT_1 = "persona-al-centro.output-1"
OUTCOME_1 = "persona-al-centro.outcome-1"


@pytest.fixture
def filled(app):
    """Values of two indicators, with a gap (2022-H2 missing) and per-comune values."""
    with app.test_request_context():
        session = get_session()
        ambito = shipped_plan(session)
        for semester, value, comune in [("2021-H2", 100, None), ("2022-H1", 110, None), ("2023-H1", 95, None),
                                        ("2022-H1", 30, "lovere"), ("2023-H1", 30, "lovere")]:
            record_value(session, ambito, ValueRow(OUTPUT_1, semester, comune, "number", float(value)),
                         actor="test", via="cli")
        for semester, value in [("2022-H1", 40.0), ("2022-H2", 52.5)]:
            record_value(session, ambito, ValueRow(OUTCOME_1, semester, None, "percent", value), actor="test")
        session.commit()
        return ambito.id  # the plan's id


def test_series_by_semester_and_comune_with_latest_and_trend(app, filled):
    with app.test_request_context():
        series = indicator_series(get_session(), filled, "persona-al-centro")
        by_id = {s.indicator_id: s for s in series}
        kinds = [s.kind for s in series]
        assert kinds == sorted(kinds, key=("process", "output", "outcome").index)
        assert all(not s.via_questionnaire for s in series)
        assert "persona-al-centro.outcome-3" not in by_id

        output = by_id[OUTPUT_1]
        assert output.value_kind == "number"
        assert output.semesters == ("2021-H2", "2022-H1", "2023-H1")
        assert [(p.semester, p.value) for p in output.total.points] == [
            ("2021-H2", 100.0), ("2022-H1", 110.0), ("2023-H1", 95.0)]
        assert output.latest.semester == "2023-H1" and output.latest.value == 95.0
        # the gap: 2023-H1 is compared with the last value before it, 2022-H1
        assert (output.trend.direction, output.trend.change, output.trend.previous.semester) == ("down", -15.0,
                                                                                                 "2022-H1")
        assert trend_words(output.trend) == "in calo di 15 rispetto al 2022-H1"
        lovere = output.comuni[0]
        assert (lovere.comune_code, lovere.comune_name, lovere.trend.direction) == ("lovere", "Lovere", "flat")
        assert lovere.at("2022-H1").value == 30.0 and lovere.at("2021-H2") is None

        outcome = by_id[OUTCOME_1]
        assert outcome.trend.direction == "up" and outcome.trend.change == 12.5
        assert trend_words(outcome.trend) == "in aumento di 12,5 punti percentuali rispetto al 2022-H1"
        assert by_id["persona-al-centro.output-2"].series == () and by_id["persona-al-centro.output-2"].latest is None

        line = sparkline(output.total.points)
        # three values over four semesters: the missing 2022-H2 leaves a gap on the x axis
        assert [xy.split(",")[0] for xy in line.points.split()] == ["3.0", "33.0", "93.0"]
        assert line.label == "Andamento: 2021-H2: 100; 2022-H1: 110; 2023-H1: 95"


def test_questionnaire_indicators_on_request_and_another_ambitos_plan(app, filled):
    with app.test_request_context():
        session = get_session()
        series = indicator_series(session, filled, "persona-al-centro", include_questionnaire=True)
        assert any(s.via_questionnaire and s.series == () for s in series)
        other = Ambito(code="basso-sebino", name="Basso Sebino", comuni=[Comune(code="sarnico", name="Sarnico")])
        session.add(other)
        session.flush()
        other_plan = give_shipped_plan(session, other)
        record_value(session, other_plan, ValueRow(OUTPUT_1, "2023-H1", None, "number", 7.0), actor="test")
        session.commit()
        mine = {s.indicator_id: s for s in indicator_series(session, filled, "persona-al-centro")}[OUTPUT_1]
        assert [(s.ambito_name, s.comune_code) for s in mine.series] == [
            ("Ambito distrettuale Alto Sebino", None), ("Ambito distrettuale Alto Sebino", "lovere")]
        theirs = {s.indicator_id: s for s in indicator_series(session, other_plan.id, "persona-al-centro")}[OUTPUT_1]
        assert [(s.ambito_name, s.comune_code) for s in theirs.series] == [("Basso Sebino", None)]
        whole_plan = plan_indicator_series(session, filled)
        assert len(whole_plan) == 29 and sum(len(v) for v in whole_plan.values()) == 459
        with pytest.raises(LookupError):
            indicator_series(session, filled, "nope")


def test_overview_counts_indicators_with_values(app, filled):
    with app.test_request_context():
        overview = {o.id: o for o in objectives_overview(get_session(), filled)}
        assert len(overview) == 29
        persona = overview["persona-al-centro"]
        assert (persona.with_values, persona.latest_semester) == (2, "2023-H1")
        assert persona.indicators == 21
