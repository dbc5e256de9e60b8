"""Evaluator pages: access, tables and charts, filters and the small-cell rule, comparisons."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from survey_app.db import get_session
from survey_app.models import Comune

RULE = "non si mostra nessun risultato"


def _soup(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _comune_code(app, name: str) -> str:
    with app.app_context():
        return get_session().scalar(sa.select(Comune.code).where(Comune.name == name))


@pytest.fixture
def round_with_groups(app, make_round, fill):
    """A round with 10 answers from Lovere, 9 from Sovere, 8 from Rogno and 3 from Castro."""
    round_ = make_round("persona-al-centro")
    fill(round_.id, 10, comune="lovere", service="sad", seed=1)
    fill(round_.id, 9, comune="sovere", service="sad", seed=2)
    fill(round_.id, 8, comune="rogno", service="cdi", seed=3)
    fill(round_.id, 3, comune="castro", service="cdi", seed=4)
    return round_.id


def test_who_sees_the_results(app, as_role, round_with_groups):
    url = f"/risultati/rilevazioni/{round_with_groups}"
    for path in ("/risultati/", url, "/risultati/confronto",
                 "/risultati/questionari/persona-al-centro"):
        assert as_role("evaluator").get(path).status_code == 200, path
        assert as_role("admin").get(path).status_code == 200, path
        assert as_role("operator").get(path).status_code == 403, path
        anonymous = app.test_client().get(path)
        assert anonymous.status_code in (302, 303) and "/accesso" in anonymous.headers["Location"]
    assert "Risultati" in _soup(as_role("evaluator").get("/gestione/")).find(
        "nav", class_="staff-nav").get_text()
    assert "Risultati" not in _soup(as_role("operator").get("/gestione/")).find(
        "nav", class_="staff-nav").get_text()


def test_another_ambito_is_not_found(as_role, round_with_groups, foreign_round):
    client = as_role("evaluator")
    for path in (f"/risultati/rilevazioni/{foreign_round}",
                 f"/risultati/rilevazioni/{foreign_round}/risposte.csv",
                 f"/risultati/rilevazioni/{foreign_round}/risposte.sav",
                 f"/risultati/confronto?prima={foreign_round}&dopo={round_with_groups}"):
        assert client.get(path).status_code == 404, path
    index = client.get("/risultati/").get_data(as_text=True)
    assert f"/risultati/rilevazioni/{foreign_round}\"" not in index


def test_index_lists_rounds_with_counts(as_role, round_with_groups, make_round, fill):
    small = make_round("persona-al-centro", "ex-post")
    fill(small.id, 2)
    soup = _soup(as_role("evaluator").get("/risultati/"))
    counts = [row.find_all("td")[-1].get_text(strip=True) for row in soup.select("tbody tr")]
    assert "30" in counts
    assert "n<5" in counts and "2" not in counts  # a round of 2 shows no count


def test_round_page_tables_and_charts(as_role, round_with_groups):
    soup = _soup(as_role("evaluator").get(f"/risultati/rilevazioni/{round_with_groups}"))
    text = soup.get_text(" ", strip=True)
    assert "30 rispondenti" in text
    for table in soup.find_all("table"):
        assert table.caption is not None and table.caption.get_text(strip=True)
        assert all(th.get("scope") in ("col", "row", "rowgroup") for th in table.find_all("th"))
    items = soup.find("table", attrs=None, string=None)
    assert items is not None
    svgs = soup.find_all("svg")
    assert svgs, "diverging bars expected"
    for svg in svgs:
        assert svg.get("role") == "img"
        labelled = svg["aria-labelledby"].split()
        assert svg.find("title", id=labelled[0]) and svg.find("desc", id=labelled[1])
    html = str(soup)
    assert "style=" not in html  # strict CSP: no inline styles
    assert "<script>" not in html
    assert "indicativo" in text  # 30 respondents is under... a group of 8-10 is indicative
    assert "revisionati" in text  # the note on raw downloads


def test_small_comune_is_never_shown(app, as_role, round_with_groups):
    client = as_role("evaluator")
    soup = _soup(client.get(f"/risultati/rilevazioni/{round_with_groups}"))
    caption = soup.find("caption", id="gruppi-comune")
    table = caption.find_parent("table")
    rows = {tr.th.get_text(strip=True): [td.get_text(strip=True) for td in tr.find_all("td")]
            for tr in table.tbody.find_all("tr")}
    assert rows["Castro"][0] == "n<5"
    assert all(cell == "n<5" for cell in rows["Castro"])
    # complementary suppression: another comune is hidden too, so Castro is not total - rest
    hidden = [name for name, cells in rows.items() if cells[0] == "n<5"]
    assert len(hidden) >= 2
    assert rows["Totale"][0] == "30"
    # the filter offers only the published comuni
    offered = [o.get_text() for o in soup.find("select", id="filter-comune").find_all("option")]
    assert "Castro" not in offered
    for name in hidden:
        assert name not in offered
    # asking for Castro anyway shows nothing but the rule
    castro = _comune_code(app, "Castro")
    filtered = _soup(client.get(f"/risultati/rilevazioni/{round_with_groups}?comune={castro}"))
    text = filtered.get_text(" ", strip=True)
    assert RULE in text
    assert filtered.find("caption", string=re.compile("Distribuzione")) is None
    assert not filtered.find_all("svg")
    assert not re.search(r"\b3 rispondenti", text)
    # an unknown comune gets the very same answer
    unknown = _soup(client.get(f"/risultati/rilevazioni/{round_with_groups}?comune=atlantide"))
    assert RULE in unknown.get_text(" ", strip=True)


def test_filtered_view_of_a_published_group(app, as_role, round_with_groups):
    client = as_role("evaluator")
    lovere = _comune_code(app, "Lovere")
    soup = _soup(client.get(f"/risultati/rilevazioni/{round_with_groups}?comune={lovere}"))
    text = soup.get_text(" ", strip=True)
    assert "Comune: Lovere" in text and "10 rispondenti" in text
    assert soup.find("caption", id="gruppi-comune") is None  # no breakdowns inside a filter
    by_service = _soup(client.get(f"/risultati/rilevazioni/{round_with_groups}?servizio=sad"))
    assert "19 rispondenti" in by_service.get_text(" ", strip=True)
    both = _soup(client.get(f"/risultati/rilevazioni/{round_with_groups}?servizio=sad&comune={lovere}"))
    assert "un filtro alla volta" in both.get_text(" ", strip=True)
    assert "rispondenti" not in both.find("main").get_text(" ", strip=True).split("Scarica")[0] \
        .replace("5 rispondenti", "").replace("20 rispondenti", "")


def test_round_with_fewer_than_five_respondents(as_role, make_round, fill):
    round_ = make_round("persona-al-centro")
    fill(round_.id, 4)
    text = _soup(as_role("evaluator").get(f"/risultati/rilevazioni/{round_.id}")).get_text(" ")
    assert "meno di 5 rispondenti" in text and RULE in text
    assert "4 rispondenti" not in text


def test_comparison_of_independent_rounds(as_role, make_round, fill):
    before, after = make_round("persona-al-centro", "in-itinere"), make_round("persona-al-centro", "ex-post")
    fill(before.id, 12, seed=5)
    fill(after.id, 14, seed=6, shift=1.0)
    client = as_role("evaluator")
    picker = _soup(client.get("/risultati/confronto"))
    assert picker.find("select", id="pick-prima") and picker.find("select", id="pick-dopo")
    soup = _soup(client.get(f"/risultati/confronto?prima={before.id}&dopo={after.id}"))
    text = soup.get_text(" ", strip=True)
    assert "12 rispondenti" in text and "14 rispondenti" in text
    independent = soup.find("h2", id="test-independent")
    assert independent is not None
    table = soup.find("caption", string=re.compile("Mann-Whitney")).find_parent("table")
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in table.tbody.find_all("tr")]
    assert max(int(cells[0]) for cells in rows) == 12  # "non so" answers are not counted
    assert max(int(cells[1]) for cells in rows) == 14
    assert all(re.search(r"miglioramento|peggioramento|nessuna differenza|troppo piccolo", cells[-1])
               for cells in rows)
    assert soup.find("h2", id="test-paired") is None
    svg = soup.find("svg", id=None)
    assert svg is not None and svg["role"] == "img"
    assert "style=" not in str(soup)


def test_comparison_of_a_panel_counts_who_improved(as_role, panel_rounds):
    before, after = panel_rounds
    soup = _soup(as_role("evaluator").get(f"/risultati/confronto?prima={before}&dopo={after}"))
    assert soup.find("h2", id="test-paired") is not None
    table = soup.find("caption", string=re.compile("Wilcoxon")).find_parent("table")
    headers = [th.get_text(strip=True) for th in table.thead.find_all("th")]
    assert {"Migliorati", "Stabili", "Peggiorati"} <= set(headers)
    rows = [[td.get_text(strip=True) for td in tr.find_all("td")] for tr in table.tbody.find_all("tr")]
    for cells in rows:
        pairs, improved, same, worsened = (int(c) for c in cells[:4])
        assert pairs <= 12 and improved + same + worsened == pairs
    assert max(int(cells[0]) for cells in rows) == 12


def test_comparison_refuses_other_questionnaires(as_role, make_round, fill):
    first, second = make_round("persona-al-centro"), make_round("nuova-domiciliarita")
    soup = _soup(as_role("evaluator").get(f"/risultati/confronto?prima={first.id}&dopo={second.id}"))
    assert "stesso questionario" in soup.get_text()


def test_questionnaire_page_shows_rounds_side_by_side(as_role, make_round, fill):
    first, second = make_round("persona-al-centro", "in-itinere"), make_round("persona-al-centro", "ex-post")
    fill(first.id, 8, seed=7)
    fill(second.id, 3, seed=8)
    soup = _soup(as_role("evaluator").get("/risultati/questionari/persona-al-centro"))
    table = soup.find("caption", string=re.compile("Rispondenti e punteggio")).find_parent("table")
    rows = [[td.get_text(strip=True) for td in tr.find_all("td")] for tr in table.tbody.find_all("tr")]
    assert rows[0][1].startswith("8")
    assert rows[1][1] == "n<5"
    assert all(cell in ("n<5",) for cell in rows[1][2:])
