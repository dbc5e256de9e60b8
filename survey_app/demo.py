"""Demo data: the example 2025-2027 plans (and the fictional example Ambito), in every Ambito a
round per questionnaire, and two past rounds of a few with synthetic answers (2022-2023, in
the plans that cover those years).

``flask --app survey_app demo create`` is what ``make run`` calls; it does nothing when
rounds already exist, so it is safe to run at every start. It ends by saying where staff log in
and, while there is no staff account, how to create the first one.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import click
from flask import current_app, url_for
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.db import get_session
from survey_app.models import Ambito, Plan, QuestionnaireVersion, Round, User
from survey_app.plans.queries import plan_for_date, plans_of
from survey_app.questionnaires.definition import DEFAULT_DIRECTORY
from survey_app.respond.submission import Submission, response_from_submission
from survey_app.rounds.operations import RoundError, open_round
from survey_app.rounds.queries import public_url

#: questionnaires given past mid-period and ex post rounds in the demo, when loaded
FILLED_QUESTIONNAIRES = (
    "persona-al-centro",
    "nuova-domiciliarita",
    "vivere-la-disabilita",
    "salute-mentale-territorio-lavoro",
    "welfare-accesso-comunita",
)
#: the example plans the demo imports: file under questionnaires/plans/, Ambito, and the
#: (name, comuni) to create it with when it is the fictional one
EXAMPLE_PLANS = (
    ("alto-sebino-2025-2027-esempio.json", "alto-sebino", None),
    ("ambito-di-esempio-2025-2027.json", "ambito-di-esempio", ("Ambito di esempio", ["Borgo Uno", "Borgo Due"])),
)
#: rough relative sizes of the comuni (demo weights only: the plan gives 29,942 residents in
#: all, but its per-comune chart did not survive the text extraction)
COMUNE_WEIGHTS = {
    "bossico": 950, "castro": 1300, "costa-volpino": 9100, "fonteno": 600, "lovere": 5100,
    "pianico": 1500, "riva-di-solto": 850, "rogno": 3900, "solto-collina": 1750, "sovere": 5350,
}
PAST_ROUNDS = (
    # kind, opens, closes, mean satisfaction shift (on the 1..5 latent scale)
    ("in-itinere", datetime(2022, 10, 3), datetime(2022, 11, 30), 0.0),
    ("ex-post", datetime(2023, 9, 4), datetime(2023, 12, 15), 0.35),
)


def synthetic_submission(rng: random.Random, questionnaire, comuni: dict[str, int], shift: float) -> Submission:
    """Return one plausible submission: a respondent's general mood drives all items."""
    mood = rng.gauss(3.6 + shift, 0.7)
    answers: dict[str, int | None] = {}
    for item in questionnaire.items:
        if item.scale.dont_know and rng.random() < 0.05:
            answers[item.id] = None
            continue
        value = round(mood + rng.gauss(0, 0.6))
        value = min(item.scale.points, max(1, value))
        answers[item.id] = item.scale.points + 1 - value if item.reverse else value
    codes = [c for c in comuni if c in COMUNE_WEIGHTS] or list(comuni)
    comune = rng.choices(codes, weights=[COMUNE_WEIGHTS.get(c, 1) for c in codes])[0]
    service_q = questionnaire.context_question("service")
    role_q = questionnaire.context_question("role")
    return Submission(
        submission_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        answers=answers,
        comune_id=comuni[comune] if questionnaire.context_question("comune") else None,
        service=rng.choice(service_q["options"])["id"] if service_q else None,
        role=rng.choice(role_q["options"]) if role_q else None,
        channel=rng.choices(["self", "assisted", "paper"], weights=[7, 2, 1])[0],
    )


def create_demo(session: Session, seed: int = 2023, *, example_plans: bool = True,
                directory: Path = DEFAULT_DIRECTORY) -> list[Round]:
    """Open a round per questionnaire in every Ambito and fill past rounds; return the open rounds.

    With *example_plans*, the example 2025-2027 plans under ``directory/plans`` are imported
    first (and the fictional example Ambito with them). Does nothing (and returns ``[]``) when
    any round exists already.
    """
    if session.scalar(select(func.count()).select_from(Round)):
        return []
    rng = random.Random(seed)
    questionnaire_ids = sorted(set(session.scalars(select(QuestionnaireVersion.questionnaire_id))))
    if example_plans:
        load_example_plans(session, directory)
    open_rounds = []
    for ambito in session.scalars(select(Ambito).order_by(Ambito.code)).all():
        if not plans_of(session, ambito.id):  # an Ambito added by hand: the shipped plan, as the migration does
            give_shipped_plan(session, ambito, directory)
        open_rounds += _fill_ambito(session, rng, ambito.code, questionnaire_ids)
    session.commit()
    return open_rounds


