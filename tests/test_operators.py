"""Operators: rounds in the UI, distribution points and QR codes, monitoring, paper entry."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from bs4 import BeautifulSoup
from conftest import IN_SHIPPED_PLAN, PUBLIC_URL, Respondent, csrf_token_of, give_shipped_plan, log_in
from PIL import Image
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import AuditEvent, DistributionPoint, Response, Round


def create_round_in_ui(client, questionnaire_id="nuova-domiciliarita", **fields) -> int:
    page = client.get(f"/gestione/rilevazioni/nuova/{questionnaire_id}")
    assert page.status_code == 200
    data = {"kind": "in-itinere", "csrf_token": csrf_token_of(client, f"/gestione/rilevazioni/nuova/{questionnaire_id}")}
    if "opens_on" not in fields:
        # only the 2021-2023 plan is loaded and today is after it: a follow-up, as an operator would mark it
        data["follow_up"] = "y"
    data.update(fields)
    response = client.post(f"/gestione/rilevazioni/nuova/{questionnaire_id}", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.search(r"/rilevazioni/(\d+)$", response.headers["Location"]).group(1))


def add_point(client, round_id: int, label: str) -> DistributionPoint:
    detail = f"/gestione/rilevazioni/{round_id}"
    response = client.post(f"{detail}/punti", data={"label": label, "csrf_token": csrf_token_of(client, detail)})
    assert response.status_code == 303


def decode_qr(image_bytes: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(image_bytes)))
    assert len(results) == 1
    return results[0].text


def test_operator_from_cli_runs_a_round_end_to_end(app, runner):
    """The issue's acceptance path: CLI user → login → round → poster and QR → response → counts."""
    created = runner.invoke(args=["users", "create", "sara@altosebino.example", "--role", "operator",
                                  "--password", "a long enough password"])
    assert created.exit_code == 0
    operator = app.test_client()
    assert log_in(operator, "sara@altosebino.example", "a long enough password").status_code == 303
    choose = operator.get("/gestione/rilevazioni/nuova").get_data(as_text=True)
    assert "nuova-domiciliarita" in choose and "Indicatori misurati" in choose
    new_page = operator.get("/gestione/rilevazioni/nuova/nuova-domiciliarita").get_data(as_text=True)
    assert "nuova-domiciliarita.outcome-5" in new_page or "Miglioramento qualità del sistema integrato" in new_page
    round_id = create_round_in_ui(operator, expected_respondents="40", closes_on="2099-12-31",
                                  label="SAD autunno", comune="")
    add_point(operator, round_id, "SAD Costa Volpino — visite domiciliari")
    with app.app_context():
        point = get_session().scalar(select(DistributionPoint).where(DistributionPoint.round_id == round_id))
        point_id, point_token = point.id, point.public_token
    point_url = f"{PUBLIC_URL}/r/{point_token}"

    png = operator.get(f"/gestione/punti/{point_id}/qr.png")
    assert png.mimetype == "image/png"
    assert decode_qr(png.data) == point_url
    svg = operator.get(f"/gestione/punti/{point_id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and svg.get_data(as_text=True).lstrip().startswith("<svg")
    poster = operator.get(f"/gestione/punti/{point_id}/manifesto?fmt=pdf")
    assert poster.mimetype == "application/pdf" and poster.data.startswith(b"%PDF")
    import pypdfium2

    document = pypdfium2.PdfDocument(poster.data)
    try:
        assert decode_qr(_png_of(document[0].render(scale=2).to_pil())) == point_url
    finally:
        document.close()
    poster_html = operator.get(f"/gestione/punti/{point_id}/manifesto").get_data(as_text=True)
    assert point_url in poster_html.replace("<wbr>", "") and "31 dicembre 2099" in poster_html
    assert operator.get(f"/gestione/punti/{point_id}/biglietti?fmt=pdf").data.startswith(b"%PDF")

    respondent = Respondent(app.test_client())
    form = respondent.load_form(point_token)
    assert respondent.submit(point_token, form.answers("4")).status_code == 303
    counts = operator.get(f"/gestione/rilevazioni/{round_id}/monitoraggio.json").json
    assert counts["total"] == 1
    assert counts["by_point"] == [["SAD Costa Volpino — visite domiciliari", 1]]
    assert counts["response_rate"] == pytest.approx(1 / 40)
    csv_text = operator.get(f"/gestione/rilevazioni/{round_id}/monitoraggio.csv").get_data(as_text=True)
    assert "punto;SAD Costa Volpino — visite domiciliari;1" in csv_text
    dashboard = operator.get("/gestione/").get_data(as_text=True)
    assert "SAD autunno" in dashboard and "1 / 40" in dashboard
    with app.app_context():
        actions = {e.action for e in get_session().scalars(select(AuditEvent))}
    assert {"round.create", "point.create", "auth.login", "user.create"} <= actions


def _png_of(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_pause_close_reopen(app, as_role, make_round, respondent):
    operator = as_role("operator")
    round_ = make_round()
    detail = f"/gestione/rilevazioni/{round_.id}"

    def change(status):
        data = {"csrf_token": csrf_token_of(operator, detail)}
        if status == "closed":
            data["confirmed"] = "1"  # what the confirmation page sends
        return operator.post(f"{detail}/stato/{status}", data=data)

    assert change("paused").status_code == 303
    assert "è sospeso" in respondent.client.get(f"/r/{round_.token}").get_data(as_text=True)
    assert change("closed").status_code == 303
    assert "è chiuso" in respondent.client.get(f"/r/{round_.token}").get_data(as_text=True)
    assert change("paused").status_code == 409  # a closed round cannot be paused, only reopened
    assert change("open").status_code == 303
    assert respondent.client.get(f"/r/{round_.token}").status_code == 200
    assert "Inizia il questionario" in respondent.client.get(f"/r/{round_.token}").get_data(as_text=True)
    with app.app_context():
        actions = [e.action for e in get_session().scalars(select(AuditEvent).where(AuditEvent.action.like("round.%")))]
    assert actions[-3:] == ["round.paused", "round.closed", "round.open"]


def test_evaluator_cannot_create_or_change_rounds(as_role, make_round):
    evaluator = as_role("evaluator")
    round_ = make_round()
    assert evaluator.get("/gestione/").status_code == 200
    assert evaluator.get("/gestione/rilevazioni/nuova").status_code == 403
    assert evaluator.get("/gestione/rilevazioni/nuova/persona-al-centro").status_code == 403
    detail = f"/gestione/rilevazioni/{round_.id}"
    token = csrf_token_of(evaluator, detail)
    assert evaluator.post(f"{detail}/stato/closed", data={"csrf_token": token}).status_code == 403
    assert evaluator.post(f"{detail}/punti", data={"label": "x", "csrf_token": token}).status_code == 403
    assert "Chiudi" not in evaluator.get(detail).get_data(as_text=True)


def test_round_scoped_to_comune_and_service(app, as_role):
    operator = as_role("operator")
    with app.app_context():
        from survey_app.models import Comune

        lovere = get_session().scalar(select(Comune).where(Comune.name == "Lovere"))
    round_id = create_round_in_ui(operator, "persona-al-centro", comune=lovere.code, service="sad")
    with app.app_context():
        round_ = get_session().get(Round, round_id)
        assert (round_.comune.name, round_.service, round_.status) == ("Lovere", "sad", "open")


def test_invalid_round_form_keeps_input_and_explains(as_role):
    operator = as_role("operator")
    path = "/gestione/rilevazioni/nuova/persona-al-centro"
    response = operator.post(path, data={"kind": "in-itinere", "opens_on": "2030-05-10", "closes_on": "2030-05-01",
                                         "label": "Prova", "csrf_token": csrf_token_of(operator, path)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "La chiusura deve venire dopo l&#39;apertura." in html or "La chiusura deve venire dopo l'apertura." in html
    assert 'value="Prova"' in html


def test_paper_version_and_entry(app, as_role, make_round):
    operator = as_role("operator")
    round_ = make_round("persona-al-centro")
    paper = operator.get(f"/gestione/rilevazioni/{round_.id}/cartaceo").get_data(as_text=True)
    assert "È stato facile chiedere aiuto al servizio sociale." in paper and "Lovere" in paper
    entry_path = f"/gestione/rilevazioni/{round_.id}/inserimento"
    page = operator.get(entry_path).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    data = {i["name"]: i["value"] for i in soup.select("input[type=hidden]")}
    for name in {i["name"] for i in soup.select("input[type=radio]") if i["name"].startswith("q_")}:
        data[name] = "3"
    data["channel"] = "paper"
    response = operator.post(entry_path, data=data)
    assert response.status_code == 303
    assert operator.post(entry_path, data=data).status_code == 303  # a double click stores nothing new
    with app.app_context():
        stored = get_session().scalars(select(Response)).all()
        assert [r.channel for r in stored] == ["paper"]
        assert "response.enter" in {e.action for e in get_session().scalars(select(AuditEvent))}


def test_entry_requires_the_channel(as_role, make_round):
    operator = as_role("operator")
    round_ = make_round("persona-al-centro")
    entry_path = f"/gestione/rilevazioni/{round_.id}/inserimento"
    soup = BeautifulSoup(operator.get(entry_path).get_data(as_text=True), "html.parser")
    data = {i["name"]: i["value"] for i in soup.select("input[type=hidden]")}
    response = operator.post(entry_path, data=data)
    assert response.status_code == 400
    assert BeautifulSoup(response.get_data(as_text=True), "html.parser").find("fieldset", id="channel").find(class_="field-error")


def test_other_ambito_rounds_are_invisible(app, as_role, make_round):
    from survey_app.models import Ambito, Comune
    from survey_app.rounds.operations import open_round

    with app.app_context():
        session = get_session()
        other = Ambito(code="basso-sebino", name="Ambito Monte Bronzone - Basso Sebino",
                       comuni=[Comune(code="sarnico", name="Sarnico")])
        session.add(other)
        session.flush()
        give_shipped_plan(session, other)
        foreign = open_round(session, "persona-al-centro", "ex-post", ambito_code="basso-sebino",
                             opens_at=IN_SHIPPED_PLAN)
        session.commit()
        foreign_id = foreign.id
    operator = as_role("operator")
    assert operator.get(f"/gestione/rilevazioni/{foreign_id}").status_code == 404
    assert operator.get(f"/gestione/rilevazioni/{foreign_id}/monitoraggio.json").status_code == 404
    assert "Sarnico" not in operator.get("/gestione/").get_data(as_text=True)


def test_operator_pages_in_italian_or_english(as_role):
    operator = as_role("operator")
    italian = operator.get("/gestione/").get_data(as_text=True)
    assert "Nuova rilevazione" in italian and 'lang="it"' in italian
    english = operator.get("/gestione/?lang=en").get_data(as_text=True)
    assert "New survey round" in english and 'lang="en"' in english
    # the choice is remembered on the next page
    assert "New survey round" in operator.get("/gestione/").get_data(as_text=True)


def _enter_questionnaire(operator, round_id: int, channel: str, value: str = "3"):
    entry_path = f"/gestione/rilevazioni/{round_id}/inserimento"
    soup = BeautifulSoup(operator.get(entry_path).get_data(as_text=True), "html.parser")
    data = {i["name"]: i["value"] for i in soup.select("input[type=hidden]")}
    for name in {i["name"] for i in soup.select("input[type=radio]") if i["name"].startswith("q_")}:
        data[name] = value
    data["channel"] = channel
    return operator.post(entry_path, data=data)


def test_counts_by_point_keep_typed_in_answers_apart_and_channels_in_words(as_role, make_round, respondent):
    """Paper and assisted answers never came through the general link: they count under their channel."""
    operator = as_role("operator")
    round_ = make_round("persona-al-centro")
    assert _enter_questionnaire(operator, round_.id, "paper").status_code == 303
    assert _enter_questionnaire(operator, round_.id, "paper", "4").status_code == 303
    assert _enter_questionnaire(operator, round_.id, "assisted").status_code == 303
    form = respondent.load_form(round_.token)
    assert respondent.submit(round_.token, form.answers("4")).status_code == 303

    counts = operator.get(f"/gestione/rilevazioni/{round_.id}/monitoraggio.json").json
    assert counts["by_point"] == [["inserite da un operatore: Questionario cartaceo", 2],
                                  ["inserite da un operatore: Con l'aiuto di un operatore", 1],
                                  ["link generale", 1]]
    assert counts["by_channel"] == [["Questionario cartaceo", 2], ["Con l'aiuto di un operatore", 1],
                                    ["Da solo/a, online", 1]]
    page = BeautifulSoup(operator.get(f"/gestione/rilevazioni/{round_.id}").get_data(as_text=True), "html.parser")
    channel_cells = [td.get_text() for td in page.find("table", attrs={"data-table": "by_channel"}).select("td")]
    assert "Questionario cartaceo" in channel_cells and "paper" not in channel_cells
    english = operator.get(f"/gestione/rilevazioni/{round_.id}/monitoraggio.json?lang=en").json
    assert ["general link", 1] in english["by_point"]
    assert ["Paper questionnaire", 2] in english["by_channel"]


def test_typing_into_a_closed_round_is_refused_and_keeps_the_answers(app, as_role, make_round):
    operator = as_role("operator")
    round_ = make_round("persona-al-centro")
    entry_path = f"/gestione/rilevazioni/{round_.id}/inserimento"
    soup = BeautifulSoup(operator.get(entry_path).get_data(as_text=True), "html.parser")
    data = {i["name"]: i["value"] for i in soup.select("input[type=hidden]")}
    items = sorted({i["name"] for i in soup.select("input[type=radio]") if i["name"].startswith("q_")})
    data.update({name: "2" for name in items}, channel="paper")
    with app.app_context():
        session = get_session()
        session.get(Round, round_.id).status = "closed"
        session.commit()

    assert "riapri la rilevazione" in operator.get(entry_path).get_data(as_text=True)
    refused = operator.post(entry_path, data=data)
    assert refused.status_code == 409
    page = BeautifulSoup(refused.get_data(as_text=True), "html.parser")
    assert "La rilevazione è chiusa" in page.find(id="notice").get_text()
    assert page.find("input", attrs={"name": items[0], "value": "2"}).has_attr("checked")
    with app.app_context():
        assert get_session().scalars(select(Response)).all() == []


# --- issue 15 item 7: the round page ---------------------------------------------------------


def test_closing_asks_first_with_the_count_and_that_it_can_be_reopened(app, as_role, make_round, respondent):
    operator = as_role("operator")
    round_ = make_round()
    form = respondent.load_form(round_.token)
    assert respondent.submit(round_.token, form.answers("4")).status_code == 303
    detail = f"/gestione/rilevazioni/{round_.id}"
    page = BeautifulSoup(operator.get(detail).get_data(as_text=True), "html.parser")
    close = page.find("a", string=re.compile("Chiudi"))
    assert close is not None and close["href"] == f"{detail}/chiudi"  # a page, not a one-click button
    # the old one-click POST (no confirmation) does not close: it leads to the question
    unconfirmed = operator.post(f"{detail}/stato/closed", data={"csrf_token": csrf_token_of(operator, detail)})
    assert unconfirmed.status_code == 303 and unconfirmed.headers["Location"].endswith(f"{detail}/chiudi")
    assert "Inizia il questionario" in respondent.client.get(f"/r/{round_.token}").get_data(as_text=True)

    confirm = operator.get(f"{detail}/chiudi")
    text = " ".join(BeautifulSoup(confirm.get_data(as_text=True), "html.parser").get_text().split())
    assert "La rilevazione ha 1 risposta." in text and "riaprirla" in text
    form_tag = BeautifulSoup(confirm.get_data(as_text=True), "html.parser").find("form", action=f"{detail}/stato/closed")
    assert form_tag["method"] == "post" and form_tag.find("input", attrs={"name": "csrf_token"})
    data = {i["name"]: i.get("value", "") for i in form_tag.find_all("input")}
    assert operator.post(f"{detail}/stato/closed", data={**data, "csrf_token": ""}).status_code == 400  # CSRF
    assert operator.post(f"{detail}/stato/closed", data=data).status_code == 303
    assert "è chiuso" in respondent.client.get(f"/r/{round_.token}").get_data(as_text=True)
    assert operator.get(f"{detail}/chiudi").status_code == 303  # nothing to confirm any more
    english = operator.get(f"{detail}/chiudi", headers={"Accept-Language": "en"})
    assert english.status_code == 303


def test_closing_date_is_the_last_day_as_typed_and_answers_are_taken_until_its_end(app, as_role):
    from datetime import datetime

    operator = as_role("operator")
    round_id = create_round_in_ui(operator, closes_on="2027-06-30")
    with app.app_context():
        round_ = get_session().get(Round, round_id)
        closes_at = round_.closes_at
        # 30 June 2027 23:59:59 in Rome (summer time, UTC+2) is still open; midnight is not
        assert round_.availability(datetime(2027, 6, 30, 21, 59, 59)) == "open"
        assert round_.availability(datetime(2027, 6, 30, 22, 0, 0)) == "closed"
    assert closes_at == datetime(2027, 6, 30, 22, 0)  # storage unchanged: the end of the day
    for page in (f"/gestione/rilevazioni/{round_id}", "/gestione/"):
        html = operator.get(page).get_data(as_text=True)
        assert "30 giugno 2027" in html or "30 giu 2027" in html, page
        assert "luglio 2027" not in html and "lug 2027" not in html, page
    english = operator.get(f"/gestione/rilevazioni/{round_id}", headers={"Accept-Language": "en"})
    assert "June 30, 2027" in english.get_data(as_text=True)


def test_round_lists_and_pickers_show_the_dates(app, as_role, make_round):
    from datetime import datetime

    make_round(opens_at=datetime(2026, 9, 30, 22, 0), closes_at=datetime(2027, 7, 1, 22, 0),  # 1/10 – 1/7 local
               follow_up=True)
    evaluator = as_role("evaluator")
    picker = BeautifulSoup(evaluator.get("/risultati/confronto").get_data(as_text=True), "html.parser")
    options = [o.get_text() for o in picker.select("#pick-prima option") if o.get("value")]
    assert options and all("1 ott 2026 – 1 lug 2027" in o for o in options), options
    listing = evaluator.get("/risultati/").get_data(as_text=True)
    assert "1 ott 2026 – 1 lug 2027" in listing
    operator = as_role("operator")
    assert "1 ott 2026 – 1 lug 2027" in operator.get("/gestione/").get_data(as_text=True)


def test_the_general_link_has_its_qr_poster_and_cards_without_a_point(app, as_role):
    operator = as_role("operator")
    round_id = create_round_in_ui(operator, closes_on="2099-12-31")
    with app.app_context():
        round_ = get_session().get(Round, round_id)
        url = f"{PUBLIC_URL}/r/{round_.public_token}"
        code = round_.short_code
    detail = operator.get(f"/gestione/rilevazioni/{round_id}").get_data(as_text=True)
    for link in ("qr.png", "qr.svg", "manifesto", "manifesto?fmt=pdf", "biglietti"):
        assert f"/gestione/rilevazioni/{round_id}/{link}" in detail.replace("&amp;", "&"), link
    png = operator.get(f"/gestione/rilevazioni/{round_id}/qr.png")
    assert png.mimetype == "image/png" and decode_qr(png.data) == url
    assert operator.get(f"/gestione/rilevazioni/{round_id}/qr.svg").mimetype == "image/svg+xml"
    poster = operator.get(f"/gestione/rilevazioni/{round_id}/manifesto?fmt=pdf")
    assert poster.mimetype == "application/pdf"
    import pypdfium2

    document = pypdfium2.PdfDocument(poster.data)
    try:
        assert decode_qr(_png_of(document[0].render(scale=2).to_pil())) == url
    finally:
        document.close()
    short = f"{PUBLIC_URL.split('://')[1]}/r/{code[:4]}-{code[4:]}"
    poster_html = operator.get(f"/gestione/rilevazioni/{round_id}/manifesto").get_data(as_text=True)
    assert short in poster_html and "31 dicembre 2099" in poster_html
    assert short in operator.get(f"/gestione/rilevazioni/{round_id}/biglietti").get_data(as_text=True)
    assert short in detail
    assert operator.get("/gestione/rilevazioni/999999/manifesto").status_code == 404


def test_short_address_opens_the_round_or_point_and_long_tokens_keep_working(app, as_role, respondent):
    from survey_app.rounds import shortcodes

    operator = as_role("operator")
    round_id = create_round_in_ui(operator)
    add_point(operator, round_id, "CDD Lovere — bacheca")
    with app.app_context():
        round_ = get_session().get(Round, round_id)
        point = round_.points[0]
        round_code, round_token, point_code, point_id = round_.short_code, round_.public_token, point.short_code, point.id
    for code in (round_code, point_code):
        assert len(code) == 8 and not set(code) & set("01ilo") and code == code.lower()
    assert round_code != point_code
    printed = shortcodes.formatted(round_code)
    assert printed == f"{round_code[:4]}-{round_code[4:]}"
    landing = respondent.client.get(f"/r/{printed}")
    assert landing.status_code == 200 and "Inizia il questionario" in landing.get_data(as_text=True)
    assert landing.headers["Cache-Control"] == "no-store"
    assert respondent.client.get(f"/r/{printed.upper()}").status_code == 200  # typed in capitals
    assert respondent.client.get(f"/r/{round_token}").status_code == 200  # the long link still works
    # an answer through the point's short address counts for that point
    form = respondent.load_form(shortcodes.formatted(point_code))
    assert respondent.submit(shortcodes.formatted(point_code), form.answers("4")).status_code == 303
    with app.app_context():
        stored = get_session().scalar(select(Response).where(Response.round_id == round_id))
        assert stored.distribution_point_id == point_id


def test_unknown_short_codes_count_against_the_guessing_limit(app, respondent):
    from survey_app.rounds import shortcodes

    statuses = [respondent.client.get(f"/r/{shortcodes.formatted(shortcodes.generate())}").status_code
                for _ in range(31)]
    assert set(statuses[:30]) == {404} and statuses[30] == 429
