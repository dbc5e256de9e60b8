"""Shared values and helpers of the printing tests: rendered PDFs are made once per session."""

from __future__ import annotations

import datetime
import io
import json
import logging

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from survey_app.printing import (
    CardSheetContent,
    PanelCardSheet,
    PosterContent,
    html_to_pdf,
    render_cards,
    render_panel_cards,
    render_poster,
)
from survey_app.questionnaires.definition import DEFAULT_DIRECTORY, Questionnaire

#: a real-looking respondent link: a 22-character token, with "-" and "_"
LONG_URL = "https://questionari.altosebino.example/r/Zx8_kP2-QmB7dLr0aT5yHw"
CLOSES_ON = datetime.date(2023, 12, 15)
ORGANISATION = "Ambito Alto Sebino – Ufficio di Piano"
TITLE = "Il sostegno del servizio sociale per te e la tua famiglia"
COMUNI = ["Bossico", "Castro", "Costa Volpino", "Fonteno", "Lovere",
          "Pianico", "Riva di Solto", "Rogno", "Solto Collina", "Sovere"]
#: made-up single-use codes in the format the panel module hands over
PANEL_CODES = [f"{n:02d}K{chr(65 + n)}-M9XD-4HTB-R{n % 10}" for n in range(20)]


def panel_url(code: str) -> str:
    return f"https://questionari.altosebino.example/p/Zx8_kP2-QmB7dLr0aT5yHw?codice={code}"


def poster_content(**changes) -> PosterContent:
    values = dict(organisation=ORGANISATION, title=TITLE, url=LONG_URL, closes_on=CLOSES_ON,
                  estimated_minutes=4, point_label="Sportello sociale di Lovere – sala d'attesa")
    values.update(changes)
    return PosterContent(**values)


def card_content(**changes) -> CardSheetContent:
    values = dict(organisation=ORGANISATION, title=TITLE, url=LONG_URL, closes_on=CLOSES_ON,
                  estimated_minutes=4)
    values.update(changes)
    return CardSheetContent(**values)


def panel_sheet(codes=PANEL_CODES, **changes) -> PanelCardSheet:
    values = dict(organisation=ORGANISATION, title=TITLE, cards=[(c, panel_url(c)) for c in codes])
    values.update(changes)
    return PanelCardSheet(**values)


def load_questionnaire(name: str = "persona-al-centro") -> Questionnaire:
    return Questionnaire(json.loads((DEFAULT_DIRECTORY / f"{name}.json").read_text(encoding="utf-8")))


def page_count(pdf: bytes) -> int:
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def render_page(pdf: bytes, index: int = 0, scale: float = 2) -> Image.Image:
    """Rasterise one page (scale 2 is 144 dpi)."""
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[index]
        image = page.render(scale=scale).to_pil()
        page.close()
        return image
    finally:
        document.close()


def decode_qr(image: Image.Image) -> list[str]:
    """Return the texts of every QR code found in *image*."""
    return [b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def decode_png(png: bytes) -> list[str]:
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        return decode_qr(image)


#: WeasyPrint's warnings about the machine, not the document: which font-subsetting library is
#: installed (Debian's libharfbuzz-subset0 or the fontTools fallback) changes nothing a reader sees
MACHINE_WARNINGS = ("Using fontTools instead of HarfBuzz-Subset",)


def about_the_document(record: logging.LogRecord) -> bool:
    """Tell whether a WeasyPrint log record speaks of the document (CSS, HTML, fonts it asks for)."""
    return not record.getMessage().startswith(MACHINE_WARNINGS)


@pytest.fixture(scope="session")
def weasyprint_messages():
    """Collect what WeasyPrint logs at WARNING or above about the document (unsupported CSS...)."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            if about_the_document(record):
                records.append(record)

    handler = Collect(level=logging.WARNING)
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def _pdf(html: str, messages: list) -> bytes:
    pdf = html_to_pdf(html)
    assert not [m.getMessage() for m in messages], "WeasyPrint did not understand the document"
    return pdf


@pytest.fixture(scope="session")
def poster_pdf(weasyprint_messages) -> bytes:
    return _pdf(render_poster(poster_content()), weasyprint_messages)


@pytest.fixture(scope="session")
def cards_pdf(weasyprint_messages) -> bytes:
    return _pdf(render_cards(card_content()), weasyprint_messages)


@pytest.fixture(scope="session")
def panel_pdf(weasyprint_messages) -> bytes:
    return _pdf(render_panel_cards(panel_sheet()), weasyprint_messages)


@pytest.fixture(scope="session")
def pdf_of(weasyprint_messages):
    """Turn HTML into a PDF, failing when WeasyPrint logged a warning."""
    return lambda html: _pdf(html, weasyprint_messages)
