"""Panel rounds: respondent codes with a check character, pairing ex ante and ex post."""

from __future__ import annotations

import itertools

import pytest
from bs4 import BeautifulSoup
from conftest import csrf_token_of
from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.models import PanelCode, Response
from survey_app.panels.codes import (
    ALPHABET,
    CodeFormatError,
    code_hash,
    formatted,
    generate_code,
    normalise,
)
from survey_app.panels.operations import create_panel, issue_codes


def test_codes_have_64_plus_bits_and_a_valid_check():
    codes = {generate_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert len(ALPHABET) ** 13 >= 2**64
    for code in itertools.islice(codes, 50):
        assert normalise(formatted(code).lower()) == code


def test_every_single_typo_is_caught():
    code = generate_code()
    for position, symbol in itertools.product(range(len(code)), ALPHABET):
        if symbol != code[position]:
            with pytest.raises(CodeFormatError):
                normalise(code[:position] + symbol + code[position + 1:])


def test_most_neighbour_swaps_are_caught():
    caught = total = 0
    for _ in range(200):
        code = generate_code()
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                total += 1
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
                try:
                    normalise(swapped)
                except CodeFormatError:
                    caught += 1
    assert caught / total > 0.95


def test_lookalike_letters_are_read_as_digits():
    code = "0" * 13
    code += __import__("survey_app.panels.codes", fromlist=["check_character"]).check_character(code)
    assert normalise("OOOO-oooo-OOOO-" + code[-2:]) == code


@pytest.fixture
def panel_rounds(app, make_round):
    """An ex ante and an ex post panel round of the beneficiaries' questionnaire, and 3 codes."""
    from survey_app.models import Ambito

    with app.app_context():
        session = get_session()
        panel = create_panel(session, session.scalar(select(Ambito)), "Inclusione attiva 2022", actor="test")
        codes = issue_codes(session, panel, 3, actor="test")
        session.commit()
        panel_id = panel.id
    ex_ante = make_round("inclusione-attiva-beneficiari", "ex-ante", panel=_panel(app, panel_id))
    return {"panel_id": panel_id, "codes": codes, "ex_ante": ex_ante}


def _panel(app, panel_id):
    from survey_app.models import Panel

    with app.app_context():
        return get_session().get(Panel, panel_id)


def answer(respondent, token, code, value="3"):
    form = respondent.load_form(token)
    return respondent.submit(token, form.answers(value, panel_code=code, role="beneficiary"))


def test_only_hashes_are_stored(app, panel_rounds):
    with app.app_context():
        stored = set(get_session().scalars(select(PanelCode.code_hash)))
    assert stored == {code_hash(c) for c in panel_rounds["codes"]}
    assert not stored & set(panel_rounds["codes"])


def test_code_pairs_ex_ante_and_ex_post(app, make_round, respondent, panel_rounds):
    from survey_app.models import Round
    from survey_app.rounds.operations import set_status

    code = panel_rounds["codes"][0]
    ex_ante = panel_rounds["ex_ante"]
    form_html = respondent.load_form(ex_ante.token).html
    assert BeautifulSoup(form_html, "html.parser").find("input", attrs={"name": "panel_code"})
    assert answer(respondent, ex_ante.token, formatted(code).lower(), "2").status_code == 303
    with app.app_context():
        session = get_session()
        set_status(session, session.get(Round, ex_ante.id), "closed", actor="test")
        session.commit()
    ex_post = make_round("inclusione-attiva-beneficiari", "ex-post", panel=_panel(app, panel_rounds["panel_id"]))
    assert answer(respondent, ex_post.token, formatted(code), "4").status_code == 303
    with app.app_context():
        rows = get_session().execute(select(Response.round_id, Response.panel_code_id)).all()
    assert len(rows) == 2
    assert rows[0][1] == rows[1][1] is not None
    assert {r[0] for r in rows} == {ex_ante.id, ex_post.id}


def test_mistyped_code_is_rejected_not_unpaired(app, respondent, panel_rounds):
    code = panel_rounds["codes"][0]
    typo = code[:5] + ("A" if code[5] != "A" else "B") + code[6:]
    response = answer(respondent, panel_rounds["ex_ante"].token, typo)
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    error = soup.find(id="panel_code-error")
    assert "non è scritto correttamente" in error.text
    # the answers are still there to send again
    assert soup.find("input", attrs={"name": "q_life_satisfaction", "value": "3"}).has_attr("checked")
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Response)) == 0


def test_used_and_unknown_codes_get_the_same_answer(app, respondent, panel_rounds):
    token = panel_rounds["ex_ante"].token
    code = panel_rounds["codes"][1]
    assert answer(respondent, token, code).status_code == 303
    used = answer(respondent, token, code)
    unknown = answer(respondent, token, generate_code())

    def error_text(response):
        return BeautifulSoup(response.get_data(as_text=True), "html.parser").find(id="panel_code-error").text

    assert used.status_code == unknown.status_code == 400
    assert error_text(used) == error_text(unknown)
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Response)) == 1


def test_card_qr_opens_the_open_panel_round_with_the_code(respondent, panel_rounds):
    code = panel_rounds["codes"][2]
    response = respondent.client.get(f"/c/{code}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{panel_rounds['ex_ante'].token}/questionario")
    form = respondent.load_form(panel_rounds["ex_ante"].token)
    assert BeautifulSoup(form.html, "html.parser").find("input", attrs={"name": "panel_code"})["value"] == code
    unknown = respondent.client.get(f"/c/{generate_code()}")
    garbage = respondent.client.get("/c/not-a-code")
    assert unknown.status_code == garbage.status_code == 404

    def message(response):
        main = BeautifulSoup(response.get_data(as_text=True), "html.parser").find("main")
        return main.get_text(" ", strip=True)

    # the same words for a well-formed unknown code and for garbage: nothing to learn by guessing
    assert message(unknown) == message(garbage)


def test_operator_prints_panel_cards_as_pdf(app, as_role, panel_rounds):
    operator = as_role("operator")
    detail = f"/gestione/rilevazioni/{panel_rounds['ex_ante'].id}"
    response = operator.post(f"{detail}/tessere", data={"count": "9", "csrf_token": csrf_token_of(operator, detail)})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(PanelCode)) == 3 + 9


def test_panel_round_created_in_the_ui(app, as_role):
    operator = as_role("operator")
    path = "/gestione/rilevazioni/nuova/inclusione-attiva-beneficiari"
    response = operator.post(path, data={"kind": "ex-ante", "is_panel": "y", "label": "Inclusione 2022", "follow_up": "y",
                                         "csrf_token": csrf_token_of(operator, path)})
    assert response.status_code == 303
    detail = operator.get(response.headers["Location"]).get_data(as_text=True)
    assert "Genera e scarica le tessere" in detail
