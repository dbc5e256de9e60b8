"""An objective's report opens with the evaluator's judgement, shows the qualitative themes with only the
published quote, marks a draft judgement on every page; the final report opens with the summary."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from sqlalchemy import select

from survey_app.db import get_session
from survey_app.judgements.operations import JudgementInput, save_judgement
from survey_app.models import Passage, Plan
from tests.qualitative.helpers import TRANSCRIPT, docx_bytes, plan_and_objective
from tests.qualitative.test_qualitative_pages import COMMENTS, _reviewed_comments
from tests.reports.helpers import pdf_text

QUOTE = "All'inizio non sapevo a chi rivolgermi, poi l'assistente sociale [nome] mi ha richiamata."
RECOMMENDATION = "Aprire lo sportello anche il sabato mattina a Lovere"
NOW = datetime(2026, 12, 4, 18, 0, tzinfo=UTC).replace(tzinfo=None)


def evidence_and_judgement(app, round_id: int, *, state: str = "to_review") -> tuple[int, str]:
    """The issue's path: a focus group from a DOCX transcript, three passages coded with two themes, two
    free comments coded, one redacted quote published, the objective's judgement written."""
    from datetime import date

    from survey_app.qualitative import operations
    from survey_app.qualitative.extraction import extract_text

    plan_id, objective_id = plan_and_objective(app, round_id)
    comment_ids = _reviewed_comments(app, round_id)
    transcript = extract_text("focus-group.docx", docx_bytes(TRANSCRIPT))
    with app.app_context():
        session = get_session()
        plan = session.get(Plan, plan_id)
        row = operations.record_session(session, plan, objective_id, operations.SessionInput(
            kind="focus_group", title="Focus group caregiver CDD Lovere", held_on=date(2023, 10, 12),
            timing="in-itinere", facilitator="Assistente sociale", participants=7,
            participant_roles=("carers", "operators"), consent=True, consent_method="written",
            material="transcript", text=transcript.text, source_filename="focus-group.docx",
            source_format=transcript.source_format), actor="test")
        access = operations.add_theme(session, plan, objective_id, name="Accesso", actor="test")
        waiting = operations.add_theme(session, plan, objective_id, name="Tempi di attesa", actor="test")
        first = operations.code_session_passage(session, row, theme_ids=[access.id], first_paragraph=2, actor="test")
        operations.code_session_passage(session, row, theme_ids=[waiting.id], first_paragraph=3, actor="test")
        operations.code_session_passage(session, row, theme_ids=[access.id, waiting.id], first_paragraph=6,
                                        actor="test")
        for response_id, theme in zip(comment_ids, (access, waiting), strict=True):
            operations.code_comment(session, plan, objective_id, response_id, theme_ids=[theme.id], actor="test")
        operations.publish_passage(session, first, QUOTE, actor="test", ambito_id=plan.ambito_id)
        save_judgement(session, plan, objective_id, "", JudgementInput(
            "partly_reached", reasons="Gli indicatori di accesso sono raggiunti, i tempi di attesa no.",
            strengths="La rete tra sportello e servizi\nIl richiamo in giornata",
            weaknesses="I tempi della prima visita",
            recommendations=f"{RECOMMENDATION}\nRidurre l'attesa per la prima visita", state=state),
            suggested=None, user="test")
        session.commit()
    return plan_id, objective_id


def objective_files(app, plan_id: int, objective_id: str) -> tuple[bytes, bytes]:
    from survey_app.reports import build, document, render, word

    with app.app_context():
        session = get_session()
        plan = session.get(Plan, plan_id)
        data = build.objective_data(session, plan, objective_id, build.payload_source(session))
        doc = document.objective_document(data, plan, NOW)
        return render.document_pdf(doc), word.document_docx(doc)


def docx_xml(data: bytes) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as docx:
        header = "".join(docx.read(n).decode() for n in docx.namelist() if n.startswith("word/header"))
        return docx.read("word/document.xml").decode("utf-8"), header


