"""Free comments reach a report only once reviewed, as reviewed, and only from rounds of 5+."""

from __future__ import annotations

from bs4 import BeautifulSoup
from conftest import csrf_token_of
from sqlalchemy import select

from survey_app.analysis import MIN_CELL
from survey_app.db import get_session
from survey_app.models import AuditEvent, CommentReview, Round
from survey_app.reports import comments

from .helpers import response_with_comment

UNREVIEWED = "Commento mai revisionato Zq7"
APPROVED = "Servizio ottimo grazie Kx2"
ORIGINAL = "Sono la figlia della signora Rossi di Castro Wv5"
REDACTED = "Sono una familiare di una persona seguita Wv5"
REJECTED = "Testo escluso dal valutatore Jm4"
OBJECTIVE_PAGE = "/rapporti/obiettivo?id=persona-al-centro&piano=1"


def review(client, round_id: int, response_id: int, status: str, text: str = "", expect: int = 303):
    path = f"/rapporti/commenti/rilevazioni/{round_id}"
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token_of(client, path),
            "response_id": str(response_id),
            "status": status,
            "text": text,
        },
    )
    assert response.status_code == expect, response.get_data(as_text=True)
    return response


def test_the_min_cell_of_comments_is_the_analysis_one():
    assert comments.MIN_CELL == MIN_CELL


def test_only_reviewed_comments_reach_the_report(app, as_role, make_round, fill):
    round_ = make_round("persona-al-centro")
    fill(round_.id, 8, comments=[UNREVIEWED, APPROVED, ORIGINAL, REJECTED])
    evaluator = as_role("evaluator")
    path = f"/rapporti/commenti/rilevazioni/{round_.id}"
    page = evaluator.get(path).get_data(as_text=True)
    for text in (UNREVIEWED, APPROVED, ORIGINAL, REJECTED):  # the evaluator reads every comment
        assert text in page
    assert page.count("Da revisionare") >= 4

    review(evaluator, round_.id, response_with_comment(app, round_.id, APPROVED), "approved")
    review(
        evaluator, round_.id, response_with_comment(app, round_.id, ORIGINAL), "redacted", REDACTED
    )
    review(evaluator, round_.id, response_with_comment(app, round_.id, REJECTED), "rejected")

    report = evaluator.get(OBJECTIVE_PAGE).get_data(as_text=True)
    assert APPROVED in report and REDACTED in report
    for text in (UNREVIEWED, ORIGINAL, REJECTED):
        assert text not in report
    assert "1 commento non ancora revisionato non è riportato" in report
    printable = evaluator.get(OBJECTIVE_PAGE.replace("obiettivo?", "obiettivo/stampa?")).get_data(
        as_text=True
    )
    assert APPROVED in printable and UNREVIEWED not in printable and ORIGINAL not in printable

    with app.app_context():
        events = (
            get_session()
            .scalars(select(AuditEvent).where(AuditEvent.action == "comment.review"))
            .all()
        )
        assert sorted(e.detail["status"] for e in events) == ["approved", "redacted", "rejected"]
        assert all(e.detail["round"] == round_.id and e.ambito_id is not None for e in events)
        logged = " ".join(str(e.detail) for e in events)
        assert ORIGINAL not in logged and REDACTED not in logged  # the log never keeps the text


def test_changing_a_review_takes_the_comment_out(app, as_role, make_round, fill):
    round_ = make_round("persona-al-centro")
    fill(round_.id, 6, comments=[APPROVED])
    evaluator = as_role("evaluator")
    response_id = response_with_comment(app, round_.id, APPROVED)
    review(evaluator, round_.id, response_id, "approved")
    assert APPROVED in evaluator.get(OBJECTIVE_PAGE).get_data(as_text=True)
    review(evaluator, round_.id, response_id, "rejected")
    assert APPROVED not in evaluator.get(OBJECTIVE_PAGE).get_data(as_text=True)
    with app.app_context():
        row = get_session().scalar(
            select(CommentReview).where(CommentReview.response_id == response_id)
        )
        assert (row.status, row.revision) == ("rejected", 2)


