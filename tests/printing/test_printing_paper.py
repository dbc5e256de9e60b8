"""The paper questionnaire: same items, same order, boxes to tick, readable and photocopiable."""

from __future__ import annotations

import copy
import re

import pytest
from bs4 import BeautifulSoup

from survey_app.printing import render_paper_questionnaire
from survey_app.questionnaires.definition import Questionnaire, validate_definition

from .conftest import CLOSES_ON, COMUNI, load_questionnaire, page_count


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load_questionnaire()


@pytest.fixture(scope="module")
def paper(questionnaire) -> str:
    return render_paper_questionnaire(questionnaire, comuni=COMUNI, round_label="Rilevazione ex post 2023",
                                      closes_on=CLOSES_ON)


def mixed_scales_questionnaire() -> Questionnaire:
    """A questionnaire with a 7-point, a 4-point scale without "non so", other roles, no comment."""
    definition = copy.deepcopy(load_questionnaire().definition)
    definition["scales"]["frequency7"] = {
        "points": 7, "labels": [{"it": f"Livello {n}"} for n in range(1, 8)],
        "dont_know": {"it": "Non so"}}
    definition["scales"]["yes4"] = {"points": 4, "labels": [{"it": t} for t in ("No", "Poco", "Abbastanza", "Sì")]}
    definition["dimensions"][0]["items"][1]["scale"] = "frequency7"
    definition["dimensions"][1]["scale"] = "yes4"
    definition["context"][2]["options"] = ["partner_operator", "citizen"]
    del definition["comment"]
    assert validate_definition(definition) == []
    return Questionnaire(definition)


def test_items_in_order_numbered_like_the_web_form(questionnaire, paper):
    items = soup_of(paper).select(".likert")
    assert [squash(i.select_one("th").get_text()) for i in items] == \
        [f"{n}. {item.text['it']}" for n, item in enumerate(questionnaire.items, start=1)]
    assert [i["data-item"] for i in items] == [item.id for item in questionnaire.items]
    headings = [squash(h.get_text()) for h in soup_of(paper).select("h2")]
    for dimension in questionnaire.dimensions:
        assert dimension["title"]["it"] in headings


def test_each_item_has_one_box_per_point_and_a_separate_dont_know(questionnaire, paper):
    soup = soup_of(paper)
    for grid in soup.select("table.grid"):
        assert [squash(th.get_text()) for th in grid.select("thead th")] == \
            [label["it"] for label in questionnaire.items[0].scale.labels] + ["Non so / non mi riguarda"]
        assert "na" in grid.select("thead th")[-1]["class"]
    rows = soup.select("tr.answers")
    assert [r["data-item"] for r in rows] == [item.id for item in questionnaire.items]
    for row, item in zip(rows, questionnaire.items):
        options = row.select(".opt")
        assert len(row.select(".box")) == item.scale.points + 1 == 6
        assert "na" in options[-1]["class"] and not any("na" in o["class"] for o in options[:-1])


def test_box_counts_follow_each_scale():
    questionnaire = mixed_scales_questionnaire()
    soup = soup_of(render_paper_questionnaire(questionnaire, comuni=COMUNI))
    expected = [item.scale.points + (1 if item.scale.dont_know else 0) for item in questionnaire.items]
    assert [len(e.select(".box")) for e in soup.select(".answers")] == expected
    assert expected[:5] == [6, 8, 4, 4, 4]
    # one table per run of statements on the same scale, each headed by its own labels
    heads = [[squash(th.get_text()) for th in grid.select("thead th")] for grid in soup.select("table.grid")]
    assert heads[1] == [f"Livello {n}" for n in range(1, 8)] + ["Non so"]
    assert heads[2] == ["No", "Poco", "Abbastanza", "Sì"]
    roles = soup.select_one('[data-kind="role"]')
    assert [squash(li.get_text()) for li in roles.select("li")] == \
        ["Operatore di un ente partner", "Cittadino o cittadina"]
    assert soup.select_one(".comment") is None


def test_context_questions_comment_and_office_line(questionnaire, paper):
    soup = soup_of(paper)
    comuni = soup.select_one('[data-kind="comune"]')
    assert squash(comuni.select_one(".statement").get_text()) == "In quale Comune vivi?"
    assert [squash(li.get_text()) for li in comuni.select("li")] == COMUNI
    assert len(comuni.select(".box")) == len(COMUNI)
    service = soup.select_one('[data-kind="service"]')
    assert [squash(li.get_text()) for li in service.select("li")] == \
        [o["label"]["it"] for o in questionnaire.context_question("service")["options"]]
    role = soup.select_one('[data-kind="role"]')
    assert [squash(li.get_text()) for li in role.select("li")] == \
        ["Persona che usa il servizio", "Familiare o persona che assiste (caregiver)"]
    comment = soup.select_one(".comment")
    assert "Vuoi dirci altro? (facoltativo)" in squash(comment.get_text())
    assert "Non scrivere nomi o dati che possono farti riconoscere." in squash(comment.get_text())
    assert len(comment.select(".write .line")) >= 3
    text = squash(soup.get_text(" "))
    assert "Riservato all'ufficio: inserito da ______ il ______" in text


def test_intro_privacy_round_and_closing_date_come_first(questionnaire, paper):
    text = squash(soup_of(paper).get_text(" "))
    introduction = questionnaire.definition["introduction"]["it"]
    privacy = questionnaire.definition["privacy_notice"]["it"]
    first = f"1. {questionnaire.items[0].text['it']}"
    assert text.index(introduction) < text.index(first)
    assert text.index(privacy) < text.index(first)
    assert "Rilevazione ex post 2023" in text
    assert "Consegna il questionario entro il 15 dicembre 2023." in text
    assert "persona-al-centro · versione 1" in text


