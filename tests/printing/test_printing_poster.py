"""The A4 poster: texts, Italian dates, one page, a QR code that a phone can read."""

from __future__ import annotations

import datetime

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from bs4 import BeautifulSoup

from survey_app.printing import PosterContent, render_poster

from .conftest import (
    LONG_URL,
    TITLE,
    decode_qr,
    load_questionnaire,
    page_count,
    poster_content,
    render_page,
)

PRIVACY = "Il questionario è anonimo: non chiediamo il nome e non salviamo il tuo indirizzo internet."


def text_of(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


def test_poster_says_what_people_need():
    html = render_poster(poster_content())
    text = text_of(html)
    assert TITLE in text
    assert "Ambito Alto Sebino – Ufficio di Piano" in text
    assert "Dicci come ti trovi con i nostri servizi. Bastano 4 minuti. Le risposte sono anonime." in text
    assert "Puoi rispondere fino al 15 dicembre 2023" in text
    assert PRIVACY in text
    assert "Sportello sociale di Lovere – sala d'attesa" in text
    soup = BeautifulSoup(html, "html.parser")
    # the link is printed for who types it, breakable only after a slash
    assert soup.select_one(".url").get_text() == LONG_URL
    assert soup.select_one("h1").get_text() == TITLE


def test_poster_is_self_contained_a4_html():
    html = render_poster(poster_content())
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == "it"
    assert soup.html["dir"] == "ltr"
    assert "size:A4" in soup.style.string
    assert soup.select_one(".qr > svg") is not None
    assert not soup.find_all(["link", "script", "img", "iframe"])
    assert "http" not in soup.style.string


def test_invitation_singular_override_and_missing_values():
    one_minute = text_of(render_poster(poster_content(estimated_minutes=1)))
    assert "Basta 1 minuto." in one_minute
    custom = text_of(render_poster(poster_content(invitation="Dicci come ti trovi al centro diurno.")))
    assert "Dicci come ti trovi al centro diurno." in custom
    assert "nostri servizi" not in custom
    bare = text_of(render_poster(poster_content(closes_on=None, estimated_minutes=None, point_label="")))
    assert "Puoi rispondere" not in bare and "minut" not in bare
    assert "Le risposte sono anonime." in bare


def test_italian_article_before_one_eight_and_eleven():
    for day, expected in [(1, "fino all'1 dicembre 2023"), (8, "fino all'8 dicembre 2023"),
                          (11, "fino all'11 dicembre 2023"), (31, "fino al 31 dicembre 2023")]:
        text = text_of(render_poster(poster_content(closes_on=datetime.date(2023, 12, day))))
        assert expected in text


def test_from_questionnaire_takes_title_organisation_and_time():
    questionnaire = load_questionnaire()
    poster = PosterContent.from_questionnaire(questionnaire, url=LONG_URL, closes_on=None)
    assert poster.title == TITLE
    assert poster.organisation == "Ambito Alto Sebino – Ufficio di Piano"
    assert poster.estimated_minutes == 4
    english = PosterContent.from_questionnaire(questionnaire, url=LONG_URL, language="en")
    html = render_poster(english)
    assert english.title == "Social services support for you and your family"
    assert BeautifulSoup(html, "html.parser").html["lang"] == "en"
    assert "December 15, 2023" not in html  # no date given


def test_english_poster_formats_the_date_in_english():
    html = render_poster(poster_content(language="en"))
    assert "December 15, 2023" in html


def test_poster_pdf_is_one_page_with_a_readable_vector_qr(poster_pdf):
    assert poster_pdf.startswith(b"%PDF-")
    assert page_count(poster_pdf) == 1
    assert decode_qr(render_page(poster_pdf, scale=2)) == [LONG_URL]
    # the QR code is drawn as paths, not embedded as a raster image
    document = pdfium.PdfDocument(poster_pdf)
    page = document[0]
    kinds = {obj.type for obj in page.get_objects(max_depth=10)}
    text = " ".join(page.get_textpage().get_text_range().split())
    page.close()
    document.close()
    assert pdfium_c.FPDF_PAGEOBJ_IMAGE not in kinds
    assert pdfium_c.FPDF_PAGEOBJ_PATH in kinds
    assert "Puoi rispondere fino al 15 dicembre 2023" in text


def test_long_texts_stay_on_one_page(pdf_of):
    poster = poster_content(organisation="Ambito Alto Sebino – Ufficio di Piano, per il Distretto Bergamo Est",
                            title="Il progetto Territorio e lavoro per la salute mentale: " * 5,
                            invitation="Una frase molto lunga. " * 20, point_label="Punto " * 40)
    pdf = pdf_of(render_poster(poster))
    assert page_count(pdf) == 1
    assert decode_qr(render_page(pdf, scale=2)) == [LONG_URL]