def test_comments_of_rounds_under_five_are_never_shown(app, as_role, make_round, fill):
    round_ = make_round("persona-al-centro")
    fill(round_.id, MIN_CELL - 1, comments=[APPROVED])
    evaluator = as_role("evaluator")
    page = evaluator.get(f"/rapporti/commenti/rilevazioni/{round_.id}").get_data(as_text=True)
    assert "meno di 5 risposte" in page
    review(evaluator, round_.id, response_with_comment(app, round_.id, APPROVED), "approved")
    assert APPROVED not in evaluator.get(OBJECTIVE_PAGE).get_data(as_text=True)
    with app.app_context():
        assert comments.published_comments(get_session(), [round_.id]) == {round_.id: []}
    fill(round_.id, 1, seed=7)  # the fifth response: now the round may show its reviewed comments
    assert APPROVED in evaluator.get(OBJECTIVE_PAGE).get_data(as_text=True)


def test_a_redaction_needs_its_text(app, as_role, make_round, fill):
    round_ = make_round("persona-al-centro")
    fill(round_.id, 6, comments=[ORIGINAL])
    evaluator = as_role("evaluator")
    response_id = response_with_comment(app, round_.id, ORIGINAL)
    path = f"/rapporti/commenti/rilevazioni/{round_.id}"
    page = review(evaluator, round_.id, response_id, "redacted", "   ")
    assert "scrivi il testo" in evaluator.get(page.headers["Location"]).get_data(as_text=True)
    review(evaluator, round_.id, response_id, "maybe")
    with app.app_context():
        assert get_session().scalar(select(CommentReview)) is None
    # a response of another round cannot be reviewed from this page
    other = make_round("persona-al-centro")
    other_ids = fill(other.id, 5, comments=[APPROVED])
    review(evaluator, round_.id, other_ids[0], "approved")
    with app.app_context():
        assert get_session().scalar(select(CommentReview)) is None
    assert (
        evaluator.post(path, data={"csrf_token": csrf_token_of(evaluator, path)}).status_code == 400
    )


def test_operators_cannot_review(app, as_role, make_round, fill):
    round_ = make_round("persona-al-centro")
    fill(round_.id, 5, comments=[APPROVED])
    assert as_role("operator").get(f"/rapporti/commenti/rilevazioni/{round_.id}").status_code == 403


def test_the_index_lists_rounds_with_comments_to_review(app, as_role, make_round, fill):
    round_ = make_round("persona-al-centro")
    fill(round_.id, 6, comments=[APPROVED, UNREVIEWED])
    evaluator = as_role("evaluator")
    review(evaluator, round_.id, response_with_comment(app, round_.id, APPROVED), "approved")
    soup = BeautifulSoup(evaluator.get("/rapporti/").get_data(as_text=True), "html.parser")
    link = soup.find("a", href=f"/rapporti/commenti/rilevazioni/{round_.id}")
    cells = [td.get_text(strip=True) for td in link.find_parent("tr").find_all("td")]
    assert cells == ["6", "2", "1"]  # responses, comments, still to review
    with app.app_context():
        assert get_session().get(Round, round_.id) is not None


def test_reviews_go_with_their_responses_when_a_round_is_purged(app, as_role, make_round, fill):
    from survey_app.maintenance.retention import purge_round

    round_ = make_round("persona-al-centro")
    fill(round_.id, 5, comments=[APPROVED])
    review(
        as_role("evaluator"), round_.id, response_with_comment(app, round_.id, APPROVED), "approved"
    )
    with app.app_context():
        session = get_session()
        purge_round(session, session.get(Round, round_.id))
        session.commit()
        assert session.scalar(select(CommentReview)) is None
        assert comments.published_comments(session, [round_.id]) == {round_.id: []}


def test_comments_are_escaped(app, as_role, make_round, fill):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    round_ = make_round("persona-al-centro")
    fill(round_.id, 5, comments=[attack])
    evaluator = as_role("evaluator")
    review_page = evaluator.get(f"/rapporti/commenti/rilevazioni/{round_.id}").get_data(as_text=True)
    assert "<script>alert" not in review_page and "&lt;script&gt;" in review_page
    review(evaluator, round_.id, response_with_comment(app, round_.id, attack), "approved")
    for path in (OBJECTIVE_PAGE, OBJECTIVE_PAGE.replace("obiettivo?", "obiettivo/stampa?")):
        page = evaluator.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page and "&lt;script&gt;" in page
