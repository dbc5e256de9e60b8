"""One objective's report: page, statuses, breakdowns under n<5, files made in the background."""

from __future__ import annotations

from conftest import IN_SHIPPED_PLAN, give_shipped_plan, shipped_plan

import re

import pytest
from bs4 import BeautifulSoup
from conftest import csrf_token_of
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import Ambito, AuditEvent, ReportJob
from survey_app.reports import build, jobs

from .helpers import docx_text, pdf_object_counts, pdf_text, response_with_comment

OBJECTIVE = "persona-al-centro"
PAGE = f"/rapporti/obiettivo?id={OBJECTIVE}&piano=1"
MEASURED = "persona-al-centro.outcome-3"  # by questionnaire, target >= 70% favourable
TAKEN_IN_CHARGE = "persona-al-centro.output-1"  # semestral


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def words(soup) -> str:
    return " ".join(soup.get_text(" ").split())


def statuses(app) -> dict[str, str]:
    with app.app_context():
        session = get_session()
        ambito = session.scalar(select(Ambito))
        data = build.objective_data(session, shipped_plan(session), OBJECTIVE, build.payload_source(session))
        return {i.id: i.status for i in data.indicators}


def close(app, round_id: int) -> None:
    from survey_app.models import Round
    from survey_app.rounds.operations import set_status

    with app.app_context():
        session = get_session()
        set_status(session, session.get(Round, round_id), "closed", actor="test")
        session.commit()


def test_statuses_follow_the_data_and_the_targets(app, make_round, fill):
    found = statuses(app)
    assert found[MEASURED] == "no_data" and found[TAKEN_IN_CHARGE] == "no_data"
    first = make_round(OBJECTIVE, "in-itinere")
    fill(first.id, 6, value=5)
    assert statuses(app)[MEASURED] == "no_data"  # an open round never gives the verdict
    close(app, first.id)
    assert statuses(app)[MEASURED] == "met"
    later = make_round(OBJECTIVE, "ex-post")
    fill(later.id, 3, value=2)
    close(app, later.id)
    assert statuses(app)[MEASURED] == "not_measurable"  # the ex post counts: fewer than 5 respondents
    fill(later.id, 3, value=2)
    assert statuses(app)[MEASURED] == "not_met"  # the ex post counts, not the earlier in itinere


def test_objective_page(app, as_role, make_round, fill):
    round_ = make_round(OBJECTIVE, "in-itinere")
    fill(round_.id, 7, comune="lovere", service="sad")
    fill(round_.id, 3, comune="castro", service="sad", seed=2)
    fill(round_.id, 6, comune="sovere", service="cdi", seed=3)
    evaluator = as_role("evaluator")
    response = evaluator.get(PAGE)
    assert response.status_code == 200
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    soup = soup_of(response)
    assert not soup.find("style") and not soup.find(attrs={"style": True})
    assert all(script.get("src") for script in soup.find_all("script"))
    assert soup.find("h1").get_text(strip=True).startswith("8.2 · La persona al centro")
    text = words(soup)
    for heading in (
        "L'obiettivo nel Piano",
        "Indicatori",
        "Valori semestrali",
        "Risultati dei questionari",
        "Confronto prima e dopo",
        "Per Comune e per servizio",
        "Commenti liberi",
        "Nota metodologica",
    ):
        assert heading in text, heading
    assert "micro (beneficiari e famiglie)" in text
    assert soup.find("svg", class_="chart")  # diverging bars of the items
    # breakdowns: every published count is 5 or more; Castro (3) and its complement are hidden
    comune = next(
        t for t in soup.find_all("table") if t.caption.get_text().startswith("Per Comune")
    )
    counts = {
        tr.th.get_text(strip=True): tr.find("td").get_text(" ", strip=True)
        for tr in comune.tbody.find_all("tr")
    }
    assert counts["Castro"] == "n<5" and counts["Totale"].startswith("16")
    for table in soup.find_all("table"):
        caption = table.caption.get_text()
        if caption.startswith(("Per Comune", "Per servizio")):
            for tr in table.tbody.find_all("tr"):
                n = tr.find("td").get_text(" ", strip=True)
                assert n == "n<5" or int(n.split()[0]) >= 5, (caption, n)
    assert as_role("operator").get(PAGE).status_code == 403


def test_objective_page_with_results_still_computing(app, make_round, fill, as_role, runner):
    app.config["RESULTS_INLINE_MAX_RESPONSES"] = 0  # every round counts as large
    round_ = make_round(OBJECTIVE)
    fill(round_.id, 6)
    evaluator = as_role("evaluator")
    text = words(soup_of(evaluator.get(PAGE)))
    assert "in corso di calcolo" in text and "Aggiorna" in text
    assert runner.invoke(args=["results", "worker", "--once"]).exit_code == 0
    assert "in corso di calcolo" not in words(soup_of(evaluator.get(PAGE)))


