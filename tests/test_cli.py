"""The CLI: loading questionnaires, opening and listing rounds, demo data."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.demo import create_demo
from survey_app.models import QuestionnaireVersion, Response, Round
from survey_app.questionnaires.definition import DEFAULT_DIRECTORY, questionnaire_files


def test_questionnaires_load_is_idempotent(runner):
    result = runner.invoke(args=["questionnaires", "load"])
    assert result.exit_code == 0, result.output
    assert f"0 added, {len(questionnaire_files())} unchanged" in result.output


def test_changed_file_needs_a_new_version(app, runner, tmp_path):
    directory = tmp_path / "questionnaires"
    directory.mkdir()
    for name in ("objectives.json", "ambiti.json", "plan.json", "schema.json", "persona-al-centro.json"):
        (directory / name).write_bytes((DEFAULT_DIRECTORY / name).read_bytes())
    data = json.loads((directory / "persona-al-centro.json").read_text(encoding="utf-8"))
    data["dimensions"][0]["items"][0]["text"]["it"] = "Chiedere aiuto è stato facile."
    (directory / "persona-al-centro.json").write_text(json.dumps(data), encoding="utf-8")
    app.config["QUESTIONNAIRE_DIR"] = str(directory)
    runner.invoke(args=["rounds", "open", "persona-al-centro", "--opens", "2023-09-01", "--kind", "in-itinere"])

    refused = runner.invoke(args=["questionnaires", "load"])
    assert refused.exit_code == 1
    assert ("persona-al-centro.json: $.version: la versione 1 è già caricata con un contenuto diverso: "
            "aumenta il numero di versione") in refused.output

    data["version"] = 2
    (directory / "persona-al-centro.json").write_text(json.dumps(data), encoding="utf-8")
    accepted = runner.invoke(args=["questionnaires", "load"])
    assert accepted.exit_code == 0, accepted.output
    assert "1 added" in accepted.output
    with app.app_context():
        session = get_session()
        versions = session.scalars(select(QuestionnaireVersion.version).where(
            QuestionnaireVersion.questionnaire_id == "persona-al-centro").order_by(QuestionnaireVersion.version))
        assert list(versions) == [1, 2]
        # the round opened earlier still asks what version 1 asked
        old_round = session.scalar(select(Round))
        assert old_round.questionnaire_version.version == 1
        assert old_round.questionnaire_version.definition["dimensions"][0]["items"][0]["text"]["it"] != \
            "Chiedere aiuto è stato facile."


def test_rounds_open_prints_the_public_url_last(app, runner, client):
    result = runner.invoke(args=["rounds", "open", "nuova-domiciliarita", "--opens", "2023-09-01", "--kind", "ex-post",
                                 "--comune", "Lovere", "--expected", "40"])
    assert result.exit_code == 0, result.output
    url = result.output.strip().splitlines()[-1]
    assert url.startswith("http://survey.test/r/")
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 22  # 16 random bytes, base64url
    assert client.get(f"/r/{token}").status_code == 200


def test_rounds_open_rejects_unknown_names(runner):
    unknown = runner.invoke(args=["rounds", "open", "nope", "--opens", "2023-09-01", "--kind", "ex-post"])
    assert unknown.exit_code == 2 and "no questionnaire 'nope' is loaded" in unknown.output
    bad_kind = runner.invoke(args=["rounds", "open", "persona-al-centro", "--opens", "2023-09-01", "--kind", "sometime"])
    assert bad_kind.exit_code == 2
    bad_comune = runner.invoke(args=["rounds", "open", "persona-al-centro", "--opens", "2023-09-01", "--kind", "ex-post", "--comune", "Bergamo"])
    assert "unknown comune 'Bergamo'" in bad_comune.output


def test_rounds_list_json(app, runner, make_round, respondent):
    round_ = make_round("persona-al-centro", "in-itinere")
    respondent.submit(round_.token, respondent.load_form(round_.token).answers("4"))
    result = runner.invoke(args=["rounds", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows == [{
        "id": round_.id, "questionnaire": "persona-al-centro", "version": 1, "kind": "in-itinere",
        "plan": {"id": 1, "code": "pdz-2021-2023", "period": "2021-2023"}, "follow_up": False,
        "status": "open", "availability": "open", "comune": None, "service": None,
        "url": f"http://survey.test/r/{round_.token}", "responses": 1,
    }]


def test_round_tokens_are_unique_and_long(make_round):
    tokens = {make_round().token for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(t) == 22 for t in tokens)


def test_demo_creates_open_rounds_and_filled_past_rounds(app, runner):
    result = runner.invoke(args=["demo", "create"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = get_session()
        open_rounds = session.scalars(select(Round).where(Round.status == "open")).all()
        # the example plans are loaded: the example Ambito too, and today's rounds are in 2025-2027
        assert len(open_rounds) == 2 * len(questionnaire_files())
        assert {(r.ambito.code, r.plan.code, r.is_follow_up) for r in open_rounds} == {
            ("alto-sebino", "pdz-2025-2027", False), ("ambito-di-esempio", "pdz-2025-2027", False)}
        closed = session.scalars(select(Round).where(Round.status == "closed")).all()
        assert {(r.ambito.code, r.plan.code) for r in closed} == {("alto-sebino", "pdz-2021-2023")}
        filled = session.execute(
            select(Round.kind, func.count(Response.id)).join(Response, Response.round_id == Round.id)
            .group_by(Round.id, Round.kind)
        ).all()
        assert {kind for kind, _n in filled} == {"in-itinere", "ex-post"}
        assert len(filled) >= 6 and all(n >= 30 for _kind, n in filled)
        comuni = session.scalar(select(func.count(func.distinct(Response.comune_id))))
        assert comuni >= 8
        dont_know = session.execute(select(func.count()).select_from(Response).join(Response.answers)
                                    .where(Response.answers.any(value=None))).scalar()
        assert dont_know > 0
    links, staff = result.output.split("\n\n", 1)
    for line in links.splitlines()[1:]:
        assert "http://survey.test/r/" in line
    assert "log in at http://survey.test/accesso" in staff
    assert "users create you@example.org --role admin --all-ambiti\n" in staff  # two Ambiti
    again = runner.invoke(args=["demo", "create"]).output
    assert "no demo data added" in again and "log in at http://survey.test/accesso" in again


def test_demo_tells_how_to_log_in_once_there_is_an_account(app, runner, staff):
    output = runner.invoke(args=["demo", "create"]).output
    assert "log in at http://survey.test/accesso" in output and "No staff account" not in output


def test_demo_works_with_two_ambiti(app, runner):
    from survey_app.models import Ambito, Comune

    with app.app_context():
        session = get_session()
        session.add(Ambito(code="basso-sebino", name="Basso Sebino", comuni=[Comune(code="sarnico", name="Sarnico")]))
        session.commit()
    result = runner.invoke(args=["demo", "create"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        session = get_session()
        per_ambito = dict(session.execute(
            select(Ambito.code, func.count(Round.id)).join(Round, Round.ambito_id == Ambito.id)
            .where(Round.status == "open").group_by(Ambito.code)).all())
    # the example Ambito comes with its example plan; the Ambito added by hand gets the shipped plan
    assert per_ambito == {code: len(questionnaire_files())
                          for code in ("alto-sebino", "ambito-di-esempio", "basso-sebino")}
    assert "(basso-sebino)" in result.output
    assert "--role admin --all-ambiti" in result.output


def test_demo_is_reproducible(app):
    with app.app_context():
        session = get_session()
        assert create_demo(session, seed=7)
        assert create_demo(session, seed=7) == []


def test_rounds_open_outside_every_plan_is_refused_unless_a_follow_up(app, runner):
    """It is 2026 and the shipped plan is 2021-2023: a round opened now belongs to no plan."""
    refused = runner.invoke(args=["rounds", "open", "persona-al-centro", "--kind", "ex-post"])
    assert refused.exit_code == 2
    assert "Nessun Piano di Zona di Ambito distrettuale Alto Sebino copre il" in refused.output
    with app.app_context():
        assert get_session().scalar(select(Round)) is None

    follow_up = runner.invoke(args=["rounds", "open", "persona-al-centro", "--kind", "follow-up",
                                    "--follow-up"])
    assert follow_up.exit_code == 0, follow_up.output
    assert "Piano di Zona 2021-2023 (follow-up)" in follow_up.output
    with app.app_context():
        round_ = get_session().scalar(select(Round))
        assert round_.is_follow_up and round_.plan.code == "pdz-2021-2023"


def test_rounds_open_in_the_plan_period_belongs_to_the_plan(app, runner):
    result = runner.invoke(args=["rounds", "open", "persona-al-centro", "--kind", "ex-ante",
                                 "--opens", "2022-02-01", "--plan", "alto-sebino/pdz-2021-2023"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        round_ = get_session().scalar(select(Round))
        assert round_.plan.code == "pdz-2021-2023" and not round_.is_follow_up
    wrong_year = runner.invoke(args=["rounds", "open", "persona-al-centro", "--kind", "ex-ante",
                                     "--opens", "2020-02-01", "--plan", "alto-sebino/pdz-2021-2023"])
    assert wrong_year.exit_code == 2
    assert "fuori dal periodo di Piano di Zona 2021-2023 (2021-2023)" in wrong_year.output
