"""Indicators of improvement ("N° di beneficiari che migliorano", "Miglioramento della qualità
percepita ...") are judged on the designated before/after comparison, never on one round."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from survey_app.db import get_session
from survey_app.models import Ambito, PanelCode
from survey_app.reports import build

from .helpers import add_responses

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

#: "Miglioramento qualità del sistema integrato percepita dai beneficiari" (top-box share, no panel)
PERCEIVED = ("nuova-domiciliarita", "nuova-domiciliarita", "nuova-domiciliarita.outcome-5")
#: "N° di beneficiari che migliorano la soddisfazione per la propria vita" (a panel's pairs)
WHO_IMPROVE = ("inclusione-attiva-distretto", "inclusione-attiva-beneficiari", "inclusione-attiva-distretto.outcome-4")


def _rounds(app, questionnaire_id, *, panel=False, kinds=("ex-ante", "ex-post")):
    from survey_app.panels.operations import create_panel, issue_codes
    from survey_app.rounds.operations import open_round

    with app.app_context():
        session = get_session()
        ambito = session.scalar(sa.select(Ambito))
        group = None
        if panel:
            group = create_panel(session, ambito, "Tessere", actor="test")
            issue_codes(session, group, 30, actor="test")
        made = [open_round(session, questionnaire_id, kind, ambito_code=ambito.code, opens_at=opens,
                           closes_at=datetime(opens.year, opens.month, 28), status="closed", panel=group)
                for kind, opens in (("ex-ante", datetime(2021, 10, 4)), ("ex-post", datetime(2023, 9, 4)))
                if kind in kinds]
        session.commit()
        codes = list(session.scalars(sa.select(PanelCode.id).order_by(PanelCode.id))) if panel else None
        return [r.id for r in made], codes


def _verdict(app, objective_id, indicator_id):
    from conftest import shipped_plan

    with app.app_context():
        session = get_session()
        data = build.objective_data(session, shipped_plan(session), objective_id, build.payload_source(session))
        indicator = next(i for i in data.indicators if i.id == indicator_id)
        return indicator.status, indicator.reason, indicator.source


@pytest.mark.parametrize("before_shift, after_shift, status, reason", [
    (-0.9, 0.9, "met", "miglioramento significativo"),
    (0.9, -0.9, "not_met", "nessun miglioramento"),
])
def test_perceived_improvement_is_judged_on_the_comparison(app, before_shift, after_shift, status, reason):
    objective, questionnaire, indicator = PERCEIVED
    (before, after), _ = _rounds(app, questionnaire)
    add_responses(app, before, 40, seed=1, shift=before_shift)
    add_responses(app, after, 40, seed=2, shift=after_shift)
    found, why, source = _verdict(app, objective, indicator)
    assert (found, reason in why) == (status, True), why
    assert source.startswith("confronto tra Ex ante") and f"rilevazione {after})" in source


def test_a_small_change_is_not_enough(app):
    objective, questionnaire, indicator = PERCEIVED
    (before, after), _ = _rounds(app, questionnaire)
    add_responses(app, before, 30, seed=3, shift=0.0)
    add_responses(app, after, 30, seed=4, shift=0.05)
    found, why, _source = _verdict(app, objective, indicator)
    assert found == "not_met" and ("non significativo" in why or "nessun miglioramento" in why), why


def test_one_round_alone_does_not_measure_an_improvement(app):
    objective, questionnaire, indicator = PERCEIVED
    (after,), _ = _rounds(app, questionnaire, kinds=("ex-post",))
    add_responses(app, after, 40, seed=2, shift=0.9)
    found, why, _source = _verdict(app, objective, indicator)
    assert found == "not_measurable" and "prima e dopo" in why, why


def test_fewer_than_five_before_is_not_measurable(app):
    objective, questionnaire, indicator = PERCEIVED
    (before, after), _ = _rounds(app, questionnaire)
    add_responses(app, before, 4, seed=1, shift=-0.9)
    add_responses(app, after, 40, seed=2, shift=0.9)
    found, why, _source = _verdict(app, objective, indicator)
    assert found == "not_measurable", why


@pytest.mark.parametrize("before_value, after_value, status", [(2, 4, "met"), (4, 2, "not_met"), (3, 3, "not_met")])
def test_beneficiaries_who_improve_are_counted_on_the_panels_pairs(app, before_value, after_value, status):
    """The same 20 people before and after: who improved, stayed the same or worsened."""
    objective, questionnaire, indicator = WHO_IMPROVE
    (before, after), codes = _rounds(app, questionnaire, panel=True)
    add_responses(app, before, 20, seed=1, value=before_value, panel_code_ids=codes[:20])
    add_responses(app, after, 20, seed=2, value=after_value, panel_code_ids=codes[:20])
    found, why, _source = _verdict(app, objective, indicator)
    assert found == status, why
    if status == "met":
        assert "20 migliorano, 0 invariati, 0 peggiorano" in why, why
