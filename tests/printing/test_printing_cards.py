"""The A4 sheet of cut-out cards to hand out at home visits."""

from __future__ import annotations

from bs4 import BeautifulSoup

from survey_app.printing import CARDS_PER_SHEET, render_cards

from .conftest import LONG_URL, TITLE, card_content, decode_qr, page_count, render_page


def test_every_card_has_qr_title_url_and_date():
    soup = BeautifulSoup(render_cards(card_content()), "html.parser")
    cards = soup.select(".card")
    assert len(cards) == CARDS_PER_SHEET == 8
    for card in cards:
        text = " ".join(card.get_text(" ").split())
        assert card.select_one("h2").get_text() == TITLE
        assert card.select_one(".url").get_text() == LONG_URL
        assert "Puoi rispondere fino al 15 dicembre 2023" in text
        assert "Bastano 4 minuti. Le risposte sono anonime." in text
        assert card.select_one(".qr > svg") is not None
    assert "dashed" in soup.style.string


def test_cards_pdf_is_one_sheet_of_readable_codes(cards_pdf):
    assert cards_pdf.startswith(b"%PDF-")
    assert page_count(cards_pdf) == 1
    assert decode_qr(render_page(cards_pdf, scale=2)) == [LONG_URL] * CARDS_PER_SHEET


def test_overlong_title_is_cut_not_moved_to_a_second_page(pdf_of):
    pdf = pdf_of(render_cards(card_content(title="Titolo lunghissimo " * 15,
                                           organisation="Ambito " * 30)))
    assert page_count(pdf) == 1
