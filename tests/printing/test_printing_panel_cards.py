"""Panel cards: one given code per card, several pages when needed."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from survey_app.printing import PANEL_CARDS_PER_PAGE, PanelCard, PanelCardSheet, render_panel_cards

from .conftest import (
    ORGANISATION,
    PANEL_CODES,
    TITLE,
    decode_qr,
    page_count,
    panel_sheet,
    panel_url,
    render_page,
)

KEEP = ("Conserva questa tessera: ti chiederemo lo stesso codice alla fine del percorso. "
        "Il codice non è collegato al tuo nome.")


def test_each_card_prints_its_code_qr_and_the_keep_text():
    soup = BeautifulSoup(render_panel_cards(panel_sheet()), "html.parser")
    cards = soup.select(".card")
    assert [card.select_one(".code").get_text(strip=True) for card in cards] == PANEL_CODES
    for card, code in zip(cards, PANEL_CODES):
        assert [g.get_text() for g in card.select(".code .group")] == code.split("-")
        assert card.select_one(".url").get_text() == panel_url(code)
        assert card.select_one(".qr > svg")["aria-label"].endswith(panel_url(code))
        assert KEEP in " ".join(card.get_text(" ").split())
    assert "monospace" in soup.style.string


def test_pages_hold_eight_cards_and_break_between():
    assert PANEL_CARDS_PER_PAGE == 8
    soup = BeautifulSoup(render_panel_cards(panel_sheet()), "html.parser")
    assert [len(sheet.select(".card")) for sheet in soup.select(".sheet")] == [8, 8, 4]
    assert "break-before:page" in soup.style.string


def test_twenty_codes_make_three_pages_with_readable_codes(panel_pdf):
    assert panel_pdf.startswith(b"%PDF-")
    assert page_count(panel_pdf) == 3
    assert sorted(decode_qr(render_page(panel_pdf, 2))) == sorted(panel_url(c) for c in PANEL_CODES[16:])


@pytest.mark.parametrize(("count", "pages"), [(1, 1), (8, 1), (9, 2)])
def test_page_count_follows_the_number_of_codes(pdf_of, count, pages):
    assert page_count(pdf_of(render_panel_cards(panel_sheet(PANEL_CODES[:count])))) == pages


def test_cards_accept_pairs_or_panel_cards_and_need_one():
    sheet = PanelCardSheet(organisation=ORGANISATION, title=TITLE,
                           cards=[PanelCard("AB12-CD34", "https://x.example/p/1"), ("EF56", "https://x.example/p/2")])
    assert sheet.cards == (PanelCard("AB12-CD34", "https://x.example/p/1"), PanelCard("EF56", "https://x.example/p/2"))
    with pytest.raises(ValueError):
        PanelCardSheet(organisation=ORGANISATION, title=TITLE, cards=[])
    with pytest.raises(ValueError):
        PanelCard("", "https://x.example/p/1")
