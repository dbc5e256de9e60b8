"""Results side by side across Ambiti: who sees which Ambiti, grants, the small-cell rule per cell."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from survey_app.db import get_session
from survey_app.models import AuditEvent, Ambito, User, UserAmbitoGrant
from tests.conftest import PASSWORD, log_in
from tests.results.conftest import add_responses

INDEX = "/risultati/confronto-ambiti"


def add_ambito(app, code: str = "basso-sebino", name: str = "Basso Sebino") -> None:
    """Another Ambito with one comune and its copy of the shipped plan."""
    from survey_app.models import Comune
    from tests.conftest import give_shipped_plan

    with app.app_context():
        session = get_session()
        ambito = Ambito(code=code, name=name, comuni=[Comune(code=f"{code}-c", name=f"Comune {name}")])
        session.add(ambito)
        session.flush()
        give_shipped_plan(session, ambito)
        session.commit()


@pytest.fixture
def foreign_ambito(app):
    add_ambito(app)
    return "basso-sebino"


@pytest.fixture
def two_ambiti(app, make_round, foreign_ambito):
    """An ex-post round here (12 responses) and one in Basso Sebino (6): (version id, kind)."""
    here = make_round("persona-al-centro", "ex-post", ambito_code="alto-sebino")
    there = make_round("persona-al-centro", "ex-post", ambito_code=foreign_ambito)
    add_responses(app, here.id, 12, seed=5)
    add_responses(app, there.id, 6, seed=6)
    with app.app_context():
        from survey_app.models import Round

        version_id = get_session().get(Round, here.id).questionnaire_version_id
    return version_id, "ex-post"


def _grant(app, email: str, code: str) -> None:
    from survey_app.accounts.grants import grant

    with app.app_context():
        session = get_session()
        user = session.scalar(sa.select(User).where(User.email == email))
        grant(session, user, session.scalar(sa.select(Ambito).where(Ambito.code == code)), actor="test")
        session.commit()


def _client(app, email: str):
    client = app.test_client()
    assert log_in(client, email).status_code == 303
    return client


def _headers(response) -> list[str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [th.get_text(strip=True) for th in soup.find("table").find_all("th")]


def test_single_ambito_staff_see_no_other_ambito(app, as_role, staff, two_ambiti):
    version_id, kind = two_ambiti
    page = f"{INDEX}/{version_id}/{kind}"
    assert as_role("operator").get(INDEX).status_code == 403
    assert as_role("operator").get(page).status_code == 403
    evaluator = as_role("evaluator")
    assert "Basso Sebino" not in evaluator.get(INDEX).get_data(as_text=True)
    assert evaluator.get(page).status_code == 404
    # a grant to an operator counts for nothing (and is refused)
    from survey_app.accounts.grants import grant
    from survey_app.accounts.operations import AccountError

    with app.app_context(), pytest.raises(AccountError):
        session = get_session()
        grant(session, session.scalar(sa.select(User).where(User.email == staff.operator)),
              session.scalar(sa.select(Ambito).where(Ambito.code == "basso-sebino")), actor="test")


def test_granted_evaluator_and_admin_see_both(app, as_role, staff, two_ambiti):
    version_id, kind = two_ambiti
    page = f"{INDEX}/{version_id}/{kind}"
    _grant(app, staff.evaluator, "basso-sebino")
    evaluator = as_role("evaluator")
    assert "Basso Sebino" in evaluator.get(INDEX).get_data(as_text=True)
    response = evaluator.get(page)
    assert response.status_code == 200
    headers = _headers(response)
    assert "Basso Sebino" in headers and "Totale" in headers
    # the single-Ambito pages still show the evaluator's own Ambito only
    assert evaluator.get("/risultati/").status_code == 200
    # an admin of every Ambito needs no grant
    from survey_app.accounts.operations import create_user

    with app.app_context():
        create_user(get_session(), "capo@example.org", "admin", PASSWORD, all_ambiti=True, actor="test")
        get_session().commit()
    assert "Basso Sebino" in _headers(_client(app, "capo@example.org").get(page))
    # the Ambito admin (of one Ambito) does not see the other one
    assert as_role("admin").get(page).status_code == 404


def test_grant_and_revoke_commands_are_audited(app, runner, staff, foreign_ambito):
    result = runner.invoke(args=["users", "grant", staff.evaluator, "--ambito", "basso-sebino"])
    assert result.exit_code == 0, result.output
    assert "basso-sebino" in result.output
    with app.app_context():
        assert get_session().scalar(sa.select(sa.func.count()).select_from(UserAmbitoGrant)) == 1
    result = runner.invoke(args=["users", "revoke", staff.evaluator, "--ambito", "basso-sebino"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["users", "grant", staff.operator, "--ambito", "basso-sebino"]).exit_code != 0
    with app.app_context():
        session = get_session()
        assert session.scalar(sa.select(sa.func.count()).select_from(UserAmbitoGrant)) == 0
        actions = list(session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.action.in_(["user.grant_ambito", "user.revoke_ambito"]))))
        assert sorted(actions) == ["user.grant_ambito", "user.revoke_ambito"]


def test_admin_grants_on_the_user_page(app, staff, foreign_ambito):
    from survey_app.accounts.operations import create_user
    from tests.conftest import csrf_token_of

    with app.app_context():
        create_user(get_session(), "capo@example.org", "admin", PASSWORD, all_ambiti=True, actor="test")
        get_session().commit()
        evaluator_id = get_session().scalar(sa.select(User.id).where(User.email == staff.evaluator))
    admin = _client(app, "capo@example.org")
    page = f"/amministrazione/utenti/{evaluator_id}"
    assert "Basso Sebino" in admin.get(page).get_data(as_text=True)
    response = admin.post(f"{page}/ambiti", data={"ambito": "basso-sebino", "azione": "concedi",
                                                  "csrf_token": csrf_token_of(admin, page)})
    assert response.status_code == 303
    with app.app_context():
        assert get_session().scalar(sa.select(sa.func.count()).select_from(UserAmbitoGrant)) == 1
    # an admin of one Ambito cannot grant (nor revoke) an Ambito they do not see
    local_admin = _client(app, staff.admin)
    for action in ("concedi", "revoca"):
        response = local_admin.post(f"{page}/ambiti", data={
            "ambito": "basso-sebino", "azione": action, "csrf_token": csrf_token_of(local_admin, page)})
        assert response.status_code == 404
    assert "basso-sebino" not in local_admin.get(page).get_data(as_text=True)
    with app.app_context():
        assert get_session().scalar(sa.select(sa.func.count()).select_from(UserAmbitoGrant)) == 1


def test_ambito_scope_counts_only_evaluators_grants(app, staff, foreign_ambito):
    from survey_app.accounts.permissions import ambito_scope

    with app.app_context():
        session = get_session()
        users = {u.email: u for u in session.scalars(sa.select(User))}
        ids = {a.code: a.id for a in session.scalars(sa.select(Ambito))}
        for email in (staff.evaluator, staff.operator, staff.admin):  # rows written directly
            session.add(UserAmbitoGrant(user_id=users[email].id, ambito_id=ids["basso-sebino"]))
        session.commit()
        assert ambito_scope(users[staff.evaluator]).ids == {ids["alto-sebino"], ids["basso-sebino"]}
        assert ambito_scope(users[staff.operator]).ids == {ids["alto-sebino"]}
        assert ambito_scope(users[staff.admin]).ids == {ids["alto-sebino"]}
        assert not ambito_scope(users[staff.admin]).every
        users[staff.evaluator].ambito_id = None  # an evaluator of no Ambito: the grants only
        assert ambito_scope(users[staff.evaluator]).ids == {ids["basso-sebino"]}
        users[staff.operator].ambito_id = None  # an operator of no Ambito: nothing
        assert ambito_scope(users[staff.operator]).empty
