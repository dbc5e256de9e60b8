"""Every text given to the printing package is escaped: it can never become markup."""

from __future__ import annotations

import copy

from bs4 import BeautifulSoup

from survey_app.printing import (
    PosterContent,
    render_cards,
    render_panel_cards,
    render_paper_questionnaire,
    render_poster,
)
from survey_app.questionnaires.definition import Questionnaire

from .conftest import card_content, load_questionnaire, panel_sheet, poster_content

XSS = "<script>alert(1)</script>"
ATTRIBUTE_XSS = '"><img src=x onerror=alert(1)>'


def assert_inert(html: str, occurrences: int) -> None:
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None and soup.find("img") is None
    assert "<script>" not in html and "<img" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= occurrences
    # the payload still reads as the text the operator typed
    assert XSS in soup.get_text()


def test_poster_escapes_every_field():
    poster = poster_content(title=XSS, point_label=XSS, organisation=XSS, invitation=XSS,
                            url=f"https://x.example/r/{ATTRIBUTE_XSS}")
    html = render_poster(poster)
    assert_inert(html, occurrences=4)
    assert "<title>&lt;script&gt;" in html


def test_poster_with_xss_still_renders_a_pdf(pdf_of):
    pdf = pdf_of(render_poster(poster_content(title=XSS, point_label=XSS)))
    assert pdf.startswith(b"%PDF-")


def test_cards_escape_every_field():
    html = render_cards(card_content(title=XSS, organisation=XSS, url=f"https://x.example/{ATTRIBUTE_XSS}"))
    assert_inert(html, occurrences=8)


def test_panel_cards_escape_codes_and_texts():
    sheet = panel_sheet(codes=[XSS, "AB12-CD34"], title=XSS, organisation=ATTRIBUTE_XSS)
    assert_inert(render_panel_cards(sheet), occurrences=2)


def test_paper_questionnaire_escapes_definition_texts_comuni_and_round():
    definition = copy.deepcopy(load_questionnaire().definition)
    definition["title"]["it"] = XSS
    definition["introduction"]["it"] = XSS
    definition["dimensions"][0]["items"][0]["text"]["it"] = XSS
    definition["scales"]["agreement5"]["labels"][0]["it"] = XSS
    definition["context"][1]["options"][0]["label"]["it"] = XSS
    html = render_paper_questionnaire(Questionnaire(definition), comuni=[XSS, "Lovere"], round_label=XSS)
    assert_inert(html, occurrences=6)


def test_from_questionnaire_keeps_texts_for_escaping():
    definition = copy.deepcopy(load_questionnaire().definition)
    definition["title"]["it"] = XSS
    poster = PosterContent.from_questionnaire(Questionnaire(definition), url="https://x.example/r/t")
    assert_inert(render_poster(poster), occurrences=1)
