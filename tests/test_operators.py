"""Operators: rounds in the UI, distribution points and QR codes, monitoring, paper entry."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from bs4 import BeautifulSoup
from conftest import PUBLIC_URL, Respondent, csrf_token_of, log_in
from PIL import Image
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import AuditEvent, DistributionPoint, Response, Round


def create_round_in_ui(client, questionnaire_id="nuova-domiciliarita", **fields) -> int:
    page = client.get(f"/gestione/rilevazioni/nuova/{questionnaire_id}")
    assert page.status_code == 200
    data = {"kind": "in-itinere", "csrf_token": csrf_token_of(client, f"/gestione/rilevazioni/nuova/{questionnaire_id}")}
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
        return operator.post(f"{detail}/stato/{status}", data={"csrf_token": csrf_token_of(operator, detail)})

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
        foreign = open_round(session, "persona-al-centro", "ex-post", ambito_code="basso-sebino")
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
