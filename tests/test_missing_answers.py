"""Two kinds of missing answer, kept apart from the form to the files: "non so" and not answered.

"Non so / non applicabile" is a choice; not answered is a box left blank on paper or an
optional item skipped online. Both are missing data (never a midpoint) and are counted apart.
"""

from __future__ import annotations

import csv
import io

import pyreadstat
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from survey_app import analysis
from survey_app.db import get_session
from survey_app.forms.questionnaire import (
    NOT_ANSWERED,
    build_questionnaire_form,
    new_submission_id,
    submission_from_form,
)
from survey_app.maintenance.retention import summarise_round
from survey_app.models import Answer, Response, Round
from survey_app.questionnaires.definition import Questionnaire
from survey_app.respond.submission import record_submission
from survey_app.results import compute
from survey_app.results.queries import load_rounds

BLANK_LABEL = "Nessuna risposta (lasciato in bianco)"


def enter_paper(operator, round_id: int, choices: dict[int, str], default: str = "3"):
    """Type in one paper questionnaire: item position -> form value, *default* elsewhere."""
    path = f"/gestione/rilevazioni/{round_id}/inserimento"
    soup = BeautifulSoup(operator.get(path).get_data(as_text=True), "html.parser")
    data = {i["name"]: i["value"] for i in soup.select("input[type=hidden]")}
    items = list(dict.fromkeys(i["name"] for i in soup.select("input[type=radio]") if i["name"].startswith("q_")))
    for position, name in enumerate(items):
        data[name] = choices.get(position, default)
    data["channel"] = "paper"
    response = operator.post(path, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return [name[2:] for name in items]


def test_paper_entry_offers_a_blank_box_apart_from_non_so(as_role, make_round):
    operator = as_role("operator")
    round_ = make_round("persona-al-centro")
    soup = BeautifulSoup(operator.get(f"/gestione/rilevazioni/{round_.id}/inserimento").get_data(as_text=True),
                         "html.parser")
    fieldset = soup.find("input", attrs={"type": "radio", "name": lambda n: n and n.startswith("q_")}).find_parent(
        "fieldset")
    labels = [label.get_text(" ", strip=True) for label in fieldset.select("label")]
    assert BLANK_LABEL in labels and any(label.lower().startswith("non so") for label in labels)
    assert labels.index(BLANK_LABEL) == len(labels) - 1


def test_a_blank_box_and_non_so_are_stored_counted_and_exported_apart(app, as_role, make_round, tmp_path):
    operator = as_role("operator")
    round_ = make_round("persona-al-centro")
    # 7 questionnaires: item 0 blank on two; item 1 "non so" on one and blank on another
    plans = [{0: NOT_ANSWERED}, {0: NOT_ANSWERED, 1: "na"}, {1: NOT_ANSWERED}, {}, {}, {}, {}]
    for choices in plans:
        items = enter_paper(operator, round_.id, choices)
    first, second = items[0], items[1]
    with app.app_context():
        session = get_session()
        stored = session.execute(select(Answer.item_id, Answer.value, Answer.not_answered)
                                 .where(Answer.item_id.in_([first, second]))).all()
        assert sorted((i, v, bool(b)) for i, v, b in stored if v is None) == sorted(
            [(first, None, True), (first, None, True), (second, None, False), (second, None, True)])
        assert len(session.scalars(select(Response)).all()) == 7

        loaded = load_rounds(session, [round_.id])
        questionnaire = loaded.questionnaire()
        scores = analysis.item_scores(loaded.wide(round_.id), questionnaire, by=None).set_index("item_id")
        assert scores.loc[first, ["n", "missing", "dont_know", "not_answered"]].tolist() == [5, 2, 0, 2]
        assert scores.loc[second, ["n", "missing", "dont_know", "not_answered"]].tolist() == [5, 2, 1, 1]
        assert scores.loc[second, "mean"] == 3  # the missing answers are never a midpoint, nor anything
        rows = {row["item_id"]: row for row in compute.round_payload(loaded.wide(round_.id), questionnaire)["items"]}
        assert (rows[second]["dont_know"], rows[second]["not_answered"]) == (1, 1)
        kept = summarise_round(session, session.get(Round, round_.id))["items"]  # what a purge keeps
        assert kept[second] == {"3": 5, "non_risposto": 1, "non_so": 1}

    evaluator = as_role("evaluator")
    base = f"/risultati/rilevazioni/{round_.id}"
    wide = list(csv.DictReader(io.StringIO(evaluator.get(f"{base}/risposte-per-questionario.csv").data
                                           .decode("utf-8-sig")), delimiter=";"))
    # rows are in the order of the pseudonymous ids (issue 16.10), not of submission
    assert sorted((row[first], row[second]) for row in wide) == sorted(
        zip(["NR", "NR", "3", "3", "3", "3", "3"], ["3", "NS", "NR", "3", "3", "3", "3"]))
    long = list(csv.DictReader(io.StringIO(evaluator.get(f"{base}/risposte.csv").data.decode("utf-8-sig")),
                               delimiter=";"))
    flags = [(row["valore"], row["non_so"], row["non_risposto"]) for row in long if row["domanda"] == second]
    assert sorted(flags) == sorted([("3", "0", "0"), ("", "1", "0"), ("", "0", "1")]
                                   + [("3", "0", "0")] * 4)
    path = tmp_path / "r.sav"
    path.write_bytes(evaluator.get(f"{base}/risposte.sav").data)
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert sorted(frame[second].tolist()) == [3, 3, 3, 3, 3, 98, 99]
    assert {"lo": 98.0, "hi": 98.0} in meta.missing_ranges[second]
    assert meta.variable_value_labels[second][98.0] == "nessuna risposta"
    plain, _meta = pyreadstat.read_sav(str(path))
    assert plain[second].isna().sum() == 2  # SPSS leaves both out of its statistics
    codebook = list(csv.DictReader(io.StringIO(evaluator.get(f"{base}/codebook.csv").data.decode("utf-8-sig")),
                                   delimiter=";"))
    missing = next(row["mancanti"] for row in codebook if row["variabile"] == second)
    assert "NS = «" in missing and "NR = nessuna risposta" in missing and "98 = NR" in missing
    assert 'na.strings = c("", "NS", "NR")' in missing


def test_the_respondents_form_has_no_blank_choice_and_refuses_one(respondent, make_round, app):
    round_ = make_round("persona-al-centro")
    form = respondent.load_form(round_.token)
    assert f'value="{NOT_ANSWERED}"' not in form.html and BLANK_LABEL not in form.html
    assert respondent.submit(round_.token, form.answers("3", **{form.item_fields[0]: NOT_ANSWERED})).status_code == 400
    with app.app_context():
        assert get_session().scalars(select(Response)).all() == []


OPTIONAL = Questionnaire({
    "format": 1, "id": "optional-q", "version": 1, "objective": "test", "indicators": [],
    "title": {"it": "Prova"}, "context": [],
    "scales": {"main": {"points": 5, "labels": [{"it": f"livello {v}"} for v in range(1, 6)],
                        "dont_know": {"it": "Non so"}}},
    "dimensions": [{"id": "d", "title": {"it": "d"}, "scale": "main", "items": [
        {"id": "asked", "text": {"it": "asked"}}, {"id": "optional", "text": {"it": "optional"}, "required": False},
        {"id": "unsure", "text": {"it": "unsure"}}]}],
    "measures": [],
})


def test_an_optional_item_skipped_online_is_stored_as_not_answered(app, make_round):
    round_ = make_round("persona-al-centro")
    submission_id = new_submission_id()
    with app.test_request_context(method="POST"):
        form = build_questionnaire_form(OPTIONAL, "it", [], csrf=False, formdata=MultiDict(
            {"submission_id": submission_id, "q_asked": "4", "q_unsure": "na"}))
        assert form.validate(), form.errors
        submission = submission_from_form(form, OPTIONAL, language="it")
        assert (submission.answers, submission.not_answered) == ({"asked": 4, "unsure": None}, ("optional",))
        assert record_submission(get_session(), round_.id, submission).status == "stored"
        assert record_submission(get_session(), round_.id, submission).status == "duplicate"
        rows = get_session().execute(select(Answer.item_id, Answer.value, Answer.not_answered)
                                     .order_by(Answer.item_id)).all()
        assert [(i, v, bool(b)) for i, v, b in rows] == [("asked", 4, False), ("optional", None, True),
                                                       ("unsure", None, False)]


@pytest.mark.parametrize("posted", ["1", "5", "ns", "6", "0", "", " 1", "1 ", "uno", None])
def test_a_statements_field_accepts_exactly_what_wtforms_radio_field_accepts(app, posted):
    """The statements' ScaleField checks a posted value by lookup (issue 17); WTForms'
    RadioField, which it replaces, must give the same verdict and message on every value."""
    from werkzeug.datastructures import MultiDict
    from wtforms import Form, RadioField, SelectChoice

    from survey_app.forms.questionnaire import ScaleField

    choices = [SelectChoice(str(point), f"punto {point}") for point in range(1, 6)] + [SelectChoice("ns", "Non so")]

    class Both(Form):
        scale = ScaleField(choices=choices)
        radio = RadioField(choices=choices)

    form = Both(MultiDict({} if posted is None else {"scale": posted, "radio": posted}))
    form.validate()
    assert form.scale.data == form.radio.data
    assert form.scale.errors == form.radio.errors
