"""The analysis package's Italian readings of a comparison, in the interface language."""

from __future__ import annotations

import itertools
import math
import re

import pytest
from bs4 import BeautifulSoup

from survey_app import create_app
from survey_app.analysis import wording
from survey_app.results import readings


def every_effect_label() -> set[str]:
    return set(wording.EFFECT_LABELS) | {wording.effect_label("rank_biserial", math.nan)}


def every_verdict() -> set[str]:
    """Every sentence ``wording.verdict`` can return."""
    sentences = set()
    for label, effect, p, n in itertools.product(every_effect_label(), (-0.5, 0.0, 0.5), (0.01, 0.5, math.nan),
                                                 (5, 50)):
        sentences.add(wording.verdict(p, effect, label, n))
    return sentences


@pytest.fixture(scope="module")
def english():
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "readings"})
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture(scope="module")
def italian():
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "readings"})
    with app.test_request_context(headers={"Accept-Language": "it"}):
        yield


def test_every_reading_the_analysis_can_write_is_translated(english):
    assert len(every_verdict()) >= 3 + 3 * 4
    for label in every_effect_label():
        translated = readings.effect_label(label)
        assert translated and translated != label, label
    for sentence in every_verdict():
        translated = readings.verdict(sentence)
        assert translated and translated != sentence, sentence
        assert not re.search(r"effetto|significativ|campione|rilevabile", translated), translated
    assert readings.verdict(wording.verdict(0.001, 0.6, "grande", 40)) == "significant improvement, large effect"


def test_italian_pages_show_the_analysis_words_unchanged(italian):
    for sentence in every_verdict():
        assert readings.verdict(sentence) == sentence
    for label in every_effect_label():
        assert readings.effect_label(label) == label
    assert readings.verdict("testo sconosciuto") == "testo sconosciuto" and readings.verdict(None) == ""


def test_the_english_comparison_page_reads_in_english(as_role, make_round, fill):
    before, after = make_round("persona-al-centro", "in-itinere"), make_round("persona-al-centro", "ex-post")
    fill(before.id, 12, seed=5)
    fill(after.id, 14, seed=6, shift=1.0)
    client = as_role("evaluator")
    page = client.get(f"/risultati/confronto?prima={before.id}&dopo={after.id}&lang=en")
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    table = soup.find("caption", string=re.compile("Mann-Whitney")).find_parent("table")
    readings_column = [tr.find_all("td")[-1].get_text(" ", strip=True) for tr in table.tbody.find_all("tr")]
    assert readings_column and all(re.search(r"improvement|worsening|no detectable difference|too small", text)
                                   for text in readings_column), readings_column
