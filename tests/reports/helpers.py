"""Helpers of the report tests: rounds with controlled responses and comments, report text."""

from __future__ import annotations

import dataclasses
import io
import random
import re
import uuid
from datetime import datetime

from sqlalchemy import select

from survey_app.db import get_session
from survey_app.demo import synthetic_submission
from survey_app.models import Response, Round
from survey_app.respond.submission import response_from_submission

HOUR = datetime(2023, 10, 3, 9)


def add_responses(
    app,
    round_id: int,
    count: int,
    *,
    seed: int = 1,
    shift: float = 0.0,
    comune: str | None = None,
    service: str | None = None,
    comments: list[str] | None = None,
    value: int | None = None,
    panel_code_ids: list[int] | None = None,
) -> list[int]:
    """Store *count* synthetic responses in a round; return their ids.

    :param comments: free comments of the first responses, one each.
    :param value: answer every item with this point (otherwise synthetic answers).
    :param panel_code_ids: the panel code of each response, in order.
    """
    rng = random.Random(seed)
    with app.app_context():
        session = get_session()
        round_ = session.get(Round, round_id)
        questionnaire = round_.questionnaire_version.questionnaire
        comuni = {c.code: c.id for c in round_.ambito.comuni}
        rows = []
        for i in range(count):
            submission = synthetic_submission(rng, questionnaire, comuni, shift)
            changes = {"submission_id": str(uuid.uuid4())}
            if comune is not None:
                changes["comune_id"] = comuni[comune]
            if service is not None:
                changes["service"] = service
            if comments and i < len(comments):
                changes["comment"] = comments[i]
            if value is not None:
                changes["answers"] = {item.id: value for item in questionnaire.items}
            if panel_code_ids is not None:
                changes["panel_code_id"] = panel_code_ids[i]
            row = response_from_submission(
                round_id, dataclasses.replace(submission, **changes), HOUR
            )
            session.add(row)
            rows.append(row)
        session.commit()
        return [r.id for r in rows]


def response_with_comment(app, round_id: int, text: str) -> int:
    with app.app_context():
        return get_session().scalar(
            select(Response.id).where(Response.round_id == round_id, Response.comment == text)
        )


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, whitespace collapsed (titles wrap across lines)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        pages = []
        for page in document:
            text_page = page.get_textpage()
            pages.append(text_page.get_text_range())
            text_page.close()
            page.close()
        return collapse(" ".join(pages))
    finally:
        document.close()


def pdf_object_counts(data: bytes) -> dict[str, int]:
    """How many text, path (vector drawing) and image objects the pages of a PDF hold."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    names = {
        pdfium_c.FPDF_PAGEOBJ_TEXT: "text",
        pdfium_c.FPDF_PAGEOBJ_PATH: "path",
        pdfium_c.FPDF_PAGEOBJ_IMAGE: "image",
    }
    counts = dict.fromkeys(names.values(), 0)
    document = pypdfium2.PdfDocument(data)
    try:
        for page in document:
            for item in page.get_objects():
                if item.type in names:
                    counts[names[item.type]] += 1
            page.close()
    finally:
        document.close()
    return counts


def docx_text(data: bytes) -> str:
    """The text of a DOCX: paragraphs and table cells, whitespace collapsed."""
    from docx import Document

    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return collapse(" ".join(parts))


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00ad", "").replace("\ufffe", "")).strip()
