"""Staff accounts: CLI creation, hashing, login, throttling, sessions, admin pages, audit log."""

from __future__ import annotations

from bs4 import BeautifulSoup
from conftest import PASSWORD, csrf_token_of, log_in
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.models import AuditEvent, User, UserSession


def test_cli_creates_user_with_given_password(app, runner):
    result = runner.invoke(args=["users", "create", "Anna@AltoSebino.example", "--role", "operator",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Created operator anna@altosebino.example." in result.output
    with app.app_context():
        user = get_session().scalar(select(User))
        assert user.email == "anna@altosebino.example" and user.role == "operator"
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert user.ambito.code == "alto-sebino"


def test_cli_prompts_and_generates_when_empty(app, runner):
    typed = runner.invoke(args=["users", "create", "a@x.example", "--role", "evaluator"],
                          input=f"{PASSWORD}\n{PASSWORD}\n")
    assert typed.exit_code == 0, typed.output
    assert "Generated password" not in typed.output
    generated = runner.invoke(args=["users", "create", "b@x.example", "--role", "admin"], input="\n\n")
    assert generated.exit_code == 0, generated.output
    password = generated.output.strip().splitlines()[-1].split(": ", 1)[1]
    assert len(password) >= 16
    client = app.test_client()
    assert log_in(client, "b@x.example", password).status_code == 303


def test_cli_refuses_weak_password_and_duplicates(runner):
    weak = runner.invoke(args=["users", "create", "c@x.example", "--role", "operator", "--password", "short"])
    assert weak.exit_code == 2 and "at least 15 characters" in weak.output
    runner.invoke(args=["users", "create", "c@x.example", "--role", "operator", "--password", PASSWORD])
    again = runner.invoke(args=["users", "create", "C@x.example", "--role", "operator", "--password", PASSWORD])
    assert again.exit_code == 2 and "exists already" in again.output


def test_same_message_for_unknown_user_and_wrong_password(client, staff):
    unknown = log_in(client, "nobody@altosebino.example")
    wrong = log_in(client, staff.operator, "not the password at all")
    assert unknown.status_code == wrong.status_code == 401

    def message(response):
        return BeautifulSoup(response.get_data(as_text=True), "html.parser").find(class_="notice").text.strip()

    assert message(unknown) == message(wrong) == "E-mail o password non corretti."


def test_session_id_rotates_at_login_and_logout_ends_it(app, staff):
    client = app.test_client()
    log_in(client, staff.operator)
    with client.session_transaction() as cookie_session:
        first = cookie_session["_user_id"]
    stolen = client.get_cookie("session").value
    client.post("/esci", data={"csrf_token": csrf_token_of(client, "/gestione/")})
    log_in(client, staff.operator)
    with client.session_transaction() as cookie_session:
        assert cookie_session["_user_id"] != first
    # the cookie from before the logout no longer opens anything
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/gestione/")
    assert response.status_code == 302 and "/accesso" in response.headers["Location"]
    with app.app_context():
        assert get_session().get(UserSession, first) is None


def test_disabled_user_is_logged_out(app, as_role, staff):
    client = as_role("operator")
    assert client.get("/gestione/").status_code == 200
    with app.app_context():
        session = get_session()
        session.scalar(select(User).where(User.email == staff.operator)).is_active = False
        session.commit()
    assert client.get("/gestione/").status_code == 302
    assert log_in(app.test_client(), staff.operator).status_code == 401


def test_admin_creates_disables_and_reroles_users_in_the_ui(app, as_role):
    admin = as_role("admin")
    token = csrf_token_of(admin, "/amministrazione/utenti")
    created = admin.post("/amministrazione/utenti", data={"email": "nuovo@altosebino.example", "role": "operator",
                                                           "password": "", "csrf_token": token})
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and "Password generata" in html
    password = BeautifulSoup(html, "html.parser").find("code", class_="secret").text
    assert log_in(app.test_client(), "nuovo@altosebino.example", password).status_code == 303
    with app.app_context():
        user_id = get_session().scalar(select(User.id).where(User.email == "nuovo@altosebino.example"))
    edit = f"/amministrazione/utenti/{user_id}"
    response = admin.post(edit, data={"role": "evaluator", "csrf_token": csrf_token_of(admin, edit)})
    assert response.status_code == 303
    with app.app_context():
        user = get_session().get(User, user_id)
        assert (user.role, user.is_active) == ("evaluator", False)  # unchecked box: disabled
    assert log_in(app.test_client(), "nuovo@altosebino.example", password).status_code == 401


def test_admin_cannot_remove_own_rights(app, as_role, staff):
    admin = as_role("admin")
    with app.app_context():
        admin_id = get_session().scalar(select(User.id).where(User.email == staff.admin))
    edit = f"/amministrazione/utenti/{admin_id}"
    response = admin.post(edit, data={"role": "operator", "is_active": "y", "csrf_token": csrf_token_of(admin, edit)})
    assert response.status_code == 200
    assert "Non puoi togliere a te stesso i diritti di amministratore." in response.get_data(as_text=True)


def test_audit_log_records_and_filters(app, as_role, staff):
    as_role("operator")
    log_in(app.test_client(), staff.operator, "wrong password here")
    admin = as_role("admin")
    with app.app_context():
        actions = [e.action for e in get_session().scalars(select(AuditEvent))]
    assert {"user.create", "auth.login", "auth.login_failed"} <= set(actions)
    page = admin.get("/amministrazione/registro?azione=auth.login&utente=operatrice").get_data(as_text=True)
    rows = BeautifulSoup(page, "html.parser").find("tbody").find_all("tr")
    assert rows and all("operatrice@altosebino.example" in r.text and "auth.login" in r.text for r in rows)