def test_semestral_values_appear_with_their_trend(app, as_role):
    operator = as_role("operator")
    for semester, value in (("2022-H1", "120"), ("2022-H2", "134")):
        path = "/indicatori/registra"
        response = operator.post(
            path,
            data={
                "csrf_token": csrf_token_of(operator, path),
                "indicator": TAKEN_IN_CHARGE,
                "semester": semester,
                "comune": "",
                "kind": "number",
                "value": value,
                "source": "Cartella Sociale Informatizzata",
                "note": "",
            },
        )
        assert response.status_code == 303
    soup = soup_of(as_role("evaluator").get(PAGE))
    section = soup.find("section", id=f"{TAKEN_IN_CHARGE}-valori")
    text = words(section)
    assert "120" in text and "134" in text and "▲ in aumento di 14 rispetto al 2022-H1" in text
    assert "Cartella Sociale Informatizzata" in text
    assert (
        section.find("svg", class_="sparkline")
        .find("title")
        .get_text()
        .startswith("Andamento: 2022-H1: 120")
    )
    row = next(
        tr
        for tr in soup.find("table").tbody.find_all("tr")
        if "N. di prese in carico" in tr.get_text()
    )
    assert "Non misurabile" in row.get_text() and "134 (2022-H2)" in row.get_text()


def test_print_version_is_one_document_with_its_styles(app, as_role):
    response = as_role("evaluator").get(PAGE.replace("obiettivo?", "obiettivo/stampa?"))
    assert response.status_code == 200
    assert "style-src 'self' 'unsafe-inline'" in response.headers["Content-Security-Policy"]
    soup = soup_of(response)
    assert soup.find("style") and soup.html["lang"] == "it" and not soup.find("script")
    assert soup.find("link") is None  # nothing to fetch


def test_unknown_or_missing_objective(app, as_role):
    evaluator = as_role("evaluator")
    assert evaluator.get("/rapporti/obiettivo?id=nessuno").status_code == 404
    assert evaluator.get("/rapporti/obiettivo").status_code == 400
    assert evaluator.get("/rapporti/obiettivo.pdf").status_code == 400


def test_objective_files_are_made_in_the_background_and_kept_until_data_change(
    app, as_role, make_round, fill, runner
):
    round_ = make_round(OBJECTIVE)
    fill(round_.id, 6, comments=["Gentilissimi tutti Pq3", "Commento da non pubblicare Hh8"])
    evaluator = as_role("evaluator")
    path = f"/rapporti/commenti/rilevazioni/{round_.id}"
    evaluator.post(
        path,
        data={
            "csrf_token": csrf_token_of(evaluator, path),
            "status": "approved",
            "response_id": str(response_with_comment(app, round_.id, "Gentilissimi tutti Pq3")),
        },
    )
    assert evaluator.get(f"/rapporti/obiettivo.pdf?id={OBJECTIVE}&piano=1").status_code == 409
    generate = f"/rapporti/obiettivo/genera?id={OBJECTIVE}"
    response = evaluator.post(generate, data={"csrf_token": csrf_token_of(evaluator, PAGE)})
    assert response.status_code == 303
    assert "In coda" in words(soup_of(evaluator.get(PAGE)))
    assert evaluator.get(f"/rapporti/obiettivo.pdf?id={OBJECTIVE}&piano=1").status_code == 409

    result = runner.invoke(args=["results", "worker", "--once"])  # the background process
    assert result.exit_code == 0, result.output
    assert f"objective:{OBJECTIVE}:ambito=" in result.output and "ready" in result.output
    page = words(soup_of(evaluator.get(PAGE)))
    assert "sui dati più recenti" in page
    pdf = evaluator.get(f"/rapporti/obiettivo.pdf?id={OBJECTIVE}&piano=1")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="rapporto-pdz-2021-2023-{OBJECTIVE}.pdf"'
    text = pdf_text(pdf.data)
    assert "La persona al centro quale parte di una comunità prossima" in text
    objects = pdf_object_counts(pdf.data)
    assert objects["image"] == 0 and objects["path"] > 200  # the charts are vectors, not pictures
    assert "Gentilissimi tutti Pq3" in text and "Hh8" not in text
    docx = evaluator.get(f"/rapporti/obiettivo.docx?id={OBJECTIVE}&piano=1")
    assert docx.status_code == 200
    text = docx_text(docx.data)
    assert (
        "Gentilissimi tutti Pq3" in text and "Hh8" not in text and "non contiene i grafici" in text
    )
    with app.app_context():
        actions = (
            get_session()
            .scalars(select(AuditEvent.action).where(AuditEvent.action.like("report.%")))
            .all()
        )
        assert sorted(actions) == ["report.download", "report.download", "report.request"]

    fill(round_.id, 1, seed=9)  # new data: the files are stale but still served, with their date
    assert "sono arrivati nuovi dati" in words(soup_of(evaluator.get(PAGE)))
    assert evaluator.get(f"/rapporti/obiettivo.pdf?id={OBJECTIVE}&piano=1").status_code == 200
    # a review changed: the old files might show a comment rejected since, so they are not served
    evaluator.post(
        path,
        data={
            "csrf_token": csrf_token_of(evaluator, path),
            "status": "rejected",
            "response_id": str(response_with_comment(app, round_.id, "Gentilissimi tutti Pq3")),
        },
    )
    assert evaluator.get(f"/rapporti/obiettivo.pdf?id={OBJECTIVE}&piano=1").status_code == 409
    assert "non si scaricano più" in words(soup_of(evaluator.get(PAGE)))


