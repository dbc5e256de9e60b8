"""Fixtures: an app on a temporary database (SQLite, and PostgreSQL when configured).

Every test that uses ``app`` runs once per backend: on a fresh SQLite file copied from a
migrated template, and, when ``SURVEY_TEST_DATABASE_URL`` is set, on that PostgreSQL
database emptied and reloaded before the test.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey_app import create_app
from survey_app.db import create_db_engine, get_session, upgrade_database
from survey_app.models import Base
from survey_app.questionnaires.definition import DEFAULT_DIRECTORY
from survey_app.questionnaires.operations import load_directory

POSTGRES_URL = os.environ.get("SURVEY_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
PUBLIC_URL = "http://survey.test"


def migrate_and_load(url: str) -> None:
    """Bring the database at *url* to the latest schema and load the shipped catalog."""
    upgrade_database(url)
    engine = create_db_engine(url)
    with Session(engine) as session:
        load_directory(session, DEFAULT_DIRECTORY)
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite database with the catalog loaded, copied by each test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate_and_load(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_schema_ready() -> str:
    """Reset the PostgreSQL test database to the latest migration, once per session."""
    reset_postgres_schema(POSTGRES_URL)
    upgrade_database(POSTGRES_URL)
    return POSTGRES_URL


def reset_postgres_schema(url: str) -> None:
    """Empty the database whatever it holds.

    ``metadata.drop_all`` only knows this checkout's tables: a table left by another
    branch's run (one with a foreign key to ``rounds``, say) made it fail, so the whole
    schema goes instead.
    """
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def _fresh_postgres(url: str) -> str:
    engine = sa.create_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    engine = create_db_engine(url)
    with Session(engine) as session:
        load_directory(session, DEFAULT_DIRECTORY)
    engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    """URL of an empty-but-loaded database for one test, on each backend."""
    if request.param == "postgresql":
        return _fresh_postgres(request.getfixturevalue("postgres_schema_ready"))
    template = request.getfixturevalue("sqlite_template")
    path = tmp_path / "test.sqlite3"
    with sqlite3.connect(template) as source, sqlite3.connect(path) as target:
        source.backup(target)
    return f"sqlite:///{path}"


@pytest.fixture
def app_config(database_url) -> dict:
    """Settings of the test app; tests may change them before using ``app``."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "PUBLIC_URL": PUBLIC_URL,
        # tests post at machine speed; test_antibot turns the minimum time back on
        "MIN_COMPLETION_SECONDS": 0,
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    yield app
    app.extensions["survey_db"]["engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """The database session of an app context kept open for the test."""
    with app.app_context():
        yield get_session()


#: a date within the shipped plan's period (2021-2023): test rounds open then unless told
IN_SHIPPED_PLAN = datetime(2023, 9, 1)


def shipped_plan(session, ambito=None):
    """The shipped plan (Piano di Zona 2021-2023) of *ambito* (Alto Sebino by default)."""
    from survey_app.models import Ambito, Plan

    query = sa.select(Plan).join(Ambito, Ambito.id == Plan.ambito_id).where(Plan.code == "pdz-2021-2023")
    query = query.where(Ambito.id == ambito.id) if ambito is not None else query.where(Ambito.code == "alto-sebino")
    return session.scalar(query)


def give_shipped_plan(session, ambito):
    """Give another Ambito its own copy of the shipped 2021-2023 plan (objectives, links)."""
    from survey_app.demo import give_shipped_plan as give

    give(session, ambito, DEFAULT_DIRECTORY)
    return shipped_plan(session, ambito)


@pytest.fixture
def make_round(app):
    """Open a round and return its id and public token: ``make_round("persona-al-centro")``.

    The round belongs to the shipped plan (2021-2023), so it opens within that period by
    default; it is open now all the same (no closing date).
    """
    from survey_app.rounds.operations import open_round

    def factory(questionnaire_id: str = "persona-al-centro", kind: str = "in-itinere", **options):
        options.setdefault("opens_at", IN_SHIPPED_PLAN)
        with app.app_context():
            session = get_session()
            round_ = open_round(session, questionnaire_id, kind, **options)
            session.commit()
            return RoundRef(round_.id, round_.public_token)

    return factory


@dataclass(frozen=True)
class RoundRef:
    id: int
    token: str


@dataclass
class LoadedForm:
    """A questionnaire form as a browser received it."""

    html: str
    csrf_token: str
    submission_id: str
    item_fields: list[str]
    started: str = ""

    def answers(self, value: str = "4", **overrides) -> dict:
        """Return POST data answering every item with *value*, plus *overrides*."""
        data = {"csrf_token": self.csrf_token, "submission_id": self.submission_id, "started": self.started}
        data.update({name: value for name in self.item_fields})
        data.update(overrides)
        return data


class Respondent:
    """Loads and submits questionnaire forms like a phone browser would."""

    def __init__(self, client):
        self.client = client

    def load_form(self, token: str, **query) -> LoadedForm:
        """Open the form; after a questionnaire sent from this browser, a new one for another person."""
        response = self.client.get(f"/r/{token}/questionario", query_string=query)
        assert response.status_code == 200, response.status_code
        html = response.get_data(as_text=True)
        new_form = re.search(r'href="(/r/[^"]*/questionario\?nuovo=[^"]*)"', html)
        if new_form and 'name="submission_id"' not in html:  # "Hai già inviato le risposte"
            response = self.client.get(new_form.group(1).replace("&amp;", "&"))
            assert response.status_code == 200, response.status_code
            html = response.get_data(as_text=True)
        return parse_form(html)

    def submit(self, token: str, data: dict):
        return self.client.post(f"/r/{token}/questionario", data=data)


def parse_form(html: str) -> LoadedForm:
    """Extract the hidden fields and the Likert item names of a rendered form."""
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]*)"', html)
    submission = re.search(r'name="submission_id" type="hidden" value="([^"]*)"', html)
    started = re.search(r'name="started" type="hidden" value="([^"]*)"', html)
    items = list(dict.fromkeys(re.findall(r'name="(q_[a-z0-9_-]+)"', html)))
    return LoadedForm(html, csrf.group(1) if csrf else "", submission.group(1) if submission else "", items,
                      started.group(1) if started else "")


@pytest.fixture
def respondent(client) -> Respondent:
    return Respondent(client)


PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Staff:
    """The e-mail addresses of one user per role, created by the ``staff`` fixture."""

    admin: str = "admin@altosebino.example"
    operator: str = "operatrice@altosebino.example"
    evaluator: str = "valutatore@altosebino.example"


@pytest.fixture
def staff(app) -> Staff:
    """Create an admin, an operator and an evaluator of the Ambito, all with :data:`PASSWORD`."""
    from survey_app.accounts.operations import create_user
    from survey_app.models import Ambito

    people = Staff()
    with app.app_context():
        session = get_session()
        ambito = session.scalar(sa.select(Ambito))
        for role in ("admin", "operator", "evaluator"):
            create_user(session, getattr(people, role), role, PASSWORD, ambito=ambito, actor="test")
        session.commit()
    return people


def csrf_token_of(client, path: str = "/accesso") -> str:
    """Return a CSRF token valid for *client*'s session, read from a page's form."""
    from bs4 import BeautifulSoup

    # follow redirects: pages without a plan in their address redirect to the plan in force
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    return BeautifulSoup(html, "html.parser").find("input", attrs={"name": "csrf_token"})["value"]


def log_in(client, email: str, password: str = PASSWORD):
    """Log *client* in through the login form and return the response."""
    return client.post("/accesso", data={"email": email, "password": password,
                                         "csrf_token": csrf_token_of(client)})


@pytest.fixture
def as_role(app, staff):
    """Return a test client logged in with a role: ``as_role("operator")``."""

    def factory(role: str):
        client = app.test_client()
        response = log_in(client, getattr(staff, role))
        assert response.status_code == 303, response.get_data(as_text=True)
        return client

    return factory
