"""Helpers of the qualitative tests: transcripts as DOCX and PDF files, a coded session made
through the operations, and posting forms as a browser does."""

from __future__ import annotations

import io
from datetime import date

from conftest import csrf_token_of
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import Objective, Plan, Round, Theme

#: a focus group transcript: five turns, one of them repeated, so an excerpt may be ambiguous
TRANSCRIPT = [
    "Facilitatrice: come vi siete trovati con lo sportello sociale?",
    ("Una caregiver: all'inizio non sapevo a chi rivolgermi, poi l'assistente sociale Maria mi ha richiamata "
     "il giorno stesso."),
    "Un familiare: i tempi di attesa per la prima visita sono stati lunghi, quasi due mesi.",
    "Una caregiver: d'accordo.",
    "Un operatore: d'accordo.",
    "Un familiare: gli orari dello sportello non vanno bene per chi lavora.",
]


def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_bytes(paragraphs: list[str]) -> bytes:
    """A PDF with a text layer (WeasyPrint, as the reports)."""
    from html import escape

    from weasyprint import HTML

    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return HTML(string=f"<html lang='it'><body>{body}</body></html>").write_pdf()


def pdf_without_text() -> bytes:
    """A PDF whose only page has no text (what a scanner makes, minus the image)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def plan_and_objective(app, round_id: int) -> tuple[int, str]:
    """The plan and the objective of a round's questionnaire."""
    with app.app_context():
        round_ = get_session().get(Round, round_id)
        return round_.plan_id, round_.questionnaire_version.objective_id


def session_form(**changes) -> dict:
    """The fields of a valid new-session form with typed notes."""
    data = {"kind": "focus_group", "title": "Focus group caregiver CDD Lovere", "held_on": "2023-10-12",
            "timing": "in-itinere", "facilitator": "Assistente sociale dell'Ufficio di Piano", "participants": "7",
            "participant_roles": ["carers", "operators"], "consent": "yes", "consent_method": "written",
            "material": "notes", "notes": "\n".join(TRANSCRIPT)}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(client, url: str, data: dict, page: str | None = None, **options):
    """POST *data* with a CSRF token read from *page* (the form's page, *url* by default)."""
    return client.post(url, data={**data, "csrf_token": csrf_token_of(client, page or url)}, **options)


def coded_session(app, plan_id: int, objective_id: str, *, held_on: date = date(2023, 10, 12),
                  consent: bool = True, title: str = "Intervista al coordinatore") -> dict:
    """A session with one theme and one coded passage, made through the operations."""
    from survey_app.qualitative import operations

    with app.app_context():
        session = get_session()
        plan = session.get(Plan, plan_id)
        assert session.get(Objective, (plan_id, objective_id)) is not None
        row = operations.record_session(session, plan, objective_id, operations.SessionInput(
            kind="interview", title=title, held_on=held_on, timing="ex-post", facilitator="Coordinatrice",
            participants=1, participant_roles=("operators",), consent=consent,
            consent_method="oral_recorded" if consent else None, material="notes",
            text="\n".join(TRANSCRIPT)), actor="test")
        theme = session.scalar(select(Theme).where(Theme.plan_id == plan_id, Theme.objective_id == objective_id,
                                                   Theme.name == "Accesso")) \
            or operations.add_theme(session, plan, objective_id, name="Accesso", actor="test")
        passage = operations.code_session_passage(session, row, theme_ids=[theme.id], first_paragraph=2,
                                                  actor="test")
        session.commit()
        return {"session_id": row.id, "theme_id": theme.id, "passage_id": passage.id}