def test_a_report_asked_for_again_while_current_is_not_remade(app, make_round, fill):
    round_ = make_round(OBJECTIVE)
    fill(round_.id, 5)
    with app.app_context():
        session = get_session()
        spec = jobs.ReportSpec.of(shipped_plan(session), OBJECTIVE)
        assert jobs.status(session, spec).state == "none"
        assert jobs.request(session, spec).state == "pending"
        assert jobs.run_pending(session) == 1
        first = jobs.status(session, spec)
        assert first.state == "ready" and first.current and first.downloadable
        assert jobs.request(session, spec).state == "ready"  # nothing new: nothing to do
        assert jobs.run_pending(session) == 0
        assert jobs.refresh(session) == 0
    fill(round_.id, 1, seed=4)
    with app.app_context():
        session = get_session()
        assert not jobs.status(session, spec).current
        assert jobs.refresh(session) == 1  # what cron's `results refresh` does
        assert jobs.status(session, spec).current


def test_a_failed_generation_is_shown_and_retried(app, as_role, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("disco pieno")

    monkeypatch.setattr(jobs, "make_files", broken)
    evaluator = as_role("evaluator")
    evaluator.post(
        f"/rapporti/obiettivo/genera?id={OBJECTIVE}",
        data={"csrf_token": csrf_token_of(evaluator, PAGE)},
    )
    with app.app_context():
        assert jobs.run_pending(get_session()) == 1
        assert jobs.refresh(get_session()) == 0  # failed on these data: not retried by cron
    text = words(soup_of(evaluator.get(PAGE)))
    assert "non è riuscita" in text and "disco pieno" in text and "Riprova" in text


def test_progress_of_a_running_final_report(app, as_role):
    with app.app_context():
        session = get_session()
        plan = shipped_plan(session)
        ambito_id = plan.ambito_id
        session.add(
            ReportJob(
                key=jobs.ReportSpec.of(plan).key,
                kind="final",
                ambito_id=ambito_id,
                status="running",
                done=12,
                total=29,
                stage="objectives",
                started_at=jobs.utcnow(),
                requested_at=jobs.utcnow(),
            )
        )
        session.commit()
    soup = soup_of(as_role("evaluator").get("/rapporti/"))
    final = soup.find("section", id="finale")
    assert "Obiettivi elaborati: 12 di 29" in words(final) and "analisi degli obiettivi" in words(
        final
    )
    progress = final.find("progress")
    assert progress["value"] == "12" and progress["max"] == "29"
    assert final.find("a", string=re.compile("Aggiorna"))
    assert not final.find("form")  # no second request while one runs


def test_rounds_of_another_ambito_stay_out(app, as_role, make_round, fill):
    from survey_app.models import Comune
    from survey_app.rounds.operations import open_round

    with app.app_context():
        session = get_session()
        session.add(
            Ambito(
                code="basso-sebino",
                name="Basso Sebino",
                comuni=[Comune(code="sarnico", name="Sarnico")],
            )
        )
        session.flush()
        give_shipped_plan(session, session.scalar(select(Ambito).where(Ambito.code == "basso-sebino")))
        foreign = open_round(session, OBJECTIVE, "ex-post", ambito_code="basso-sebino",
                             opens_at=IN_SHIPPED_PLAN)
        session.commit()
        foreign_id = foreign.id
    fill(foreign_id, 6, comments=["Commento di un altro Ambito Yy1"])
    evaluator = as_role("evaluator")
    path = f"/rapporti/commenti/rilevazioni/{foreign_id}"
    assert evaluator.get(path).status_code == 404
    text = words(soup_of(evaluator.get(PAGE)))
    assert "Nessuna rilevazione con questo questionario" in text and f"({foreign_id})" not in text


@pytest.mark.parametrize("path", ["/rapporti/", "/rapporti/finale.pdf", PAGE])
def test_reports_need_the_results_permission(app, as_role, client, path):
    assert as_role("operator").get(path).status_code == 403
    assert client.get(path).status_code in (302, 303)


def test_links_made_before_plans_redirect_to_the_plan_with_the_objective(app, as_role):
    evaluator = as_role("evaluator")
    old = evaluator.get(f"/rapporti/obiettivo?id={OBJECTIVE}")
    assert old.status_code == 302 and old.headers["Location"].endswith(f"/rapporti/obiettivo?id={OBJECTIVE}&piano=1")
    old_pdf = evaluator.get(f"/rapporti/obiettivo.pdf?id={OBJECTIVE}")
    assert old_pdf.status_code == 302 and "piano=1" in old_pdf.headers["Location"]
    old_values = evaluator.get(f"/indicatori/obiettivo?id={OBJECTIVE}")
    assert old_values.status_code == 302 and old_values.headers["Location"].endswith("&piano=1")
    # an objective no plan has: not found, as before
    assert evaluator.get("/rapporti/obiettivo?id=nessuno").status_code == 404
