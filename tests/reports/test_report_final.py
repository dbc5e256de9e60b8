"""The final report over the demo data, made once for the module (the PDF takes a while).

SQLite only: the report code is the same on PostgreSQL, which the other report tests cover.
The set-up goes through the UI as the district would: semestral values typed in the form and
imported from a file (and a bad file refused), comments reviewed, the report asked for on
/rapporti/ and made by the background worker; then the command line writes the same files.
"""

from __future__ import annotations

from conftest import shipped_plan

import io
import sqlite3
import time
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup
from conftest import PUBLIC_URL, csrf_token_of, log_in
from sqlalchemy import func, select

from survey_app import create_app
from survey_app.accounts.operations import create_user
from survey_app.db import get_session
from survey_app.demo import create_demo
from survey_app.models import (
    Ambito,
    Indicator,
    IndicatorValue,
    Objective,
    QuestionnaireVersion,
    ReportJob,
    Round,
)
from survey_app.reports import build, final_title, jobs
from survey_app.reports.plan import objective_title

from .helpers import add_responses, collapse, docx_text, pdf_text, response_with_comment

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
UNREVIEWED = "Nessuno ha letto questo commento Qx9"
APPROVED = "Operatrici gentili e disponibili Ab3"
ORIGINAL = "Mia madre Maria Bianchi di Fonteno Rt6"
REDACTED = "Una familiare di una persona seguita Rt6"
REJECTED = "Commento escluso dalla revisione Lp2"
TAKEN_IN_CHARGE = "persona-al-centro.output-1"
PROJECTS = "persona-al-centro.output-3"


@dataclass
class Plan:
    app: object
    pdf: bytes
    docx: bytes
    html: str
    import_error: str
    cli_pdf: bytes
    cli_html: str
    cli_objective_pdf: bytes
    seconds: float


def _csv(*rows: str) -> bytes:
    header = "indicatore;obiettivo;descrizione;semestre;comune;tipo;valore;fonte;nota"
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