def test_round_limits_and_missing_comuni(questionnaire):
    limited = soup_of(render_paper_questionnaire(questionnaire, ask_comune=False, ask_service=False))
    assert limited.select_one('[data-kind="comune"]') is None
    assert limited.select_one('[data-kind="service"]') is None
    assert limited.select_one('[data-kind="role"]') is not None
    unknown = soup_of(render_paper_questionnaire(questionnaire, comuni=[]))
    comune = unknown.select_one('[data-kind="comune"]')
    assert comune.select(".box") == [] and comune.select_one(".blank") is not None


def test_low_vision_and_photocopy_friendly_styles(paper):
    css = re.sub(r"/\*.*?\*/", "", soup_of(paper).style.string, flags=re.S)
    sizes = re.findall(r"font-size:([0-9.]+)(\w+)", css)
    assert sizes and all(unit == "pt" and float(value) >= 14 for value, unit in sizes), sizes
    colours = set(re.findall(r"#[0-9a-fA-F]{3,6}\b", css))
    assert colours <= {"#000", "#fff"}, colours
    assert "break-inside:avoid" in css


def test_english_version(questionnaire):
    soup = soup_of(render_paper_questionnaire(questionnaire, language="en", comuni=COMUNI))
    assert soup.html["lang"] == "en"
    statements = [squash(s.select_one("th").get_text()) for s in soup.select(".likert")]
    assert statements == [f"{n}. {item.text['en']}" for n, item in enumerate(questionnaire.items, start=1)]


def _boxes(page) -> list[tuple[float, float, float, float]]:
    """The tick boxes of a PDF page: square paths of 7 mm (about 20 points)."""
    found = []
    for obj in page.get_objects(max_depth=5):
        left, bottom, right, top = obj.get_bounds()
        if 18 <= right - left <= 22 and 18 <= top - bottom <= 22:
            found.append((left, bottom, right, top))
    return found


def _text_extents(page, text: str) -> list[tuple[float, float, float, float, float, float]]:
    """Where *text* is on *page*, whatever its line breaks: per occurrence, the box of its first
    character, then the horizontal extent of all of them (left, bottom, right, top, min, max)."""
    textpage = page.get_textpage()
    chars = textpage.get_text_range()
    kept = [i for i, ch in enumerate(chars) if not ch.isspace()]
    squashed = "".join(chars[i] for i in kept)
    wanted = "".join(text.split())
    found, start = [], squashed.find(wanted)
    while start >= 0:
        indices = kept[start:start + len(wanted)]
        boxes = [textpage.get_charbox(i) for i in indices]
        found.append((*boxes[0], min(b[0] for b in boxes), max(b[2] for b in boxes)))
        start = squashed.find(wanted, start + 1)
    return found


@pytest.mark.parametrize("name", ["persona-al-centro", "nuova-domiciliarita"])
def test_ten_statements_fit_two_pages_with_every_box_beside_its_label(pdf_of, name):
    """Five pages for ten statements, and a box of "Centro diurno anziani (CDI)" left in one column
    with its label heading the next, were the paper version before."""
    import pypdfium2 as pdfium

    questionnaire = load_questionnaire(name)
    assert len(questionnaire.items) == 10
    pdf = pdf_of(render_paper_questionnaire(questionnaire, comuni=COMUNI, round_label="Rilevazione ex post 2023",
                                            closes_on=CLOSES_ON))
    assert page_count(pdf) == 2
    options = COMUNI + [o["label"]["it"] for o in questionnaire.context_question("service")["options"]] + \
        ["Persona che usa il servizio", "Familiare o persona che assiste"]
    column_heads = [label["it"] for label in questionnaire.items[0].scale.labels] + ["Non so / non mi riguarda"]
    document = pdfium.PdfDocument(pdf)
    try:
        seen, grid_boxes = set(), 0
        for page in document:
            boxes = _boxes(page)
            beside_labels = set()
            for option in options:
                for left, bottom, _, top, _, _ in _text_extents(page, option):
                    seen.add(option)
                    # a box ends within 5 mm before the label's first letter, on the same line
                    beside = [b for b in boxes if 0 <= left - b[2] <= 14 and b[1] < (bottom + top) / 2 < b[3]]
                    assert beside, f"{option!r}: no box beside its label"
                    beside_labels.update(beside)
            heads = [extent for head in column_heads for extent in _text_extents(page, head)]
            for box in set(boxes) - beside_labels:
                # below a table's head: the box is centred under one of its labels
                if heads and box[3] < min(h[1] for h in heads):
                    grid_boxes += 1
                    centre = (box[0] + box[2]) / 2
                    assert any(abs(centre - (h[4] + h[5]) / 2) < 6 for h in heads), "a box under no label"
        assert seen == set(options)
        assert grid_boxes == 10 * 6
    finally:
        document.close()


def test_paper_pdf(pdf_of, paper):
    pdf = pdf_of(paper)
    assert pdf.startswith(b"%PDF-")
    assert page_count(pdf) == 2


def test_mixed_scales_pdf(pdf_of):
    assert page_count(pdf_of(render_paper_questionnaire(mixed_scales_questionnaire(), comuni=COMUNI))) >= 1
