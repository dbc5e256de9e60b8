"""The admin page of the plans: who may use it, upload (check and import), downloads."""

from __future__ import annotations

import io
import json

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import Plan
from survey_app.plans import views
from survey_app.plans.exporting import find_plan
from survey_app.plans.importing import create_ambito, import_plan
from tests.conftest import csrf_token_of
from tests.plans.helpers import ALTO_SEBINO, OTHER_AMBITO, example, parsed

PAGE = "/amministrazione/piani"


def upload(client, filename: str, data: bytes, action: str = "importa", token_page: str = PAGE, **fields):
    return client.post(PAGE, data={"csrf_token": csrf_token_of(client, token_page), "ambito": "alto-sebino",
                                   "azione": action, "file": (io.BytesIO(data), filename), **fields},
                       content_type="multipart/form-data")


def problems_shown(response) -> list[str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [li.get_text() for li in soup.select("#errori li")]


def plan_codes(app) -> set[str]:
    with app.app_context():
        return {f"{p.ambito.code}/{p.code}" for p in get_session().scalars(select(Plan))}


def test_only_admins_use_the_page(client, as_role):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accesso" in response.headers["Location"]
    for role in ("operator", "evaluator"):
        other = as_role(role)
        assert other.get(PAGE).status_code == 403
        assert other.get(f"{PAGE}/modello.xlsx").status_code == 403
        assert other.get(f"{PAGE}/1.json").status_code == 403
    admin = as_role("admin")
    page = admin.get(PAGE)
    assert page.status_code == 200
    assert "Piano di Zona 2021-2023" in page.get_data(as_text=True)


def test_checking_a_file_stores_nothing_and_importing_it_stores_the_plan(app, as_role):
    admin = as_role("admin")
    checked = upload(admin, ALTO_SEBINO.name, ALTO_SEBINO.read_bytes(), action="controlla")
    assert checked.status_code == 200
    soup = BeautifulSoup(checked.get_data(as_text=True), "html.parser")
    assert "è corretto" in soup.select_one("#controllo").get_text()
    assert "4 obiettivi, 12 indicatori, 5 collegamenti" in soup.select_one("#controllo").get_text()
    assert "alto-sebino/pdz-2025-2027" not in plan_codes(app)
    imported = upload(admin, ALTO_SEBINO.name, ALTO_SEBINO.read_bytes())
    assert imported.status_code == 303
    assert "alto-sebino/pdz-2025-2027" in plan_codes(app)
    assert "importato" in admin.get(PAGE).get_data(as_text=True)


def test_a_broken_workbook_shows_each_problem_on_its_line_and_stores_nothing(app, as_role):
    admin = as_role("admin")
    raw = admin.get(f"{PAGE}/modello.xlsx")
    assert raw.status_code == 200 and raw.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(raw.data))
    sheet = book["Piano"]
    for row, value in enumerate(["pdz-2025-2027", "Esempio", 2025, "duemila", "attivo"], start=2):
        sheet.cell(row=row, column=2, value=value)
    book["Obiettivi"].append(["uno", "1", "ambito", "", "Primo obiettivo"])
    book["Indicatori"].append(["due", None, "processo", "Un indicatore"])
    book["Indicatori"].append(["uno", None, "impatto", "Un altro"])
    out = io.BytesIO()
    book.save(out)
    response = upload(admin, "piano.xlsx", out.getvalue())
    assert response.status_code == 422
    assert problems_shown(response) == [
        "piano.xlsx: foglio Piano, riga 5, colonna «valore»: «duemila» non è un anno: scrivi quattro cifre, per "
        "esempio 2025",
        "piano.xlsx: foglio Piano, riga 6, colonna «valore»: stato «attivo» sconosciuto: scrivi bozza, in vigore, "
        "chiuso",
        "piano.xlsx: foglio Indicatori, riga 2, colonna «obiettivo»: obiettivo «due» sconosciuto: non è nel foglio "
        "Obiettivi",
        "piano.xlsx: foglio Indicatori, riga 3, colonna «tipo»: tipo «impatto» sconosciuto: scrivi processo, output o "
        "esito",
    ]
    assert plan_codes(app) == {"alto-sebino/pdz-2021-2023"}


def test_a_re_import_refused_by_the_database_checks_shows_why(app, as_role):
    admin = as_role("admin")
    data = example()
    data["plan"]["status"] = "closed"
    assert upload(admin, "piano.json", json.dumps(data).encode()).status_code == 303
    response = upload(admin, "piano.json", json.dumps(data).encode())
    assert response.status_code == 422
    assert problems_shown(response) == [
        "piano.json: $.plan.code: il piano «pdz-2025-2027» dell'Ambito Ambito distrettuale Alto Sebino è chiuso: "
        "non si può più modificare reimportandolo"]


def test_the_page_speaks_english_too(as_role):
    admin = as_role("admin")
    data = example()
    del data["objectives"][0]["title"]
    admin.get(f"{PAGE}?lang=en")
    response = upload(admin, "plan.json", json.dumps(data).encode())
    assert problems_shown(response) == ["plan.json: $.objectives[0].title: required field missing"]


def test_wrong_file_types_and_oversized_files_are_refused(app, as_role, monkeypatch):
    admin = as_role("admin")
    response = upload(admin, "piano.csv", b"a;b")
    assert response.status_code == 400
    assert "Il file deve essere .json o .xlsx." in response.get_data(as_text=True)
    # above the app-wide limit, below the 500 KB beyond which the test client spools to a temporary file
    example_file = ALTO_SEBINO.read_bytes()
    padded = example_file.replace(b'"format": 1', b'"format": 1, "x": "' + b"a" * 300_000 + b'"', 1)
    assert app.config["MAX_CONTENT_LENGTH"] < len(padded) < 500 * 1024
    assert "campo sconosciuto «x»" in problems_shown(upload(admin, "piano.json", padded))[0]
    monkeypatch.setattr(views, "MAX_FILE_BYTES", 100_000)
    assert upload(admin, "piano.json", padded).status_code == 413
    assert upload(as_role("operator"), "piano.json", padded, token_page="/indicatori/").status_code == 413


def test_downloads_give_the_plan_back_and_only_in_the_admins_ambito(app, as_role):
    with app.app_context():
        session = get_session()
        other = create_ambito(session, "ambito-di-esempio", "Ambito di esempio", [])
        foreign = import_plan(session, other, parsed(example(OTHER_AMBITO)), actor="test").plan
        session.commit()
        foreign_id, own_id = foreign.id, find_plan(session, "alto-sebino/pdz-2021-2023").id
    admin = as_role("admin")
    own = admin.get(f"{PAGE}/{own_id}.json")
    assert own.status_code == 200
    assert json.loads(own.data)["plan"]["code"] == "pdz-2021-2023"
    xlsx = admin.get(f"{PAGE}/{own_id}.xlsx")
    assert load_workbook(io.BytesIO(xlsx.data))["Piano"]["B2"].value == "pdz-2021-2023"
    # the staff admin belongs to Alto Sebino: another Ambito's plan does not exist for them
    assert admin.get(f"{PAGE}/{foreign_id}.json").status_code == 404
    assert "Ambito di esempio" not in admin.get(PAGE).get_data(as_text=True)
    # nor can they load a plan into it
    refused = upload(admin, OTHER_AMBITO.name, OTHER_AMBITO.read_bytes(), ambito="ambito-di-esempio")
    assert refused.status_code == 400
    with app.app_context():
        assert len(get_session().scalars(select(Plan).where(Plan.ambito_id == other.id)).all()) == 1
