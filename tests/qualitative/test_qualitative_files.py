"""Transcripts refused with a clear message and nothing stored; the REFI-QDA export against the
real schema (``Project.xsd``, REFI-QDA 1.0 of 18 March 2019, MIT licence, in this folder) and
read back to the same codes and passages, from the page and the command; the retention purge."""

from __future__ import annotations

import html
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.models import AuditEvent, Plan, Response, Round
from survey_app.models.qualitative import Passage, QualitativeSession, Theme, passage_themes
from survey_app.qualitative import extraction, operations
from survey_app.qualitative.refi import NAMESPACE, read_qdpx
from survey_app.reports.comments import review_comment
from tests.reports.helpers import add_responses

from .helpers import (
    coded_session,
    docx_bytes,
    pdf_without_text,
    plan_and_objective,
    post,
    session_form,
)

SCHEMA = Path(__file__).with_name("Project.xsd")


def _upload(client, url, data: bytes, filename: str):
    return post(client, url, {**session_form(material="transcript", notes=None),
                              "transcript": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


@pytest.mark.parametrize(("name", "data", "message"), [
    ("vuoto.txt", b"", "Il file è vuoto."),
    ("spazi.txt", b"  \n\n  ", "Il file non contiene testo."),
    ("trascrizione.odt", b"PK\x03\x04 not really", "Formato non accettato"),
    ("finto.docx", b"just text, not a document", "non è un documento Word"),
    ("finto.pdf", b"just text", "non è un PDF"),
    ("scansione.pdf", None, "Il PDF non contiene testo (è una scansione?)"),
    ("rotto.pdf", b"%PDF-1.7\n garbage", "Il PDF non si apre"),
    ("troppo.txt", "x" * 2000, "Il file supera"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(app, as_role, make_round, monkeypatch, name, data, message):
    if data is None:
        data = pdf_without_text()
    if isinstance(data, str):
        monkeypatch.setattr(extraction, "MAX_UPLOAD_BYTES", 1000)
        data = data.encode()
    round_ = make_round("persona-al-centro")
    plan_id, objective_id = plan_and_objective(app, round_.id)
    response = _upload(as_role("evaluator"), f"/qualitativa/piani/{plan_id}/obiettivi/{objective_id}/incontri/nuovo",
                       data, name)
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    with app.app_context():
        session = get_session()
        assert session.scalar(select(func.count()).select_from(QualitativeSession)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action.startswith("qualitative."))) == 0


def test_a_body_beyond_the_upload_limit_is_refused_whole(app, as_role, make_round, monkeypatch):
    monkeypatch.setattr(extraction, "MAX_UPLOAD_BYTES", 1000)
    round_ = make_round("persona-al-centro")
    plan_id, objective_id = plan_and_objective(app, round_.id)
    response = _upload(as_role("evaluator"), f"/qualitativa/piani/{plan_id}/obiettivi/{objective_id}/incontri/nuovo",
                       b"x" * 200_000, "grande.txt")
    assert response.status_code == 413
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(QualitativeSession)) == 0


def test_text_files_in_utf8_and_windows_1252():
    assert extraction.extract_text("a.txt", "\ufeffRiga uno\r\nRiga due\r\n\r\n\r\nTre".encode()).text == \
        "Riga uno\nRiga due\n\nTre"
    assert extraction.extract_text("a.TXT", "perché è così".encode("cp1252")).text == "perché è così"
    assert extraction.extract_text("a.docx", docx_bytes(["Uno", "", "Due"])).text == "Uno\n\nDue"


def test_a_docx_that_unzips_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(extraction, "MAX_DOCX_UNCOMPRESSED_BYTES", 1000)
    with pytest.raises(extraction.ExtractionError, match="troppo grande"):
        extraction.extract_text("a.docx", docx_bytes(["Uno"]))


# --- REFI-QDA ----------------------------------------------------------------------------------


def _coded_plan(app, make_round):
    """A plan with two sessions, a sub-theme and a coded redacted comment."""
    round_ = make_round("persona-al-centro", kind="ex-post")
    plan_id, objective_id = plan_and_objective(app, round_.id)
    first = coded_session(app, plan_id, objective_id)
    second = coded_session(app, plan_id, objective_id, title="Laboratorio con i cittadini")
    comments = ["Buono, ma gli orari", "Ho parlato con Gianni Bianchi dell'ufficio e mi ha aiutato."]
    add_responses(app, round_.id, 6, comments=comments)
    with app.app_context():
        session = get_session()
        plan = session.get(Plan, plan_id)
        ids = [session.scalar(select(Response.id).where(Response.comment == c)) for c in comments]
        review_comment(session, session.get(Round, round_.id), ids[0], "approved", redacted_text=None, actor="test")
        review_comment(session, session.get(Round, round_.id), ids[1], "redacted",
                       redacted_text="Ho parlato con [nome] dell'ufficio e mi ha aiutato.", actor="test")
        sub = operations.add_theme(session, plan, objective_id, name="Orari", description="Apertura al pubblico",
                                   parent_id=first["theme_id"], actor="test")
        operations.code_comment(session, plan, objective_id, ids[1], excerpt="mi ha aiutato",
                                theme_ids=[first["theme_id"], sub.id], actor="test")
        operations.code_comment(session, plan, objective_id, ids[0], theme_ids=[sub.id], actor="test")
        operations.code_session_passage(session, session.get(QualitativeSession, second["session_id"]),
                                        theme_ids=[sub.id], excerpt="orari dello sportello", actor="test")
        session.commit()
    return plan_id, objective_id


def _expected(app, plan_id):
    with app.app_context():
        session = get_session()
        themes = {t.uuid: (t.name, t.description, session.get(Theme, t.parent_id).uuid if t.parent_id else None)
                  for t in session.scalars(select(Theme).where(Theme.plan_id == plan_id))}
        passages = {p.uuid: (p.text, tuple(sorted(t.uuid for t in p.themes)))
                    for p in session.scalars(select(Passage).where(Passage.plan_id == plan_id))}
        sessions = {s.uuid: s.text for s in session.scalars(select(QualitativeSession))}
    return themes, passages, sessions


def _check(data: bytes, expected):
    themes, passages, sessions = expected
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("project.qde"))
        names = archive.namelist()
    etree.XMLSchema(etree.parse(str(SCHEMA))).assertValid(root)
    assert root.tag == f"{{{NAMESPACE}}}Project" and "project.qde" in names
    project = read_qdpx(data)
    codes = {c.guid: c for c in project.codes}
    # the objective is a code that groups its themes, not one to code with
    groups = [c for c in project.codes if not c.codable]
    assert len(groups) == 1 and groups[0].parent_guid is None and "Obiettivo" in groups[0].description
    assert {guid: (c.name, c.description, None if c.parent_guid == groups[0].guid else c.parent_guid)
            for guid, c in codes.items() if c.codable} == themes
    read = {s.guid: (s.text, tuple(sorted(s.code_guids))) for source in project.sources for s in source.selections}
    assert read == passages
    by_guid = {s.guid: s for s in project.sources}
    assert {guid: by_guid[guid].text for guid in sessions} == sessions
    assert all(f"sources/{s.guid}.txt" in names for s in project.sources)
    comments = [s for s in project.sources if s.guid not in sessions]
    assert len(comments) == 1 and "[nome]" in comments[0].text and "Gianni" not in comments[0].text
    assert all(u.endswith(".example") or u == "test" for u in project.users.values())
    return project


def test_qdpx_download_is_valid_and_reads_back(app, as_role, make_round):
    plan_id, _objective_id = _coded_plan(app, make_round)
    response = as_role("evaluator").get(f"/qualitativa/piani/{plan_id}/progetto.qdpx")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert ".qdpx" in response.headers["Content-Disposition"]
    _check(response.data, _expected(app, plan_id))
    assert as_role("operator").get(f"/qualitativa/piani/{plan_id}/progetto.qdpx").status_code == 403
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "qualitative.export")) == 1


