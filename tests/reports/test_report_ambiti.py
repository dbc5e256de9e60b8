"""The optional section "Confronto tra Ambiti" of the final report: asked for, and only with the
Ambiti the requesting user may see."""

from __future__ import annotations

import sqlalchemy as sa
from bs4 import BeautifulSoup

from survey_app.db import get_session
from survey_app.models import Ambito, Plan, ReportJob
from survey_app.reports import build, document, jobs, render
from tests.conftest import csrf_token_of, shipped_plan
from tests.results.conftest import add_responses
from tests.results.test_ambiti import _grant, add_ambito


def _rounds(app, make_round):
    add_ambito(app)
    add_ambito(app, "valle-cavallina", "Valle Cavallina")
    sizes = {"alto-sebino": 12, "basso-sebino": 3, "valle-cavallina": 7}
    for seed, (code, size) in enumerate(sizes.items()):
        round_ = make_round("persona-al-centro", "ex-post", ambito_code=code)
        add_responses(app, round_.id, size, seed=seed + 10)


def _html(app, ambiti: tuple[int, ...]) -> str:
    from survey_app.reports.ambiti import ambito_tables

    with app.app_context():
        session = get_session()
        plan = shipped_plan(session)
        data = build.final_data(session, plan, build.payload_source(session))
        if ambiti:
            data.ambito_tables = ambito_tables(session, plan, ambiti)
        return render.document_html(document.final_document(data))


def _ids(app) -> dict[str, int]:
    with app.app_context():
        return {a.code: a.id for a in get_session().scalars(sa.select(Ambito))}


def test_the_section_is_there_only_when_asked_and_suppresses(app, make_round):
    _rounds(app, make_round)
    ids = _ids(app)
    assert "Confronto tra Ambiti" not in _html(app, ())
    html = _html(app, tuple(ids.values()))
    soup = BeautifulSoup(html, "html.parser")
    section = soup.find(id="confronto-ambiti")
    assert section is not None
    text = section.get_text(" ", strip=True)
    assert "Basso Sebino" in text and "Valle Cavallina" in text
    first_row = [td.get_text(strip=True) for td in section.find("table").find("tbody").find("tr")
                 .find_all(["th", "td"])]
    # 3 respondents in Basso Sebino: hidden, and Valle Cavallina with it (else 22 - 12 - 7 = 3)
    assert first_row == ["Rispondenti", "12", "n<5", "n<5", "22"]
    # with only two of the Ambiti, the third is nowhere in the section
    text = BeautifulSoup(_html(app, (ids["alto-sebino"], ids["valle-cavallina"])), "html.parser") \
        .find(id="confronto-ambiti").get_text(" ", strip=True)
    assert "Basso Sebino" not in text and "Valle Cavallina" in text


def _ask(client) -> str:
    response = client.post("/rapporti/finale/genera?confronto=1",
                           data={"csrf_token": csrf_token_of(client, "/rapporti/")})
    assert response.status_code == 303
    return response.headers["Location"]


def _keys(app) -> list[str]:
    with app.app_context():
        return sorted(get_session().scalars(sa.select(ReportJob.key)))


def test_the_report_asks_for_the_users_ambiti_only(app, make_round, staff, as_role):
    _rounds(app, make_round)
    ids = _ids(app)
    evaluator = as_role("evaluator")
    page = evaluator.get("/rapporti/").get_data(as_text=True)
    assert "confronto-ambiti-title" not in page  # one Ambito: nothing to compare
    _ask(evaluator)
    assert _keys(app) == [str(jobs.ReportSpec.of(_plan(app)).key)]
    _grant(app, staff.evaluator, "basso-sebino")
    evaluator = as_role("evaluator")
    assert "confronto-ambiti-title" in evaluator.get("/rapporti/").get_data(as_text=True)
    assert _ask(evaluator).endswith("#confronto-ambiti")
    compared = jobs.ReportSpec.of(_plan(app), ambiti=(ids["alto-sebino"], ids["basso-sebino"]))
    assert compared.key in _keys(app)
    assert jobs.ReportSpec.from_key(compared.key) == compared
    # the files of that spec are not made yet (no worker ran): a page says so
    assert evaluator.get("/rapporti/finale.html?confronto=1").status_code == 409


def _plan(app) -> Plan:
    with app.app_context():
        plan = shipped_plan(get_session())
        get_session().expunge(plan)
        return plan