def _upload(client, name: str, data: bytes):
    return client.post(
        "/indicatori/importa",
        data={
            "csrf_token": csrf_token_of(client, "/indicatori/"),
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


@pytest.fixture(scope="module")
def plan(sqlite_template, tmp_path_factory) -> Plan:
    folder = tmp_path_factory.mktemp("final-report")
    path = folder / "plan.sqlite3"
    with sqlite3.connect(sqlite_template) as source, sqlite3.connect(path) as target:
        source.backup(target)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{path}",
            "SECRET_KEY": "test-secret",
            "PUBLIC_URL": PUBLIC_URL,
            "MIN_COMPLETION_SECONDS": 0,
        }
    )
    with app.app_context():
        session = get_session()
        create_demo(session, example_plans=False)
        ambito = session.scalar(select(Ambito))
        for role in ("operator", "evaluator"):
            create_user(
                session, f"{role}@altosebino.example", role, PASSWORD, ambito=ambito, actor="test"
            )
        session.commit()
        round_id = session.scalar(
            select(Round.id)
            .join(Round.questionnaire_version)
            .where(
                QuestionnaireVersion.questionnaire_id == "persona-al-centro",
                Round.kind == "ex-post",
            )
        )
    add_responses(app, round_id, 5, seed=11, comments=[UNREVIEWED, APPROVED, ORIGINAL, REJECTED])

    operator, evaluator = app.test_client(), app.test_client()
    assert log_in(operator, "operator@altosebino.example").status_code == 303
    assert log_in(evaluator, "evaluator@altosebino.example").status_code == 303
    for semester, value in (("2022-H1", "120"), ("2022-H2", "134")):  # typed in the form
        response = operator.post(
            "/indicatori/registra",
            data={
                "csrf_token": csrf_token_of(operator, "/indicatori/registra"),
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
    bad = _upload(
        operator,
        "errato.csv",
        _csv(f"{PROJECTS};;;2022-H1;;numero;10;;", f"{PROJECTS};;;2023-H1;;numero;-8;;"),
    )
    assert bad.status_code == 422
    with app.app_context():  # its valid first row was not stored either: only the two typed values
        assert get_session().scalar(select(func.count()).select_from(IndicatorValue)) == 2
    import_error = " ".join(
        BeautifulSoup(bad.get_data(as_text=True), "html.parser").get_text(" ").split()
    )
    good = _upload(
        operator,
        "valori.csv",
        _csv(
            f"{PROJECTS};;;2022-H1;;numero;10;Ufficio di Piano;",
            f"{PROJECTS};;;2023-H1;;numero;8;Ufficio di Piano;",
        ),
    )
    assert good.status_code == 303

    review = f"/rapporti/commenti/rilevazioni/{round_id}"
    for text, status, replacement in (
        (APPROVED, "approved", ""),
        (ORIGINAL, "redacted", REDACTED),
        (REJECTED, "rejected", ""),
    ):
        response = evaluator.post(
            review,
            data={
                "csrf_token": csrf_token_of(evaluator, review),
                "status": status,
                "response_id": str(response_with_comment(app, round_id, text)),
                "text": replacement,
            },
        )
        assert response.status_code == 303

    # the evaluator asks for the report; the background worker makes it
    response = evaluator.post(
        "/rapporti/finale/genera", data={"csrf_token": csrf_token_of(evaluator, "/rapporti/")}
    )
    assert response.status_code == 303
    assert "In coda" in evaluator.get("/rapporti/").get_data(as_text=True)
    assert evaluator.get("/rapporti/finale.pdf").status_code == 409
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["results", "worker", "--once"])
    seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert "final:ambito=" in result.output and "ready" in result.output, result.output
    pdf = evaluator.get("/rapporti/finale.pdf")
    docx = evaluator.get("/rapporti/finale.docx")
    html = evaluator.get("/rapporti/finale.html")
    assert (pdf.status_code, docx.status_code, html.status_code) == (200, 200, 200)

    runner = app.test_cli_runner()
    cli_pdf, cli_html, cli_objective = (
        folder / "rapporto.pdf",
        folder / "rapporto.html",
        folder / "obiettivo.pdf",
    )
    for args in (
        ["report", "--format", "pdf", "--output", str(cli_pdf)],
        ["report", "--format", "html", "--output", str(cli_html)],
        [
            "report",
            "--objective",
            "persona-al-centro",
            "--format",
            "pdf",
            "--output",
            str(cli_objective),
        ],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    yield Plan(
        app,
        pdf.data,
        docx.data,
        html.get_data(as_text=True),
        import_error,
        cli_pdf.read_bytes(),
        cli_html.read_text(encoding="utf-8"),
        cli_objective.read_bytes(),
        seconds,
    )
    app.extensions["survey_db"]["engine"].dispose()


@pytest.fixture(scope="module")
def texts(plan) -> dict[str, str]:
    soup = BeautifulSoup(plan.html, "html.parser")
    return {
        "pdf": pdf_text(plan.pdf),
        "docx": docx_text(plan.docx),
        "html": collapse(soup.get_text(" ")),
        "soup": soup,
    }


def test_made_in_the_background_with_its_progress(plan):
    with plan.app.app_context():
        row = get_session().scalar(select(ReportJob).where(ReportJob.kind == "final"))
        objectives = len(get_session().scalars(select(Objective.id)).all())
        assert (row.status, row.done, row.total) == ("ready", objectives, objectives)
        assert row.duration_ms > 0 and row.computed_at is not None
    print(
        f"\nfinal report: worker run {plan.seconds:.1f} s, "
        f"stored duration {row.duration_ms / 1000:.1f} s, "
        f"PDF {len(plan.pdf):,} bytes, DOCX {len(plan.docx):,} bytes"
    )


def test_the_pdf_opens_with_a_section_for_every_objective_and_the_synoptic_table(plan, texts):
    import pypdfium2

    document = pypdfium2.PdfDocument(plan.pdf)
    pages = len(document)
    document.close()
    text = texts["pdf"]
    assert (
        text.startswith(final_title("Piano di Zona 2021-2023"))
        and "Quadro sinottico" in text
        and "Allegato metodologico" in text
    )
    soup = texts["soup"]
    with plan.app.app_context():
        session = get_session()
        objectives = build.objectives_in_order(session, shipped_plan(session).id)
        indicators = len(session.scalars(select(Indicator.id)).all())
        empty = sum(1 for o in objectives if not o.indicators)
    assert pages > len(objectives)
    for objective in objectives:
        section = soup.find("section", id=objective.id)
        assert section is not None and section.find("h2"), objective.id
        title = collapse(objective_title(objective))
        # the contents and the section (pdfium drops a hyphen ending a line: "co-progettare")
        assert text.replace("-", "").count(title.replace("-", "")) >= 2, title
    synoptic = soup.find("section", id="quadro-sinottico").find_all("table")[-1]
    rows = synoptic.tbody.find_all("tr")
    assert len(rows) == indicators + empty
    assert {
        tr.find_all("td")[4].get_text(strip=True) for tr in rows if len(tr.find_all("td")) > 4
    } >= {"○ Nessun dato", "~ Non misurabile"}
    assert (
        "✗ Non raggiunto" in texts["html"] or "✓ Raggiunto" in texts["html"]
    )  # persona-al-centro has a target


def test_no_breakdown_under_five(plan, texts):
    with plan.app.app_context():
        session = get_session()
        data = build.final_data(
            session, shipped_plan(session), build.payload_source(session)
        )
    published = 0
    for _q, round_ in data.rounds:
        assert round_.responses in (None, 0) or round_.responses >= 5
        for groups in ((round_.payload or {}).get("breakdowns") or {}).values():
            for group in groups:
                if not group["suppressed"]:
                    assert group["n"] >= 5, group
                    published += 1
    assert published > 10
    checked = 0
    for table in texts["soup"].find_all("table"):
        caption = table.caption.get_text()
        header = [th.get_text(strip=True) for th in table.thead.find_all("th")]
        for column in ("Rispondenti", "Risposte", "n"):
            if column not in header:
                continue
            index = header.index(column)
            for tr in table.tbody.find_all("tr"):
                cell = tr.find_all(["th", "td"])[index].get_text(" ", strip=True)
                if cell in ("n<5", "–", "0"):
                    continue
                assert int(cell.split()[0]) >= 5, (caption, cell)
                checked += 1
    assert checked > 50


def test_semestral_values_from_the_form_and_from_a_file_appear_with_their_trend(plan, texts):
    for text in (texts["pdf"], texts["html"], texts["docx"]):
        assert "134 (2022-H2)" in text and "▲ in aumento di 14 rispetto al 2022-H1" in text
        assert "8 (2023-H1)" in text and "▼ in calo di 2 rispetto al 2022-H1" in text
    # the bad file was refused with its line, and stored nothing (its first row, valid, included)
    assert (
        "riga 3, colonna «valore»" in plan.import_error
        and "Nessun valore del file è stato salvato" in plan.import_error
    )


def test_unreviewed_comments_never_appear(plan, texts):
    for name in ("pdf", "docx", "html"):
        text = texts[name]
        assert APPROVED in text and REDACTED in text, name
        for hidden in (UNREVIEWED, ORIGINAL, REJECTED):
            assert hidden not in text, (name, hidden)


def test_the_command_line_writes_the_same_files(plan):
    assert plan.cli_pdf == plan.pdf
    assert plan.cli_html == plan.html
    text = pdf_text(plan.cli_objective_pdf)
    assert text.startswith("8.2 · La persona al centro quale parte di una comunità prossima")
    assert APPROVED in text and UNREVIEWED not in text
    assert "Quadro sinottico" not in text


def test_the_docx_has_every_objective_and_says_where_the_charts_are(plan):
    from docx import Document

    document = Document(io.BytesIO(plan.docx))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    with plan.app.app_context():
        objectives = build.objectives_in_order(get_session(), shipped_plan(get_session()).id)
    assert headings[:2] == ["Sintesi della valutazione", "Quadro sinottico"]
    assert headings[-1] == "Allegato metodologico"
    assert len(headings) == len(objectives) + 3
    assert "non contiene i grafici" in docx_text(plan.docx)
    assert len(document.tables) > 50


def test_the_report_is_kept_until_new_data_arrive(plan):
    app = plan.app
    with app.app_context():
        session = get_session()
        spec = jobs.ReportSpec.of(shipped_plan(session))
        assert jobs.status(session, spec).current
        assert jobs.request(session, spec).state == "ready" and jobs.run_pending(session) == 0
        round_id = session.scalar(select(Round.id).order_by(Round.id))
    add_responses(app, round_id, 1, seed=99)
    with app.app_context():
        status = jobs.status(get_session(), spec)
        assert not status.current and status.downloadable  # stale, still served with its date
