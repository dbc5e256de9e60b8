"""Every route of the app × anonymous, operator, evaluator and admin: only the intended access.

The test enumerates ``app.url_map``, so a new route without a permission check fails here.
"""

from __future__ import annotations

import pytest
from conftest import IN_SHIPPED_PLAN, csrf_token_of, give_shipped_plan
from sqlalchemy import select

from survey_app.accounts.permissions import AUTHENTICATED_ENDPOINTS, PERMISSIONS, PUBLIC_ENDPOINTS
from survey_app.db import get_session
from survey_app.models import User
from survey_app.rounds.operations import add_point

ROLES = ("operator", "evaluator", "admin")
#: pages that exist only when there is something to show: the comparison across Ambiti of a
#: version given in a single Ambito (the sample data's case) is not found, whoever asks
NOT_FOUND_IN_ONE_AMBITO = {"results.ambiti_version"}


@pytest.fixture
def sample_values(app, staff, make_round):
    round_ = make_round("persona-al-centro")
    with app.app_context():
        session = get_session()
        from survey_app.models import Round

        point = add_point(session, session.get(Round, round_.id), "Bacheca", actor="test")
        session.commit()
        user_id = session.scalar(select(User.id).where(User.email == staff.operator))
        point_id = point.id
        plan_id = session.get(Round, round_.id).plan_id
        version_id = session.get(Round, round_.id).questionnaire_version_id
        draft_id = _a_draft(session, plan_id)
        qualitative = _a_coded_session(session, plan_id, session.get(Round, round_.id))
    return {**qualitative,
        "round_id": round_.id, "point_id": point_id, "user_id": user_id, "token": round_.token, "plan_id": plan_id,
        "version_id": version_id, "kind": "in-itinere",
        "questionnaire_id": "persona-al-centro", "status": "paused", "fmt": "svg",
        "filename": "survey.css", "code": "0000-0000-0000-00",
        "draft_id": draft_id, "version": 1, "extension": "json",
    }


def _a_draft(session, plan_id: int) -> int:
    """A draft of persona-al-centro v2 (the first to publish it wins; the others find it gone)."""
    import copy

    from survey_app.models import QuestionnaireDraft, QuestionnaireVersion

    stored = session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == "persona-al-centro"))
    definition = copy.deepcopy(stored.definition)
    definition["version"] = 2
    draft = QuestionnaireDraft(questionnaire_id="persona-al-centro", version=2, definition=definition,
                               plan_id=plan_id, filename="p.json", file_format="json")
    session.add(draft)
    session.commit()
    return draft.id


def _a_coded_session(session, plan_id: int, round_) -> dict:
    """A focus group of the round's objective with one theme and one coded passage."""
    from datetime import date

    from survey_app.models import Plan
    from survey_app.qualitative import operations

    plan, objective_id = session.get(Plan, plan_id), round_.questionnaire_version.objective_id
    row = operations.record_session(session, plan, objective_id, operations.SessionInput(
        kind="focus_group", title="Focus group", held_on=date(2023, 10, 1), timing="in-itinere",
        facilitator="Coordinatrice", participants=6, participant_roles=("carers",), consent=True,
        consent_method="written", material="notes", text="Prima riga.\nSeconda riga."), actor="test")
    theme = operations.add_theme(session, plan, objective_id, name="Accesso", actor="test")
    passage = operations.code_session_passage(session, row, theme_ids=[theme.id], first_paragraph=1, actor="test")
    session.commit()
    # the theme is coded: deleting it is refused, so every role finds it there
    return {"objective_id": objective_id, "session_id": row.id, "passage_id": passage.id, "theme_id": theme.id}


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def test_every_route_declares_who_may_use_it(app):
    for rule in _rules(app):
        view = app.view_functions[rule.endpoint]
        declared = (rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint in AUTHENTICATED_ENDPOINTS
                    or getattr(view, "required_permission", None) in PERMISSIONS)
        assert declared, f"{rule.rule} ({rule.endpoint}) has no permission_required and is not listed as public"


def _url(app, rule, values):
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})


def _call(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_token_of(client, "/accesso")})


def test_route_matrix(app, as_role, sample_values):
    clients = {"anonymous": app.test_client(), **{role: as_role(role) for role in ROLES}}
    checked = 0
    for rule in _rules(app):
        view = app.view_functions[rule.endpoint]
        permission = getattr(view, "required_permission", None)
        for method in sorted(rule.methods & {"GET", "POST"}):
            url = _url(app, rule, sample_values)
            for who, client in clients.items():
                response = _call(client, method, url)
                checked += 1
                where = f"{method} {url} as {who}: {response.status_code}"
                if rule.endpoint in PUBLIC_ENDPOINTS:
                    assert response.status_code < 500, where
                elif who == "anonymous":
                    assert response.status_code in (302, 303), where
                    assert "/accesso" in response.headers["Location"], where
                elif rule.endpoint in AUTHENTICATED_ENDPOINTS:
                    assert response.status_code in (200, 303), where
                elif who in PERMISSIONS[permission] and rule.endpoint in NOT_FOUND_IN_ONE_AMBITO:
                    assert response.status_code == 404, where
                elif who in PERMISSIONS[permission]:
                    assert response.status_code in (200, 303, 400, 409), where
                else:
                    assert response.status_code == 403, where
                if rule.endpoint == "accounts.logout" and who != "anonymous":
                    clients[who] = as_role(who)
    assert checked > 80


def test_ids_of_another_ambito_are_not_found(app, as_role, sample_values):
    from survey_app.models import Ambito, Comune
    from survey_app.rounds.operations import open_round

    with app.app_context():
        session = get_session()
        session.add(Ambito(code="basso-sebino", name="Basso Sebino", comuni=[Comune(code="sarnico", name="Sarnico")]))
        session.flush()
        give_shipped_plan(session, session.scalar(select(Ambito).where(Ambito.code == "basso-sebino")))
        foreign = open_round(session, "persona-al-centro", "ex-post", ambito_code="basso-sebino",
                             opens_at=IN_SHIPPED_PLAN)
        foreign_point = add_point(session, foreign, "Altrove", actor="test")
        session.commit()
        foreign_values = {**sample_values, "round_id": foreign.id, "point_id": foreign_point.id}
    for role in ROLES:
        client = as_role(role)
        for rule in _rules(app):
            permission = getattr(app.view_functions[rule.endpoint], "required_permission", None)
            if not permission or role not in PERMISSIONS[permission]:
                continue
            if not {"round_id", "point_id"} & set(rule.arguments):
                continue
            for method in sorted(rule.methods & {"GET", "POST"}):
                url = _url(app, rule, foreign_values)
                assert _call(client, method, url).status_code == 404, f"{method} {url} as {role}"
