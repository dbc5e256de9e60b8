"""The staff pages of the questionnaires: upload, preview, compare, publish or discard, translations."""

from __future__ import annotations

import copy
import io
import json
import re

import pytest
from bs4 import BeautifulSoup
from conftest import csrf_token_of
from openpyxl import load_workbook
from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.models import (
    Ambito,
    AuditEvent,
    Comune,
    Plan,
    QuestionnaireDraft,
    QuestionnaireVersion,
)
from survey_app.questionnaires.comparison import compare
from survey_app.questionnaires.definition import DEFAULT_DIRECTORY
from survey_app.questionnaires.xlsform import write_xlsform
from tests.plans.helpers import ALTO_SEBINO

PERSONA = json.loads((DEFAULT_DIRECTORY / "persona-al-centro.json").read_text(encoding="utf-8"))
PAGE = "/gestione/questionari"


def second_version(text: str = "Chiedere aiuto ai servizi è stato semplice.") -> dict:
    """Persona v2: the first statement reworded, one added, the last of the first group removed."""
    changed = copy.deepcopy(PERSONA)
    changed["version"] = 2
    first = changed["dimensions"][0]["items"]
    first[0]["text"] = {"it": text}
    removed = first.pop()
    first.append({"id": "pc-nuova", "text": {"it": "Gli orari dello sportello mi vanno bene."}})
    return changed, removed


def import_plan_2025(runner, ambito: str = "alto-sebino") -> int:
    """Load the example 2025-2027 plan (in force) into *ambito*: questionnaires are published for open plans."""
    result = runner.invoke(args=["plans", "import", str(ALTO_SEBINO), "--ambito", ambito])
    assert result.exit_code == 0, result.output
    with runner.app.app_context():
        return get_session().scalar(select(Plan.id).join(Ambito, Ambito.id == Plan.ambito_id).where(
            Plan.code == "pdz-2025-2027", Ambito.code == ambito))


@pytest.fixture(autouse=True)
def plan_2025(app, runner) -> int:
    return import_plan_2025(runner)


def upload(client, app, definition: dict, name: str = "persona.xlsx", as_json: bool = False):
    body = json.dumps(definition).encode() if as_json else write_xlsform(definition)
    return client.post(PAGE, data={"csrf_token": csrf_token_of(client, PAGE), "plan": alto_sebino_plan(app),
                                   "file": (io.BytesIO(body), name)}, content_type="multipart/form-data")


def alto_sebino_plan(app) -> int:
    with app.app_context():
        return get_session().scalar(select(Plan.id).join(Ambito, Ambito.id == Plan.ambito_id).where(
            Plan.code == "pdz-2025-2027", Ambito.code == "alto-sebino"))


def draft_id_of(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/bozze/(\d+)", response.headers["Location"]).group(1))


def post(client, path: str):
    return client.post(path, data={"csrf_token": csrf_token_of(client, "/gestione")})


def counts(app) -> tuple[int, int]:
    with app.app_context():
        session = get_session()
        return (session.scalar(select(func.count()).select_from(QuestionnaireVersion)),
                session.scalar(select(func.count()).select_from(QuestionnaireDraft)))


def test_comparison_matches_statements_by_id():
    changed, removed = second_version()
    result = compare(PERSONA, changed)
    by_id = {s.item_id: s for s in result.statements}
    first = PERSONA["dimensions"][0]["items"][0]
    assert by_id[first["id"]].status == "changed" and by_id[first["id"]].old_text == first["text"]["it"]
    assert "en" in by_id[first["id"]].details  # the English text went away with the rewording
    assert by_id["pc-nuova"].status == "added"
    assert by_id[removed["id"]].status == "removed" and result.statements[-1].item_id == removed["id"]
    assert result.count("unchanged") == len(by_id) - 3
    assert result.other_parts == [] and not compare(PERSONA, PERSONA).other_parts
    assert compare(PERSONA, PERSONA).unchanged


def test_an_operator_uploads_previews_and_publishes_a_new_version(app, as_role):
    client = as_role("operator")
    assert "Carica un questionario" in client.get(PAGE).get_data(as_text=True)
    changed, removed = second_version()
    draft_id = draft_id_of(upload(client, app, changed))
    assert counts(app)[1] == 1

    page = client.get(f"{PAGE}/bozze/{draft_id}")
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    rows = {tr.find_all("small")[-1].get_text(strip=True): tr for tr in soup.select("table.comparison tbody tr")}
    assert "modificata" in rows[PERSONA["dimensions"][0]["items"][0]["id"]].get_text()
    assert "Prima" in rows[PERSONA["dimensions"][0]["items"][0]["id"]].get_text()
    assert rows["pc-nuova"]["class"] == ["diff-added"] and "aggiunta" in rows["pc-nuova"].get_text()
    assert rows[removed["id"]]["class"] == ["diff-removed"] and rows[removed["id"]].find("del")
    frame = soup.find("iframe", class_="phone")
    assert frame["src"].endswith(f"/bozze/{draft_id}/anteprima?lingua=it")
    # the language switch of the preview: every language of the draft
    assert [a["hreflang"] for a in soup.select("ul.preview-languages a")] == ["it", "en"]

    preview = client.get(frame["src"])
    assert preview.status_code == 200
    assert "frame-ancestors 'self'" in preview.headers["Content-Security-Policy"]
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    html = preview.get_data(as_text=True)
    assert "Chiedere aiuto ai servizi è stato semplice." in html and "Gli orari dello sportello" in html
    assert PERSONA["privacy_notice"]["it"][:40] in html and "Lovere" in html  # the Ambito's comuni
    english = client.get(f"{PAGE}/bozze/{draft_id}/anteprima?lingua=en").get_data(as_text=True)
    assert PERSONA["title"]["en"] in english
    assert client.get(f"{PAGE}/bozze/{draft_id}/anteprima?lingua=fr").status_code == 404

    published = post(client, f"{PAGE}/bozze/{draft_id}/pubblica")
    assert published.status_code == 303 and published.headers["Location"].endswith("/persona-al-centro")
    with app.app_context():
        session = get_session()
        stored = session.scalar(select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == "persona-al-centro", QuestionnaireVersion.version == 2))
        assert stored.definition == changed
        assert session.get(QuestionnaireDraft, draft_id) is None
        actions = [(e.action, e.actor) for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action.startswith("questionnaire.")).order_by(AuditEvent.id))]
        assert actions == [("questionnaire.draft", "operatrice@altosebino.example"),
                           ("questionnaire.publish", "operatrice@altosebino.example"),
                           ("questionnaire.draft.publish", "operatrice@altosebino.example")]
    detail = client.get(f"{PAGE}/persona-al-centro").get_data(as_text=True)
    assert "/persona-al-centro/v2.xlsx" in detail and "/persona-al-centro/v1.json" in detail


