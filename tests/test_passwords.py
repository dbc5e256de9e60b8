"""Staff passwords (NIST SP 800-63B): length 15 to 128, not only blanks, not common or guessable."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from conftest import PASSWORD, csrf_token_of, log_in
from sqlalchemy import select

from survey_app.accounts.operations import (
    MAX_PASSWORD_LENGTH,
    AccountError,
    check_password_strength,
    generate_password,
)
from survey_app.db import get_session
from survey_app.models import User

WEAK = [
    " " * 12,                    # accepted before
    " " * 20,
    "password1234",              # accepted before
    "password123456789",         # long, still a breached-list favourite with digits
    "passwordpassword",
    "aaaaaaaaaaaaaaaa",
    "123456789012345",
    "qwertyuiopasdfgh",          # a keyboard row
    "iloveyou12345678",
    "trustno1trustno1",
    "Password12345678",
    "short phrase",              # 12 characters
    "nuovo.operatore.2024",      # contains the login
]
STRONG = [PASSWORD, "a long enough password", "Lovere Sovere Rogno", "x" * 3 + generate_password()]


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_refused(password):
    with pytest.raises(AccountError):
        check_password_strength(password, "nuovo.operatore@altosebino.example")


@pytest.mark.parametrize("password", STRONG)
def test_good_passwords_accepted(password):
    check_password_strength(password, "nuovo.operatore@altosebino.example")


def test_length_limits():
    phrase = "ogni mattina il lago cambia colore sotto le montagne " * 3
    check_password_strength(phrase[:64])
    check_password_strength(phrase[:MAX_PASSWORD_LENGTH])
    with pytest.raises(AccountError):
        check_password_strength(phrase[:MAX_PASSWORD_LENGTH + 1])
    assert MAX_PASSWORD_LENGTH >= 64


def test_generated_passwords_pass_the_policy():
    for _ in range(20):
        check_password_strength(generate_password(), "someone@altosebino.example")


@pytest.mark.parametrize("password", [" " * 12, "password1234"])
def test_cli_refuses_weak_password_with_reason(app, runner, password):
    result = runner.invoke(args=["users", "create", "w@altosebino.example", "--role", "operator",
                                 "--password", password])
    assert result.exit_code == 2
    assert "blanks" in result.output or "at least 15 characters" in result.output
    with app.app_context():
        assert get_session().scalar(select(User).where(User.email == "w@altosebino.example")) is None


def test_page_refuses_a_common_password_on_the_password_field(app, as_role):
    admin = as_role("admin")
    response = admin.post("/amministrazione/utenti", data={
        "email": "nuova@altosebino.example", "role": "operator", "password": "password123456789",
        "csrf_token": csrf_token_of(admin, "/amministrazione/utenti")})
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    error = page.find(id="password-error")
    assert error is not None and "tra le più usate" in error.text
    assert log_in(app.test_client(), "nuova@altosebino.example", "password123456789").status_code == 401