def _fill_ambito(session: Session, rng: random.Random, ambito_code: str, questionnaire_ids: list[str]) -> list[Round]:
    ambito_id = session.scalar(select(Ambito.id).where(Ambito.code == ambito_code))
    open_rounds = [_open_now(session, qid, ambito_code) for qid in questionnaire_ids]
    for qid in (q for q in FILLED_QUESTIONNAIRES if q in questionnaire_ids):
        for kind, opens, closes, shift in PAST_ROUNDS:
            if plan_for_date(session, ambito_id, opens) is None:  # the example Ambito has no 2021-2023 plan
                continue
            round_ = open_round(session, qid, kind, ambito_code=ambito_code, opens_at=opens, closes_at=closes,
                                status="closed")
            questionnaire = round_.questionnaire_version.questionnaire
            comuni = {c.code: c.id for c in round_.ambito.comuni}
            for _ in range(rng.randint(35, 70)):
                hour = opens + timedelta(hours=rng.randrange(int((closes - opens).total_seconds() // 3600)))
                submission = synthetic_submission(rng, questionnaire, comuni, shift)
                session.add(response_from_submission(round_.id, submission, hour))
    return open_rounds


def load_example_plans(session: Session, directory: Path) -> None:
    """Import the shipped example plans (2025-2027) that are not loaded yet, creating the
    fictional example Ambito; the files are the ones ``plans import`` reads."""
    from survey_app.plans.fileformat import questionnaire_measures, read_plan_file
    from survey_app.plans.importing import create_ambito, import_plan

    measures = questionnaire_measures(directory)
    for filename, ambito_code, new_ambito in EXAMPLE_PLANS:
        path = directory / "plans" / filename
        if not path.exists():
            continue
        ambito = (create_ambito(session, ambito_code, *new_ambito) if new_ambito
                  else session.scalar(select(Ambito).where(Ambito.code == ambito_code)))
        if ambito is None:
            continue
        parsed = read_plan_file(path.name, path.read_bytes(), measures)
        if session.scalar(select(Plan).where(Plan.ambito_id == ambito.id, Plan.code == parsed.header.code)):
            continue
        import_plan(session, ambito, parsed, actor="demo", filename=path.name)
    session.flush()


def give_shipped_plan(session: Session, ambito: Ambito, directory: Path) -> None:
    """Give *ambito* its own copy of the shipped 2021-2023 plan (objectives, questionnaire links)."""
    from survey_app.plan.catalog import load_catalog
    from survey_app.plan.operations import link_home_questionnaires, sync_shipped_plan
    from survey_app.questionnaires.definition import read_directory

    catalog = load_catalog(directory / "objectives.json")
    plan = sync_shipped_plan(session, directory, catalog, ambito=ambito)
    definitions, _problems = read_directory(directory, catalog)
    link_home_questionnaires(session, plan, definitions)


def _open_now(session: Session, questionnaire_id: str, ambito_code: str) -> Round:
    """Open a round today: in the plan whose period contains today, else as a follow-up of the
    last closed plan (the shipped 2021-2023 plan, when no current plan is loaded)."""
    try:
        return open_round(session, questionnaire_id, "in-itinere", ambito_code=ambito_code)
    except RoundError:
        return open_round(session, questionnaire_id, "follow-up", ambito_code=ambito_code, follow_up=True)


@click.group("demo")
def demo_cli() -> None:
    """Demo data."""


@demo_cli.command("create")
@with_appcontext
def create_command() -> None:
    """Create the demo rounds and responses (only on a database without rounds)."""
    session = get_session()
    created = create_demo(session, directory=Path(current_app.config["QUESTIONNAIRE_DIR"]))
    if not created:
        click.echo("Rounds exist already: no demo data added.")
    else:
        several = len({round_.ambito_id for round_ in created}) > 1
        click.echo(f"Demo: {len(created)} open rounds. Answer them at:")
        for round_ in created:
            where = f" ({round_.ambito.code})" if several else ""
            click.echo(f"  {round_.questionnaire_version.questionnaire_id + where:<42} "
                       f"{public_url(current_app.config['PUBLIC_URL'], round_)}")
    click.echo("")
    for line in staff_instructions(session):
        click.echo(line)


def staff_instructions(session: Session) -> list[str]:
    """Say where staff log in and, while nobody can, how to create the first account."""
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        lines = [f"Staff (operators, evaluators, admins) log in at {url_for('accounts.login', _external=True)}"]
    if not session.scalar(select(func.count()).select_from(User)):
        several = session.scalar(select(func.count()).select_from(Ambito)) > 1
        lines += ["No staff account exists yet. Create the first one, an admin who then adds the others",
                  "on the Utenti page, with:",
                  "  .venv/bin/flask --app survey_app users create you@example.org --role admin"
                  + (" --all-ambiti" if several else "")]
    return lines


def init_app(app) -> None:
    """Register the ``demo`` command group."""
    app.cli.add_command(demo_cli)