def test_a_broken_file_shows_each_problem_and_stores_nothing(app, as_role):
    client = as_role("operator")
    before = counts(app)
    book = load_workbook(io.BytesIO(write_xlsform(PERSONA)))
    book["survey"].cell(row=5, column=1).value = "begin_repeat"
    out = io.BytesIO()
    book.save(out)
    response = client.post(PAGE, data={"csrf_token": csrf_token_of(client, PAGE), "plan": alto_sebino_plan(app),
                                       "file": (io.BytesIO(out.getvalue()), "rotto.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    problems = [li.get_text() for li in BeautifulSoup(response.get_data(as_text=True), "html.parser")
                .select("ul.problems li")]
    assert any(p.startswith("rotto.xlsx: foglio survey, riga 5, colonna «type»: le ripetizioni") for p in problems), problems
    assert counts(app) == before
    # the same version with other content: refused before it becomes a draft
    changed, _removed = second_version()
    changed["version"] = 1
    refused = upload(client, app, changed, as_json=True, name="persona.json")
    assert refused.status_code == 422 and "la versione 1 è già caricata con un contenuto diverso" in \
        refused.get_data(as_text=True)
    unchanged = upload(client, app, PERSONA)
    assert unchanged.status_code == 422 and "già pubblicata, identica" in unchanged.get_data(as_text=True)
    assert counts(app) == before


def test_a_draft_can_be_discarded_and_a_later_one_previews_its_own_text(app, as_role):
    client = as_role("admin")
    first = draft_id_of(upload(client, app, second_version("Primo testo della bozza.")[0]))
    assert "Primo testo della bozza." in client.get(f"{PAGE}/bozze/{first}/anteprima").get_data(as_text=True)
    discarded = post(client, f"{PAGE}/bozze/{first}/scarta")
    assert discarded.status_code == 303
    with app.app_context():
        session = get_session()
        assert session.get(QuestionnaireDraft, first) is None
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "questionnaire.draft.discard"))
    # same id and version, other content: the preview must not reuse the first draft's form
    second = draft_id_of(upload(client, app, second_version("Secondo testo della bozza.")[0]))
    html = client.get(f"{PAGE}/bozze/{second}/anteprima").get_data(as_text=True)
    assert "Secondo testo della bozza." in html and "Primo testo" not in html
    # a corrected upload of the same version replaces its draft
    third = draft_id_of(upload(client, app, second_version("Terzo testo.")[0]))
    assert counts(app)[1] == 1 and third != second
    assert client.get(f"{PAGE}/bozze/{second}").status_code == 404


