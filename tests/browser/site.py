"""The site the browser tests visit: the real app on 127.0.0.1 over a temporary SQLite database.

:func:`build_database` migrates a database and fills it like an installation in use: the plan
and its questionnaires, the Arabic fixture questionnaire (``fixtures/prova-arabo.json``,
checked by the same validator as ``questionnaires check``), the demo rounds with their
synthetic answers, one user per role, a distribution point, a panel round with cards.
:class:`LiveServer` serves the app from a thread with Werkzeug's threaded server, so the tests
can read the same database to check what a journey stored.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
ARABIC_QUESTIONNAIRE = FIXTURES / "prova-arabo.json"
PASSWORD = "browser tests only, not a real password"
EMAILS = {
    "admin": "admin@altosebino.example",
    "operator": "operatrice@altosebino.example",
    "evaluator": "valutatore@altosebino.example",
}


#: a semestral indicator (not measured by questionnaire) given two values in the site
INDICATOR_WITH_VALUES = "persona-al-centro.output-1"


@dataclass
class SiteData:
    """Ids and tokens of what :func:`build_database` created, for building URLs."""

    round_id: int = 0  # open persona-al-centro round (respondent journeys)
    token: str = ""
    arabic_round_id: int = 0
    arabic_token: str = ""
    closed_round_id: int = 0  # closed demo round with answers (results, downloads)
    closed_token: str = ""
    earlier_round_id: int = 0  # the closed round before it, same questionnaire (comparison)
    point_id: int = 0
    panel_round_id: int = 0
    panel_token: str = ""
    panel_code: str = ""
    user_ids: dict[str, int] = field(default_factory=dict)
    objective_id: str = ""
    plan_id: int = 0  # Alto Sebino's 2021-2023 plan (designation page)
    shared_version_id: int = 0  # persona-al-centro's version given in both Ambiti (side by side)
    draft_id: int = 0  # a draft of persona-al-centro v2: one statement reworded, one added, one removed
    qualitative_session_id: int = 0  # a focus group of objective_id, coded, one quote published


def build_database(url: str) -> SiteData:
    """Migrate the database at *url* and fill it; return what the tests need to find."""
    from survey_app.accounts.operations import create_user
    from survey_app.db import create_db_engine, upgrade_database
    from survey_app.demo import create_demo
    from survey_app.models import Ambito, Comune, IndicatorValue, Round, User, UserAmbitoGrant
    from survey_app.panels.operations import create_panel, issue_codes
    from survey_app.plan.catalog import load_catalog
    from survey_app.questionnaires.definition import DEFAULT_DIRECTORY, read_definition_file
    from survey_app.questionnaires.operations import load_definitions, load_directory
    from survey_app.respond.submission import Submission, response_from_submission
    from survey_app.rounds.operations import add_point, open_round

    upgrade_database(url)
    engine = create_db_engine(url)
    data = SiteData()
    try:
        with Session(engine) as session:
            load_directory(session, DEFAULT_DIRECTORY)
            catalog = load_catalog(DEFAULT_DIRECTORY / "objectives.json")
            load_definitions(session, [read_definition_file(ARABIC_QUESTIONNAIRE, catalog)])
            session.commit()
            # a second Ambito given the same questionnaires, for the comparison across Ambiti
            session.add(Ambito(code="basso-sebino", name="Ambito Monte Bronzone - Basso Sebino",
                               comuni=[Comune(code="sarnico", name="Sarnico"), Comune(code="predore", name="Predore")]))
            session.flush()
            # an open round per questionnaire, answered past rounds, in each Ambito's 2021-2023 plan
            create_demo(session, example_plans=False)
            ambito = session.scalar(select(Ambito).where(Ambito.code == "alto-sebino"))
            other = session.scalar(select(Ambito).where(Ambito.code == "basso-sebino"))
            for role, email in EMAILS.items():
                user = create_user(session, email, role, PASSWORD, ambito=ambito, actor="test")
                if role == "evaluator":  # the evaluator also reads Basso Sebino's results
                    session.flush()
                    session.add(UserAmbitoGrant(user_id=user.id, ambito_id=other.id))
            rounds = list(session.scalars(select(Round).where(Round.ambito_id == ambito.id).order_by(Round.id)))

            def pick(questionnaire_id: str, status: str) -> list[Round]:
                return [r for r in rounds if r.questionnaire_version.questionnaire_id == questionnaire_id
                        and r.status == status]

            persona = pick("persona-al-centro", "open")[0]
            data.round_id, data.token = persona.id, persona.public_token
            arabic = pick("prova-arabo", "open")[0]
            data.arabic_round_id, data.arabic_token = arabic.id, arabic.public_token
            earlier, closed = pick("persona-al-centro", "closed")[:2]
            data.closed_round_id, data.closed_token = closed.id, closed.public_token
            for n, comment in enumerate(("L'assistente sociale mi ha aiutato molto.", "Orari troppo brevi.")):
                answers = {item.id: 4 for item in closed.questionnaire_version.questionnaire.items}
                submission = Submission(submission_id=f"00000000-0000-4000-8000-00000000000{n}",
                                        answers=answers, comment=comment)
                session.add(response_from_submission(closed.id, submission, closed.closes_at))
            data.earlier_round_id = earlier.id
            data.plan_id = closed.plan_id
            data.shared_version_id = closed.questionnaire_version_id
            data.objective_id = persona.questionnaire_version.objective_id
            data.point_id = add_point(session, persona, "CDD Lovere – bacheca", actor="test").id
            panel = create_panel(session, ambito, "Tessere di prova", actor="test")
            panel_round = open_round(session, "nuova-domiciliarita", "ex-ante", ambito_code=ambito.code,
                                     panel=panel, follow_up=True, actor="test")
            session.flush()
            data.panel_round_id, data.panel_token = panel_round.id, panel_round.public_token
            data.panel_code = issue_codes(session, panel, 1, actor="test")[0]
            # two semestral values, so that the objective page has a trend and the correction
            # page of a stored value (with its deletion form) can be checked
            for semester, number in (("2022-H1", 40), ("2022-H2", 46)):
                session.add(IndicatorValue(ambito_id=ambito.id, plan_id=data.plan_id,
                                           indicator_id=INDICATOR_WITH_VALUES, semester=semester,
                                           value_kind="number", value_number=number,
                                           source="Cartella Sociale Informatizzata"))
            data.draft_id = _persona_draft(session, persona.questionnaire_version.definition, data.plan_id)
            data.qualitative_session_id = _qualitative_session(session, data.plan_id, data.objective_id, closed)
            session.commit()
            data.user_ids = {role: session.scalar(select(User.id).where(User.email == email))
                             for role, email in EMAILS.items()}
    finally:
        engine.dispose()
    return data


def _qualitative_session(session, plan_id: int, objective_id: str, closed) -> int:
    """A focus group with two themes, a coded and published passage, and the closed round's two
    comments approved and one of them coded (the qualitative pages)."""
    from datetime import date

    from survey_app.models import Plan, Response
    from survey_app.qualitative import operations
    from survey_app.reports.comments import review_comment

    plan = session.get(Plan, plan_id)
    session.flush()
    row = operations.record_session(session, plan, objective_id, operations.SessionInput(
        kind="focus_group", title="Focus group con i caregiver del CDD", held_on=date(2023, 10, 12),
        timing="in-itinere", facilitator="Assistente sociale dell'Ufficio di Piano", participants=7,
        participant_roles=("carers", "operators"), consent=True, consent_method="written", material="notes",
        text="Facilitatrice: come vi siete trovati?\nUna caregiver: all'inizio non sapevo a chi rivolgermi.\n"
             "Un familiare: i tempi di attesa sono stati lunghi."), actor="test")
    access = operations.add_theme(session, plan, objective_id, name="Accesso ai servizi", actor="test")
    waiting = operations.add_theme(session, plan, objective_id, name="Tempi di attesa", parent_id=access.id,
                                   description="Dalla domanda alla prima visita", actor="test")
    passage = operations.code_session_passage(session, row, theme_ids=[access.id], first_paragraph=2, actor="test")
    operations.publish_passage(session, passage, "All'inizio non sapevo a chi rivolgermi.", actor="test",
                               ambito_id=plan.ambito_id)
    comments = session.scalars(select(Response.id).where(Response.round_id == closed.id,
                                                         Response.comment.is_not(None))).all()
    for response_id in comments:
        review_comment(session, closed, response_id, "approved", redacted_text=None, actor="test")
    if comments:
        operations.code_comment(session, plan, objective_id, comments[0], theme_ids=[waiting.id], actor="test")
    return row.id


def _persona_draft(session, definition: dict, plan_id: int) -> int:
    """A draft of persona-al-centro v2 (the draft and preview pages)."""
    import copy

    from survey_app.models import QuestionnaireDraft

    changed = copy.deepcopy(definition)
    changed["version"] = 2
    items = changed["dimensions"][0]["items"]
    items[0]["text"] = {"it": "Chiedere aiuto ai servizi è stato semplice.", "en": "Asking the services for help was easy."}
    items.pop()
    items.append({"id": "pc-orari", "text": {"it": "Gli orari dello sportello mi vanno bene.",
                                             "en": "The opening hours suit me."}})
    draft = QuestionnaireDraft(questionnaire_id="persona-al-centro", version=2, definition=changed, plan_id=plan_id,
                               filename="persona-al-centro.xlsx", file_format="xlsform")
    session.add(draft)
    session.flush()
    return draft.id


class LiveServer:
    """The app served on 127.0.0.1 (a free port) from a daemon thread until :meth:`stop`."""

    def __init__(self, database_url: str, **config):
        from survey_app import create_app

        self.app = create_app({
            "DATABASE_URL": database_url,
            "SECRET_KEY": "browser-tests-secret",
            # journeys answer at machine speed; the minimum time is tested elsewhere
            "MIN_COMPLETION_SECONDS": 0,
            **config,
        })
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.app.config["PUBLIC_URL"] = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        self.app.extensions["survey_db"]["engine"].dispose()

    def session(self):
        """Return a context manager giving a database session of the served app."""
        from contextlib import contextmanager

        from survey_app.db import get_session

        @contextmanager
        def scope():
            with self.app.app_context():
                yield get_session()

        return scope()
