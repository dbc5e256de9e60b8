"""Loading stored rounds into the analysis frames: columns, missing values, a fixed number of queries."""

from __future__ import annotations

import math

import sqlalchemy as sa

from survey_app import analysis
from survey_app.db import get_engine, get_session
from survey_app.results.queries import data_counts, load_rounds

from .conftest import add_responses


def test_frames_of_a_round(app, make_round, fill):
    round_ = make_round("persona-al-centro")
    fill(round_.id, 7, comune="lovere", service="sad", comment="bene",
         answers={"access_easy": None})
    with app.app_context():
        loaded = load_rounds(get_session(), [round_.id])
        responses, answers = loaded.responses, loaded.answers
        assert len(responses) == 7
        assert set(analysis.frames.RESPONSE_COLUMNS) <= set(responses.columns)
        assert set(responses["comune"]) == {"Lovere"}
        assert set(responses["service"]) == {"sad"}
        assert responses["comment"].isna().all()  # comments only when asked
        questionnaire = loaded.questionnaire()
        assert len(answers) == 7 * len(questionnaire.items)
        dont_know = answers[answers["item_id"] == "access_easy"]["value"]
        assert dont_know.isna().all()  # "non so" is NaN, never a midpoint
        wide = loaded.wide(round_.id)
        items = [i.id for i in questionnaire.items]
        assert list(wide.columns[-2 * len(items):]) == items + [f"non_so:{i}" for i in items]
        first = analysis.item_scores(wide, questionnaire, by=None).iloc[0]
        assert (first["n"], first["dont_know"], first["not_answered"]) == (0, 7, 0)

        with_comments = load_rounds(get_session(), [round_.id], comments=True)
        assert with_comments.responses["comment"].tolist().count("bene") == 1


def test_several_rounds_take_two_queries_whatever_their_size(app, make_round):
    first, second = make_round("persona-al-centro"), make_round("persona-al-centro", "ex-post")
    add_responses(app, first.id, 4)
    add_responses(app, second.id, 9, seed=2)
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    with app.app_context():
        engine = get_engine()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            session = get_session()
            from survey_app.results.queries import rounds_by_id
            rounds_by_id(session, [first.id, second.id])  # warm the identity map
            statements.clear()
            loaded = load_rounds(session, [first.id, second.id], chunk_rows=5)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert len(loaded.responses) == 13
        assert sorted(loaded.counts()) == sorted([first.id, second.id])
        assert loaded.counts()[second.id][0] == 9
        # one for the rounds, one for the responses, one for the answers
        assert len(statements) <= 3, statements
        assert data_counts(session, [first.id, second.id])[first.id][0] == 4


def test_panel_key_is_the_code_row_never_the_code(app, panel_rounds):
    before, _after = panel_rounds
    with app.app_context():
        loaded = load_rounds(get_session(), [before])
        keys = loaded.responses["panel_key"]
        assert keys.notna().all()
        assert all(key.isdigit() for key in keys)
        assert not any(math.isnan(v) for v in loaded.responses["response_id"].astype(float))
