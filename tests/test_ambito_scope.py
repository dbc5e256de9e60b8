"""Which Ambiti staff see: their own; every Ambito only for an admin given that right by name;
nothing for an operator or evaluator without an Ambito (fail closed)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from conftest import IN_SHIPPED_PLAN, PASSWORD, csrf_token_of, give_shipped_plan, log_in
from sqlalchemy import select
from test_route_access import _call, _rules, _url, sample_values  # noqa: F401 (a fixture)

from survey_app.accounts.operations import PASSWORD_HASHER
from survey_app.accounts.permissions import PERMISSIONS
from survey_app.db import get_session
from conftest import IN_SHIPPED_PLAN, give_shipped_plan
from survey_app.models import Ambito, Comune, User

WIDE_ADMIN = "regia@distretto.example"


@pytest.fixture
def two_ambiti(app):
    """A second Ambito with a round, and an installation-wide admin."""
    from survey_app.rounds.operations import open_round

    with app.app_context():
        session = get_session()
        other = Ambito(code="basso-sebino", name="Basso Sebino", comuni=[Comune(code="sarnico", name="Sarnico")])
        session.add(other)
        session.flush()
        give_shipped_plan(session, other)
        open_round(session, "persona-al-centro", "ex-post", ambito_code="basso-sebino", opens_at=IN_SHIPPED_PLAN)
        _add_user(session, WIDE_ADMIN, "admin")
        session.commit()


def _add_user(session, email, role, ambito=None):
    # a row as any version stored it, without the rules of create_user
    user = User(email=email, role=role, password_hash=PASSWORD_HASHER.hash(PASSWORD), ambito=ambito)
    session.add(user)
    session.flush()
    return user


def _user(app, email):
    with app.app_context():
        user = get_session().scalar(select(User).where(User.email == email))
        return (user.role, user.ambito.code if user.ambito else None) if user else None


@pytest.mark.parametrize("role", ["operator", "evaluator", "admin"])
def test_cli_refuses_staff_without_ambito_when_there_are_several(app, runner, two_ambiti, role):
    result = runner.invoke(args=["users", "create", "x@altosebino.example", "--role", role, "--password", PASSWORD])
    assert result.exit_code == 1, result.output
    assert "needs an Ambito" in result.output and "alto-sebino, basso-sebino" in result.output
    assert ("--all-ambiti" in result.output) == (role == "admin")
    assert _user(app, "x@altosebino.example") is None


def test_cli_every_ambito_only_for_admins_asked_by_name(app, runner, two_ambiti):
    refused = runner.invoke(args=["users", "create", "o@x.example", "--role", "operator", "--all-ambiti",
                                  "--password", PASSWORD])
    assert refused.exit_code == 1 and "for admins only" in refused.output
    assert _user(app, "o@x.example") is None
    made = runner.invoke(args=["users", "create", "a@x.example", "--role", "admin", "--all-ambiti",
                               "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    assert _user(app, "a@x.example") == ("admin", None)
    chosen = runner.invoke(args=["users", "create", "e@x.example", "--role", "evaluator", "--ambito", "basso-sebino",
                                 "--password", PASSWORD])
    assert chosen.exit_code == 0, chosen.output
    assert _user(app, "e@x.example") == ("evaluator", "basso-sebino")


def _create_on_page(client, **data):
    token = csrf_token_of(client, "/amministrazione/utenti")
    response = client.post("/amministrazione/utenti", data={"password": "", "csrf_token": token, **data})
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return response, " ".join(e.text for e in page.select(".field-error"))


def test_page_refuses_operator_or_evaluator_without_ambito(app, two_ambiti):
    admin = app.test_client()
    assert log_in(admin, WIDE_ADMIN).status_code == 303
    _response, errors = _create_on_page(admin, email="o@altosebino.example", role="operator", ambito="")
    assert "Scegli l'Ambito dell'utente." in errors
    _response, errors = _create_on_page(admin, email="e@altosebino.example", role="evaluator", ambito="*")
    assert "Solo un amministratore può vedere tutti gli Ambiti" in errors
    assert _user(app, "o@altosebino.example") is None and _user(app, "e@altosebino.example") is None
    _response, errors = _create_on_page(admin, email="e@altosebino.example", role="evaluator", ambito="basso-sebino")
    assert not errors and _user(app, "e@altosebino.example") == ("evaluator", "basso-sebino")
    _response, errors = _create_on_page(admin, email="a@altosebino.example", role="admin", ambito="*")
    assert not errors and _user(app, "a@altosebino.example") == ("admin", None)


def test_admin_of_one_ambito_creates_users_of_that_ambito_only(app, as_role, two_ambiti):
    admin = as_role("admin")
    assert 'name="ambito"' not in admin.get("/amministrazione/utenti").get_data(as_text=True)
    _response, errors = _create_on_page(admin, email="n@altosebino.example", role="admin", ambito="*")
    assert not errors and _user(app, "n@altosebino.example") == ("admin", "alto-sebino")


def test_wide_admin_cannot_be_made_an_operator_without_ambito(app, two_ambiti):
    admin = app.test_client()
    log_in(admin, WIDE_ADMIN)
    with app.app_context():
        session = get_session()
        other = _add_user(session, "w2@x.example", "admin")
        session.commit()
        edit = f"/amministrazione/utenti/{other.id}"
    response = admin.post(edit, data={"role": "operator", "ambito": "*", "is_active": "y",
                                      "csrf_token": csrf_token_of(admin, edit)})
    assert response.status_code == 200
    assert "Solo un amministratore può vedere tutti gli Ambiti" in response.get_data(as_text=True)
    assert _user(app, "w2@x.example") == ("admin", None)
    response = admin.post(edit, data={"role": "operator", "ambito": "basso-sebino", "is_active": "y",
                                      "csrf_token": csrf_token_of(admin, edit)})
    assert response.status_code == 303 and _user(app, "w2@x.example") == ("operator", "basso-sebino")


@pytest.mark.parametrize("role", ["operator", "evaluator"])
def test_staff_without_ambito_see_nothing(app, sample_values, two_ambiti, role):  # noqa: F811
    """A row from before the rule (no Ambito) opens no page of any Ambito."""
    email = f"senza-ambito-{role}@x.example"
    with app.app_context():
        session = get_session()
        _add_user(session, email, role)
        session.commit()
    client = app.test_client()
    assert log_in(client, email).status_code == 303
    checked = 0
    for rule in _rules(app):
        permission = getattr(app.view_functions[rule.endpoint], "required_permission", None)
        if not permission or role not in PERMISSIONS[permission] or "GET" not in rule.methods:
            continue
        response = _call(client, "GET", _url(app, rule, sample_values))
        checked += 1
        assert response.status_code in (403, 404), f"GET {rule.rule} as {role} without Ambito: {response.status_code}"
    assert checked > 10
    page = client.get("/gestione/").get_data(as_text=True)
    assert "non è assegnato a nessun Ambito" in page


def test_admin_of_one_ambito_learns_no_email_of_another(app, as_role, two_ambiti):
    wide = app.test_client()
    log_in(wide, WIDE_ADMIN)
    _response, errors = _create_on_page(wide, email="segreta@basso.example", role="evaluator", ambito="basso-sebino")
    assert not errors
    log_in(app.test_client(), "segreta@basso.example", "a wrong password for her")
    admin = as_role("admin")
    for page in ("/amministrazione/utenti", "/amministrazione/registro",
                 "/amministrazione/registro?utente=segreta", "/amministrazione/registro?azione=user."):
        assert "segreta@basso.example" not in admin.get(page).get_data(as_text=True), page
    with app.app_context():
        foreign_id = get_session().scalar(select(User.id).where(User.email == "segreta@basso.example"))
    assert admin.get(f"/amministrazione/utenti/{foreign_id}").status_code == 404
    # creating the same address is refused (logins are unique), without saying where or what it is
    _response, errors = _create_on_page(admin, email="segreta@basso.example", role="operator")
    assert "non può essere usato" in errors
    assert not any(word in errors for word in ("Esiste", "exists", "Basso", "valutat", "segreta"))
    assert _user(app, "segreta@basso.example") == ("evaluator", "basso-sebino")
    # a duplicate in one's own Ambito is named as such
    _response, errors = _create_on_page(admin, email="operatrice@altosebino.example", role="operator")
    assert "Esiste già un utente" in errors