def test_qdpx_command_writes_the_same_project(app, runner, make_round, tmp_path):
    plan_id, _objective_id = _coded_plan(app, make_round)
    output = tmp_path / "progetto.qdpx"
    result = runner.invoke(args=["qualitative", "export", "alto-sebino/pdz-2021-2023", "--output", str(output)])
    assert result.exit_code == 0, result.output
    project = _check(output.read_bytes(), _expected(app, plan_id))
    again = runner.invoke(args=["qualitative", "export", str(plan_id), "--output", str(tmp_path / "b.qdpx")])
    assert again.exit_code == 0
    assert read_qdpx((tmp_path / "b.qdpx").read_bytes()).codes == project.codes  # stable GUIDs
    unknown = runner.invoke(args=["qualitative", "export", "nowhere/nothing", "--output", str(tmp_path / "c.qdpx")])
    assert unknown.exit_code == 2 and "unknown plan" in unknown.output


# --- retention -------------------------------------------------------------------------------


def test_purge_deletes_old_sessions_and_passages(app, runner, make_round):
    round_ = make_round("persona-al-centro", kind="ex-post", opens_at=datetime(2021, 3, 1))
    plan_id, objective_id = plan_and_objective(app, round_.id)
    old = coded_session(app, plan_id, objective_id, held_on=date(2021, 5, 4), title="Focus group 2021")
    recent = coded_session(app, plan_id, objective_id, held_on=date(2023, 10, 12), title="Focus group 2023")
    [response_id] = add_responses(app, round_.id, 1, comments=["Commento del 2021"])
    with app.app_context():
        session = get_session()
        review_comment(session, session.get(Round, round_.id), response_id, "approved", redacted_text=None,
                       actor="test")
        comment_passage = operations.code_comment(session, session.get(Plan, plan_id), objective_id, response_id,
                                                  theme_ids=[old["theme_id"]], actor="test").id
        from survey_app.rounds.operations import set_status

        closed = session.get(Round, round_.id)
        set_status(session, closed, "closed", actor="test")
        closed.closes_at = datetime(2021, 6, 1)
        session.commit()
    dry = runner.invoke(args=["purge", "--older-than", "2022-01-01", "--dry-run"])
    assert dry.exit_code == 0 and "Would delete 1 interviews, focus groups and workshops" in dry.output
    with app.app_context():
        assert get_session().get(QualitativeSession, old["session_id"]) is not None
    result = runner.invoke(args=["purge", "--older-than", "2022-01-01"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 interviews, focus groups and workshops held before 2022-01-01" in result.output
    with app.app_context():
        session = get_session()
        assert session.get(QualitativeSession, old["session_id"]) is None
        assert session.get(Passage, old["passage_id"]) is None
        assert session.get(Passage, comment_passage) is None  # went with its purged comment
        assert session.get(QualitativeSession, recent["session_id"]) is not None
        assert session.get(Passage, recent["passage_id"]) is not None
        assert session.get(Theme, old["theme_id"]) is not None  # the codebook stays
        remaining = {row.passage_id for row in session.execute(select(passage_themes))}
        assert remaining == {recent["passage_id"]}
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "qualitative.purge"))
        assert event.target_id == str(old["session_id"]) and event.detail["passages"] == 1


def test_an_objective_with_qualitative_evidence_stays_in_its_plan(app):
    """Re-importing a draft plan without an objective that has sessions or themes is refused."""
    from survey_app.models import Ambito
    from survey_app.plans.importing import PlanImportRejected, import_plan
    from tests.plans.helpers import example, parsed

    with app.app_context():
        session = get_session()
        ambito = session.scalar(select(Ambito).where(Ambito.code == "alto-sebino"))
        data = example()
        data["plan"]["status"] = "draft"
        plan = import_plan(session, ambito, parsed(data), actor="test").plan
        session.commit()
        objective_id = data["objectives"][-1]["id"]
        operations.add_theme(session, plan, objective_id, name="Accesso", actor="test")
        session.commit()
        data["objectives"].pop()
        with pytest.raises(PlanImportRejected) as refused:
            import_plan(session, ambito, parsed(data), actor="test")
        assert "valutazione qualitativa" in str(refused.value.problems[0])
