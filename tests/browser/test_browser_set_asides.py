"""An operator sees a burst alert on the round's page, sets aside the responses of a distribution
point with a reason, reads on the round's page how many and why, and restores them."""

from __future__ import annotations

from .helpers import axe_violations, describe_violations, shoot


def test_operator_sets_aside_a_point_and_restores_it(site, live_server, staff_page, artifacts):
    from survey_app import audit
    from survey_app.models import Round

    with live_server.session() as session:
        audit.record(session, "sistema", "round.burst_alert", session.get(Round, site.round_id), limit=30)
        session.commit()
    page = staff_page("operator", bypass_csp=True)
    page.goto(f"/gestione/rilevazioni/{site.round_id}")
    page.get_by_text("Allarme di afflusso").wait_for()
    page.get_by_role("link", name="Metti da parte o riammetti delle risposte").click()
    page.get_by_label("Punto di distribuzione").select_option(label="CDD Lovere – bacheca")
    page.get_by_label("Motivo").fill("Raffica di risposte dal QR della bacheca, segnalata dall'allarme")
    shoot(page, artifacts, "01-set-aside-form")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    page.get_by_role("button", name="Metti da parte", exact=True).click()
    page.get_by_text("Risposte escluse dall'analisi ora").wait_for()
    page.get_by_role("button", name="Riammetti nell'analisi").wait_for()
    shoot(page, artifacts, "02-set-aside-listed")
    page.goto(f"/gestione/rilevazioni/{site.round_id}#messe-da-parte")
    page.get_by_text("«Raffica di risposte dal QR della bacheca, segnalata dall'allarme»").wait_for()
    shoot(page, artifacts, "03-round-page")
    page.get_by_role("link", name="Metti da parte o riammetti delle risposte").click()
    page.get_by_role("button", name="Riammetti nell'analisi").click()
    page.get_by_text("Risposte riammesse nell'analisi.").wait_for()
    page.get_by_text("riammessa da").wait_for()
