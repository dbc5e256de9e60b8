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
    assert [squash(i.select_one(".statement").get_text()) for i in items] == \
        [item.text["it"] for item in questionnaire.items]
    assert [i["data-item"] for i in items] == [item.id for item in questionnaire.items]
    assert [squash(i.select_one(".num").get_text()) for i in items] == \
        [f"Domanda {n} di 10" for n in range(1, 11)]
    headings = [squash(h.get_text()) for h in soup_of(paper).select("h2")]
    for dimension in questionnaire.dimensions:
        assert dimension["title"]["it"] in headings


def test_each_item_has_one_box_per_point_and_a_separate_dont_know(questionnaire, paper):
    for element, item in zip(soup_of(paper).select(".likert"), questionnaire.items):
        options = element.select(".opt")
        assert len(element.select(".box")) == item.scale.points + 1 == 6
        assert [squash(o.select_one(".label").get_text()) for o in options] == \
            [label["it"] for label in item.scale.labels] + ["Non so / non mi riguarda"]
        assert "na" in options[-1]["class"] and not any("na" in o["class"] for o in options[:-1])
        assert element.select_one(".gap") is not None


def test_box_counts_follow_each_scale():
    questionnaire = mixed_scales_questionnaire()
    soup = soup_of(render_paper_questionnaire(questionnaire, comuni=COMUNI))
    expected = [item.scale.points + (1 if item.scale.dont_know else 0) for item in questionnaire.items]
    assert [len(e.select(".box")) for e in soup.select(".likert")] == expected
    assert expected[:5] == [6, 8, 4, 4, 4]
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
    assert len(comment.select(".write .line")) >= 5
    text = squash(soup.get_text(" "))
    assert "Riservato all'ufficio: inserito da ______ il ______" in text
    assert text.index("Riservato all'ufficio") > text.index("Vuoi dirci altro?")


def test_intro_privacy_round_and_closing_date_come_first(questionnaire, paper):
    text = squash(soup_of(paper).get_text(" "))
    introduction = questionnaire.definition["introduction"]["it"]
    privacy = questionnaire.definition["privacy_notice"]["it"]
    assert text.index(introduction) < text.index("Domanda 1 di 10")
    assert text.index(privacy) < text.index("Domanda 1 di 10")
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
    statements = [squash(s.select_one(".statement").get_text()) for s in soup.select(".likert")]
    assert statements == [item.text["en"] for item in questionnaire.items]


def test_paper_pdf(pdf_of, paper):
    pdf = pdf_of(paper)
    assert pdf.startswith(b"%PDF-")
    assert 3 <= page_count(pdf) <= 6


def test_mixed_scales_pdf(pdf_of):
    assert page_count(pdf_of(render_paper_questionnaire(mixed_scales_questionnaire(), comuni=COMUNI))) >= 1