def test_who_may_publish(app, as_role, staff, runner):
    from survey_app.accounts.operations import create_user
    from survey_app.demo import give_shipped_plan

    operator = as_role("operator")
    draft_id = draft_id_of(upload(operator, app, second_version()[0]))
    evaluator = as_role("evaluator")
    assert evaluator.get(PAGE).status_code == 403
    assert evaluator.get(f"{PAGE}/bozze/{draft_id}").status_code == 403
    assert post(evaluator, f"{PAGE}/bozze/{draft_id}/pubblica").status_code == 403

    with app.app_context():
        session = get_session()
        other = Ambito(code="basso-sebino", name="Basso Sebino", comuni=[Comune(code="sarnico", name="Sarnico")])
        session.add(other)
        session.flush()
        give_shipped_plan(session, other, DEFAULT_DIRECTORY)
        create_user(session, "altro@bassosebino.example", "operator", "una password lunga e sicura 42",
                    ambito=other, actor="test")
        session.commit()
    from conftest import log_in

    foreign = app.test_client()
    assert log_in(foreign, "altro@bassosebino.example", "una password lunga e sicura 42").status_code == 303
    # another Ambito's draft is not found, and cannot be published or discarded
    assert foreign.get(f"{PAGE}/bozze/{draft_id}").status_code == 404
    assert post(foreign, f"{PAGE}/bozze/{draft_id}/pubblica").status_code == 404
    assert post(foreign, f"{PAGE}/bozze/{draft_id}/scarta").status_code == 404
    # persona-al-centro is now used by both Ambiti: only an admin of every Ambito may change it
    plan_id = import_plan_2025(runner, "basso-sebino")
    response = foreign.post(PAGE, data={"csrf_token": csrf_token_of(foreign, PAGE), "plan": plan_id,
                                        "file": (io.BytesIO(write_xlsform(second_version()[0])), "p.xlsx")},
                            content_type="multipart/form-data")
    assert response.status_code == 403 and "usato anche da un altro Ambito" in response.get_data(as_text=True)
    refused = post(operator, f"{PAGE}/bozze/{draft_id}/pubblica")
    assert refused.status_code == 403
    assert counts(app)[1] == 1


def test_a_translation_sheet_round_trip_on_the_page(app, as_role):
    client = as_role("operator")
    sheet = client.get(f"{PAGE}/persona-al-centro/traduzione.xlsx?lingua=fr")
    assert sheet.status_code == 200 and sheet.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(sheet.data))
    assert book["Traduzione"]["C1"].value == "Français (fr)"
    bad = client.get(f"{PAGE}/persona-al-centro/traduzione.xlsx?lingua=Francese")
    assert bad.status_code == 303

    rows = list(book["Traduzione"].iter_rows(min_row=2))
    for row in rows[1:]:
        row[2].value = f"FR {row[1].value}"
    out = io.BytesIO()
    book.save(out)
    incomplete = client.post(f"{PAGE}/persona-al-centro", data={
        "csrf_token": csrf_token_of(client, f"{PAGE}/persona-al-centro"),
        "file": (io.BytesIO(out.getvalue()), "fr.xlsx")}, content_type="multipart/form-data")
    assert incomplete.status_code == 422
    assert "fr.xlsx: foglio Traduzione, riga 2, colonna «Français (fr)»: manca la traduzione" in \
        incomplete.get_data(as_text=True)
    assert counts(app)[1] == 0

    rows[0][2].value = "FR premier"
    out = io.BytesIO()
    book.save(out)
    done = client.post(f"{PAGE}/persona-al-centro", data={
        "csrf_token": csrf_token_of(client, f"{PAGE}/persona-al-centro"),
        "file": (io.BytesIO(out.getvalue()), "fr.xlsx")}, content_type="multipart/form-data")
    draft_id = draft_id_of(done)
    assert done.headers["Location"].endswith("lingua=fr")
    page = client.get(f"{PAGE}/bozze/{draft_id}?lingua=fr").get_data(as_text=True)
    assert "Français" in page and "anteprima?lingua=fr" in page
    assert "FR " + PERSONA["title"]["it"] in client.get(f"{PAGE}/bozze/{draft_id}/anteprima?lingua=fr").get_data(
        as_text=True)
    assert post(client, f"{PAGE}/bozze/{draft_id}/pubblica").status_code == 303
    with app.app_context():
        stored = get_session().scalar(select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == "persona-al-centro", QuestionnaireVersion.version == 2))
        assert stored.questionnaire.languages == ["it", "en", "fr"]


def test_downloads_of_a_version(app, as_role):
    client = as_role("operator")
    xlsx = client.get(f"{PAGE}/persona-al-centro/v1.xlsx")
    assert xlsx.status_code == 200
    comuni = {row[1].value for row in load_workbook(io.BytesIO(xlsx.data))["choices"].iter_rows(min_row=2)
              if row[0].value == "comune"}
    assert "lovere" in comuni
    assert client.get(f"{PAGE}/persona-al-centro/v1.json").get_json()["id"] == "persona-al-centro"
    assert client.get(f"{PAGE}/persona-al-centro/v9.json").status_code == 404
    assert client.get(f"{PAGE}/nessuno").status_code == 404


def test_a_file_larger_than_the_limit_is_refused_with_its_size(app, as_role, monkeypatch):
    from survey_app.questionnaires import views

    monkeypatch.setattr(views, "MAX_FILE_BYTES", 1000)
    client = as_role("operator")
    before = counts(app)
    refused = upload(client, app, second_version()[0])
    assert refused.status_code == 422
    assert "persona.xlsx: il file è più grande di 0 MB" in refused.get_data(as_text=True)
    assert counts(app) == before