def test_the_objective_report_opens_with_the_judgement_and_quotes_only_what_was_published(app, make_round):
    import pypdfium2

    round_ = make_round("persona-al-centro", kind="ex-post")
    plan_id, objective_id = evidence_and_judgement(app, round_.id)
    pdf, docx = objective_files(app, plan_id, objective_id)

    text = pdf_text(pdf)
    judgement_at = text.index("Il giudizio di valutazione")
    assert judgement_at < text.index("L'obiettivo nel Piano") < text.index("Le evidenze qualitative")
    assert "Parzialmente raggiunto" in text[judgement_at:] and RECOMMENDATION in text
    assert "Tempi di attesa" in text and "Focus group" in text and "12 ottobre 2023" in text
    assert QUOTE in text
    unpublished = ["Maria", TRANSCRIPT[2].split(": ", 1)[1][:40], "non vanno bene per chi lavora"]
    for passage in unpublished:
        assert passage not in text, passage
    # a draft judgement: marked on every page
    pages = pypdfium2.PdfDocument(pdf)
    try:
        assert len(pages) > 1
        for page in pages:
            assert "BOZZA – giudizio di valutazione da rivedere" in page.get_textpage().get_text_range()
    finally:
        pages.close()

    body, header = docx_xml(docx)
    assert body.index("Il giudizio di valutazione") < body.index("L&apos;obiettivo nel Piano") \
        if "L&apos;" in body else body.index("Il giudizio di valutazione") < body.index("obiettivo nel Piano")
    assert 'w:val="Heading1"' in body  # headings are Word headings, so the chapter pastes into a plan
    assert "BOZZA – giudizio di valutazione da rivedere" in header
    assert RECOMMENDATION in body and "[nome]" in body
    for passage in unpublished + [COMMENTS[1]]:  # the approved comment is in the comments section; this one only redacted
        assert passage not in body, passage


def test_an_approved_judgement_is_not_marked_draft_and_leads_the_final_report(app, make_round):
    from survey_app.reports import build, document, render

    round_ = make_round("persona-al-centro", kind="ex-post")
    plan_id, objective_id = evidence_and_judgement(app, round_.id, state="approved")
    pdf, docx = objective_files(app, plan_id, objective_id)
    assert "BOZZA" not in pdf_text(pdf) and "BOZZA" not in docx_xml(docx)[1]
    with app.app_context():
        session = get_session()
        plan = session.get(Plan, plan_id)
        data = build.final_data(session, plan, build.payload_source(session))
        final = document.final_document(data)
        html = render.document_html(final)
    summary = final.sections[0]
    assert summary.title == "Sintesi della valutazione"
    counts = {row[0]: row[1] for row in summary.blocks[1].rows}
    assert counts["◐ Parzialmente raggiunto"] == "1"
    assert counts["Giudizio da scrivere"] == str(len(data.objectives) - 1)
    assert any(RECOMMENDATION in item for block in summary.blocks if block.kind == "bullets" for item in block.items)
    assert html.index("Sintesi della valutazione") < html.index("Quadro sinottico")
    assert not final.draft_mark


def test_no_judgement_yet_says_so_and_the_report_still_has_its_data(app, make_round):
    round_ = make_round("persona-al-centro", kind="ex-post")
    plan_id, objective_id = plan_and_objective(app, round_.id)
    pdf, _docx = objective_files(app, plan_id, objective_id)
    text = pdf_text(pdf)
    assert "Il giudizio del valutatore su questo obiettivo non è ancora stato scritto" in text
    assert "Per questo obiettivo non sono ancora stati registrati interviste, focus group o laboratori." in text
    assert "BOZZA" not in text
    with app.app_context():
        assert get_session().scalar(select(Passage)) is None


def test_a_saved_judgement_or_a_withdrawn_quote_makes_the_stored_report_stale(app, make_round):
    from survey_app.models import Passage as PassageRow
    from survey_app.qualitative import operations
    from survey_app.reports import jobs

    round_ = make_round("persona-al-centro", kind="ex-post")
    plan_id, objective_id = evidence_and_judgement(app, round_.id)
    with app.app_context():
        session = get_session()
        plan = session.get(Plan, plan_id)
        spec = jobs.ReportSpec.of(plan, objective_id)
        jobs.request(session, spec)
        jobs.run_pending(session)
        assert jobs.status(session, spec).current
        judgement = save_judgement(session, plan, objective_id, "", JudgementInput(
            "partly_reached", reasons="Rivisto dopo il laboratorio.", state="approved", edited_version=1),
            suggested=None, user="test")
        session.commit()
        assert judgement.version == 2 and not jobs.status(session, spec).current
        jobs.request(session, spec)
        jobs.run_pending(session)
        assert jobs.status(session, spec).current
        quoted = session.scalar(select(PassageRow).where(PassageRow.published_text.is_not(None)))
        operations.publish_passage(session, quoted, None, actor="test", ambito_id=plan.ambito_id)
        session.commit()
        assert not jobs.status(session, spec).current
