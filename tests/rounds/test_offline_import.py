"""``flask rounds import-odk`` and the round page's upload: answers collected offline with ODK Collect
or KoboToolbox, from the CSV export of the round's own XLSForm, stored once each with channel ``odk``;
every problem on a line of its own and nothing stored; device, collector and position never kept."""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa
from conftest import csrf_token_of, log_in
from sqlalchemy import func, select

from survey_app.db import get_session
from survey_app.models import AuditEvent, Base, Response, Round

#: what ODK Central puts before and after the form's own columns (the device, the collector, the
#: server's review) and a geopoint's parts: none of it may be stored anywhere
CENTRAL_BEFORE = ["SubmissionDate", "start", "end", "today", "deviceid", "username", "phonenumber"]
CENTRAL_AFTER = ["KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status",
                 "ReviewState", "DeviceID", "Edits", "FormVersion", "luogo-Latitude", "luogo-Longitude",
                 "_luogo_latitude", "_luogo_altitude", "_luogo_precision"]
#: values of those columns, each findable in a dump of the database
DEVICE_ID = "collect:Zq9XwV3Lk2"
COLLECTOR = "rilevatrice.bianchi"
SUBMITTER = "Giulia Bianchi"
LATITUDE = "45.8123456"
PHONE = "+393331234567"


def xform_paths(runner, tmp_path) -> list[str]:
    """The columns of the round's XLSForm as ODK Central names them: its export, turned into an XForm by pyxform."""
    from pyxform.xls2xform import convert

    target = tmp_path / "persona.xlsx"
    result = runner.invoke(args=["questionnaires", "export", "persona-al-centro", "--output", str(target)])
    assert result.exit_code == 0, result.output
    xform = convert(xlsform=str(target), warnings=[]).xform
    model = ET.fromstring(xform).find(".//{http://www.w3.org/2002/xforms}instance")
    data = next(iter(model))
    assert data.attrib == {"id": "persona-al-centro", "version": "1"}

    def leaves(element, prefix=""):
        for child in element:
            name = prefix + child.tag.split("}")[-1]
            yield from leaves(child, name + "/") if len(child) else [name]

    return list(leaves(data))


def submission(n: int, answer: str = "4", **cells) -> dict:
    """One submission as ODK Central exports it: answers of the form, and the tools' metadata."""
    row = {
        "SubmissionDate": f"2026-05-04T10:{n:02d}:31.123Z", "start": "2026-05-04T11:02:00.000+02:00",
        "end": "2026-05-04T11:09:47.000+02:00", "today": "2026-05-04", "deviceid": DEVICE_ID,
        "username": COLLECTOR, "phonenumber": PHONE,
        "context_comune": "lovere", "context_service": "sad", "context_role": "carer",
        "comment": f"Commento numero {n}",
        "meta/instanceID": f"uuid:{uuid.UUID(int=n + 1000)}", "KEY": f"uuid:{uuid.UUID(int=n + 1000)}",
        "SubmitterID": "7", "SubmitterName": SUBMITTER, "AttachmentsPresent": "0", "AttachmentsExpected": "0",
        "Status": "", "ReviewState": "approved", "DeviceID": DEVICE_ID, "Edits": "0", "FormVersion": "1",
        "luogo-Latitude": LATITUDE, "luogo-Longitude": "10.07", "_luogo_latitude": LATITUDE,
        "_luogo_altitude": "190", "_luogo_precision": "4.5",
    }
    row["_answer"] = answer
    row.update(cells)
    return row


def central_csv(paths: list[str], rows: list[dict], *, delimiter: str = ",", bom: bool = False,
                header: list[str] | None = None) -> bytes:
    """The CSV of *rows* with ODK Central's header around the form's *paths*."""
    header = header or CENTRAL_BEFORE + paths + CENTRAL_AFTER
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        answer = row.get("_answer", "4")
        writer.writerow([row.get(column, answer if "/" in column and not column.startswith("meta/") else "")
                         for column in header])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def responses(app) -> list[Response]:
    with app.app_context():
        found = get_session().scalars(select(Response).order_by(Response.submission_id)).all()
        for response in found:
            _ = response.answers
        get_session().expunge_all()
        return found


def import_file(runner, round_id: int, path, *extra):
    return runner.invoke(args=["rounds", "import-odk", str(round_id), str(path), *extra])


@pytest.fixture
def paths(runner, tmp_path):
    return xform_paths(runner, tmp_path)


def test_an_export_imported_twice_stores_each_answer_once_with_channel_odk(app, runner, make_round, paths,
                                                                           tmp_path):
    round_ = make_round("persona-al-centro")
    export = tmp_path / "persona-al-centro.csv"
    export.write_bytes(central_csv(paths, [submission(1), submission(2, "ns", comment=""),
                                           submission(3, "2", context_role="beneficiary")]))
    first = import_file(runner, round_.id, export)
    assert first.exit_code == 0, first.output
    assert f"Imported persona-al-centro.csv into round {round_.id}: 3 stored, 0 already stored." in first.output
    again = import_file(runner, round_.id, export)
    assert again.exit_code == 0, again.output
    assert "0 stored, 3 already stored." in again.output
    stored = responses(app)
    assert [r.submission_id for r in stored] == [str(uuid.UUID(int=n + 1000)) for n in (1, 2, 3)]
    assert {r.channel for r in stored} == {"odk"} and {r.round_id for r in stored} == {round_.id}
    assert [r.respondent_role for r in stored] == ["carer", "carer", "beneficiary"]
    assert [r.comment for r in stored] == ["Commento numero 1", None, "Commento numero 3"]
    assert {r.service for r in stored} == {"sad"}
    assert all(r.submitted_hour.minute == 0 and r.submitted_hour.second == 0 for r in stored)
    assert len(stored[0].answers) == 10 and {a.value for a in stored[0].answers} == {4}
    # "ns" is "non so": missing, chosen by the person, never "not answered"
    assert {(a.value, a.not_answered) for a in stored[1].answers} == {(None, False)}
    assert {a.value for a in stored[2].answers} == {2}
    with app.app_context():
        events = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "responses.import_odk")).all()
        assert [(e.actor, e.detail["stored"], e.detail["already_stored"]) for e in events] == [("cli", 3, 0),
                                                                                             ("cli", 0, 3)]


def test_device_collector_and_position_are_stored_nowhere(app, runner, make_round, paths, tmp_path):
    round_ = make_round("persona-al-centro")
    export = tmp_path / "export.csv"
    export.write_bytes(central_csv(paths, [submission(n) for n in range(1, 4)]))
    assert import_file(runner, round_.id, export).exit_code == 0
    with app.app_context():
        session = get_session()
        assert session.scalar(select(func.count(Response.id))) == 3
        dump = repr([session.execute(sa.select(table)).all() for table in Base.metadata.sorted_tables])
    assert "Commento numero 1" in dump  # the dump holds what was stored
    for secret in (DEVICE_ID, "Zq9XwV3Lk2", COLLECTOR, SUBMITTER, LATITUDE, "45.81", PHONE, "11:09", "10:01:31",
                   "approved"):
        assert secret not in dump


def test_imported_answers_show_in_the_results_and_the_exports(app, runner, make_round, paths, tmp_path,
                                                              as_role):
    round_ = make_round("persona-al-centro")
    export = tmp_path / "export.csv"
    export.write_bytes(central_csv(paths, [submission(n, str(1 + n % 5)) for n in range(1, 8)]))
    assert import_file(runner, round_.id, export).exit_code == 0
    wide, codebook = tmp_path / "wide.csv", tmp_path / "codebook.csv"
    for fmt, target in (("csv-comma", wide), ("codebook", codebook)):
        result = runner.invoke(args=["results", "export", str(round_.id), "--format", fmt, "--output", str(target)])
        assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(wide.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 7 and {row["canale"] for row in rows} == {"ODK (raccolta offline)"}
    assert "ODK (raccolta offline)" in codebook.read_text(encoding="utf-8-sig")
    page = as_role("evaluator").get(f"/risultati/rilevazioni/{round_.id}", follow_redirects=True)
    assert page.status_code == 200
    assert '<p class="big">7 rispondenti' in page.get_data(as_text=True)
    detail = as_role("operator").get(f"/gestione/rilevazioni/{round_.id}").get_data(as_text=True)
    assert "ODK (raccolta offline)" in detail  # counted under its channel


def test_every_problem_is_a_line_and_nothing_is_stored(app, runner, make_round, paths, tmp_path):
    round_ = make_round("persona-al-centro")
    header = CENTRAL_BEFORE + paths + CENTRAL_AFTER + ["colore_preferito"]
    rows = [submission(1), submission(2, "7"), submission(3, FormVersion="2"),
            submission(4, **{"meta/instanceID": "uuid:non-un-uuid"}), submission(5, context_comune="sarnico"),
            submission(6, **{"access/access_easy": ""}), submission(7)]
    export = tmp_path / "rotto.csv"
    export.write_bytes(central_csv(paths, rows, header=header))
    result = import_file(runner, round_.id, export)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0] == ("rotto.csv: colonna «colore_preferito»: colonna sconosciuta: non è una domanda del "
                        "questionario «persona-al-centro» né un dato che ODK o KoboToolbox aggiungono")
    assert lines[1] == ("rotto.csv: riga 3, colonna «access/access_easy»: «7» non è una scelta della domanda "
                        "(le scelte sono 1-5, ns): esporta i valori, non le etichette")
    assert sum("riga 3," in line for line in lines) == 10  # one per statement
    assert ("rotto.csv: riga 4, colonna «FormVersion»: la risposta è della versione «2» del questionario, "
            "la rilevazione usa la versione 1") in lines
    assert ("rotto.csv: riga 5, colonna «meta/instanceID»: «uuid:non-un-uuid» non è un identificativo di invio "
            "valido («uuid:» seguito da un UUID)") in lines
    assert ("rotto.csv: riga 6, colonna «context_comune»: «sarnico» non è il codice di un Comune dell'Ambito "
            "della rilevazione") in lines
    assert ("rotto.csv: riga 7, colonna «access/access_easy»: manca la risposta: la domanda è obbligatoria"
            ) in lines
    assert lines[-1] == f"{len(lines) - 1} problem(s): nothing imported."
    assert len(lines) == 1 + 10 + 1 + 1 + 1 + 1 + 1
    assert not any("riga 2" in line or "riga 8" in line for line in lines)  # the good rows
    assert responses(app) == []
    with app.app_context():
        assert get_session().scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "responses.import_odk")) == 0


def test_rows_of_another_form_and_changed_answers_are_refused(app, runner, make_round, paths, tmp_path):
    round_ = make_round("persona-al-centro")
    export = tmp_path / "export.csv"
    export.write_bytes(central_csv(paths, [submission(1), submission(2)]))
    assert import_file(runner, round_.id, export).exit_code == 0
    # the same submissions with other answers, and a KoboToolbox row of another form
    header = ["_xform_id_string"] + paths + ["_uuid", "__version__", "_submitted_by"]
    changed = central_csv(paths, [submission(1, "1", _xform_id_string="persona-al-centro"),
                                  submission(3, _xform_id_string="altro-questionario")], header=header)
    export.write_bytes(changed)
    result = import_file(runner, round_.id, export)
    assert result.exit_code == 1, result.output
    assert ("export.csv: riga 2: questo invio è già salvato con risposte diverse: il file è stato modificato "
            "dopo l'esportazione?") in result.output
    assert ("export.csv: riga 3, colonna «_xform_id_string»: la risposta è del questionario «altro-questionario», "
            "la rilevazione usa «persona-al-centro»") in result.output
    assert len(responses(app)) == 2 and {a.value for a in responses(app)[0].answers} == {4}


def test_a_kobo_file_without_group_names_separated_by_semicolons_with_a_bom(app, runner, make_round, paths,
                                                                             tmp_path):
    round_ = make_round("persona-al-centro")
    bare = [path.rsplit("/", 1)[-1] for path in paths if path != "meta/instanceID"]
    header = ["start", "end", "deviceid", *bare, "_id", "_uuid", "_submission_time", "_validation_status",
              "_notes", "_status", "_submitted_by", "__version__", "_tags", "_index"]
    rows = [{**{name: "5" for name in bare}, "context_comune": "sovere", "context_service": "cdi",
             "context_role": "beneficiary", "comment": "Tutto bene; grazie", "_uuid": str(uuid.UUID(int=n)),
             "deviceid": DEVICE_ID, "_submitted_by": COLLECTOR, "__version__": "vGmNwkN5Z4fsTwzUQc2ARV"}
            for n in (1, 2)]
    export = tmp_path / "kobo.csv"
    export.write_bytes(central_csv(paths, rows, delimiter=";", bom=True, header=header))
    check = import_file(runner, round_.id, export, "--dry-run")
    assert check.exit_code == 0, check.output
    assert "kobo.csv: 2 answers are valid (2 new, 0 already stored); nothing stored (--dry-run)." in check.output
    assert responses(app) == []
    assert import_file(runner, round_.id, export).exit_code == 0
    stored = responses(app)
    assert [r.comment for r in stored] == ["Tutto bene; grazie"] * 2
    assert all(len(r.answers) == 10 for r in stored)


def test_an_odk_central_export_with_centrals_own_header(app, runner, make_round, paths, tmp_path):
    """ODK Central joins groups with "-" (``access-access_easy``, ``meta-instanceID``) around its metadata."""
    round_ = make_round("persona-al-centro")
    dashed = [path.replace("/", "-") for path in paths]
    rows = []
    for n in (1, 2):
        row = submission(n)
        row["meta-instanceID"] = row.pop("meta/instanceID")
        row.update({column: "5" for column in dashed if "-" in column and not column.startswith("meta-")})
        rows.append(row)
    export = tmp_path / "central.csv"
    export.write_bytes(central_csv(paths, rows, header=CENTRAL_BEFORE + dashed + CENTRAL_AFTER))
    result = import_file(runner, round_.id, export)
    assert result.exit_code == 0, result.output
    stored = responses(app)
    assert [r.submission_id for r in stored] == [str(uuid.UUID(int=n + 1000)) for n in (1, 2)]
    assert {a.value for r in stored for a in r.answers} == {5} and {r.channel for r in stored} == {"odk"}


def test_briefcase_dashes_and_a_round_limited_to_one_comune(app, runner, make_round, paths, tmp_path):
    round_ = make_round("persona-al-centro", comune="Lovere")
    header = [path.replace("/", "-") for path in paths]
    rows = [{**submission(1), "meta-instanceID": f"uuid:{uuid.UUID(int=9)}",
             **{path.replace("/", "-"): "3" for path in paths if path.count("/") and not path.startswith("meta")}},
            {**submission(2, context_comune=""), "meta-instanceID": f"uuid:{uuid.UUID(int=10)}",
             **{path.replace("/", "-"): "3" for path in paths if path.count("/") and not path.startswith("meta")}}]
    export = tmp_path / "briefcase.csv"
    export.write_bytes(central_csv(paths, rows, header=header))
    result = import_file(runner, round_.id, export)
    assert result.exit_code == 0, result.output
    with app.app_context():
        lovere = get_session().get(Round, round_.id).comune_id
    assert {r.comune_id for r in responses(app)} == {lovere}
    rows[0]["context_comune"] = "sovere"
    export.write_bytes(central_csv(paths, rows, header=header))
    refused = import_file(runner, round_.id, export)
    assert refused.exit_code == 1
    assert "riga 2, colonna «context_comune»: la rilevazione è solo per «lovere», la risposta è per «sovere»" \
        in refused.output


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "il file è vuoto"),
    (b"\n\n  \n", "il file è vuoto"),
    ("a,b\n\xe8,1\n".encode("latin-1"), "il file non è un testo UTF-8"),
    (b"PK\x03\x04rest", "è un file compresso o un file Excel"),
    (b"access/access_easy,meta/instanceID\n", "il file non contiene risposte"),
])
def test_unreadable_files_are_refused_with_the_reason(app, runner, make_round, tmp_path, content, reason):
    round_ = make_round("persona-al-centro")
    export = tmp_path / "x.csv"
    export.write_bytes(content)
    result = import_file(runner, round_.id, export)
    assert result.exit_code == 1
    assert result.output.startswith(f"x.csv: {reason}")
    assert responses(app) == []


def test_a_file_longer_than_the_limit_is_refused(app, runner, make_round, paths, tmp_path, monkeypatch):
    from survey_app.rounds import offline

    monkeypatch.setattr(offline, "MAX_ROWS", 3)
    round_ = make_round("persona-al-centro")
    export = tmp_path / "lungo.csv"
    export.write_bytes(central_csv(paths, [submission(n) for n in range(1, 6)]))
    result = import_file(runner, round_.id, export)
    assert result.exit_code == 1
    assert "lungo.csv: il file ha più di 3 righe di risposte: dividilo in più file" in result.output
    assert responses(app) == []


def test_a_closed_round_refuses_the_import_like_paper(app, runner, make_round, paths, tmp_path):
    round_ = make_round("persona-al-centro")
    with app.app_context():
        get_session().get(Round, round_.id).status = "closed"
        get_session().commit()
    export = tmp_path / "export.csv"
    export.write_bytes(central_csv(paths, [submission(1)]))
    result = import_file(runner, round_.id, export)
    assert result.exit_code == 1
    assert "export.csv: la rilevazione è chiusa: non si possono importare risposte." in result.output
    assert responses(app) == []


def upload(client, round_id: int, content: bytes, *, check_only: bool = False, filename: str = "odk.csv"):
    path = f"/gestione/rilevazioni/{round_id}/importa-offline"
    data = {"csrf_token": csrf_token_of(client, path), "file": (io.BytesIO(content), filename)}
    if check_only:
        data["check_only"] = "y"
    return client.post(path, data=data, content_type="multipart/form-data")


def test_an_operator_uploads_on_the_round_page(app, as_role, make_round, paths):
    round_ = make_round("persona-al-centro")
    operator = as_role("operator")
    detail = operator.get(f"/gestione/rilevazioni/{round_.id}").get_data(as_text=True)
    assert "Importa risposte raccolte offline (ODK / KoboToolbox, CSV)" in detail and "Controlla soltanto" in detail
    content = central_csv(paths, [submission(n) for n in range(1, 4)])
    checked = upload(operator, round_.id, content, check_only=True)
    assert checked.status_code == 303
    assert responses(app) == []  # only checked
    page = operator.get(checked.headers["Location"]).get_data(as_text=True)
    assert "Il file è corretto: 3 risposte nuove da salvare, 0 già salvate." in page
    assert upload(operator, round_.id, content).status_code == 303
    again = upload(operator, round_.id, content)
    assert "Risposte importate: 0 salvate, 3 erano già salvate." in operator.get(again.headers["Location"]).get_data(
        as_text=True)
    assert len(responses(app)) == 3
    with app.app_context():
        actors = get_session().scalars(select(AuditEvent.actor).where(
            AuditEvent.action == "responses.import_odk")).all()
        assert actors == ["operatrice@altosebino.example"] * 2


def test_the_upload_page_lists_the_problems_and_never_fails(app, as_role, make_round, paths):
    round_ = make_round("persona-al-centro")
    operator = as_role("operator")
    bad = central_csv(paths, [submission(1, "9")])
    response = upload(operator, round_.id, bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Il file non è stato importato: ci sono 10 problemi." in html
    assert "odk.csv: riga 2, colonna «access/access_easy»: «9» non è una scelta della domanda" in html
    for content in (b"", b"\xff\xfe\x00garbage", "x;y\n\xe8;1".encode("latin-1")):
        assert upload(operator, round_.id, content).status_code in (400, 422)
    assert upload(operator, round_.id, b"a,b\n1,2\n", filename="dati.xlsx").status_code == 400
    assert responses(app) == []


def test_the_upload_needs_the_permission_to_type_in_answers(app, client, staff, make_round, paths):
    round_ = make_round("persona-al-centro")
    path = f"/gestione/rilevazioni/{round_.id}/importa-offline"
    assert client.get(path).status_code in (302, 303)  # to the login page
    log_in(client, staff.evaluator)
    assert client.get(path).status_code == 403
    token = csrf_token_of(client, f"/gestione/rilevazioni/{round_.id}")
    refused = client.post(path, data={"csrf_token": token, "file": (io.BytesIO(central_csv(paths, [submission(1)])),
                                                                     "odk.csv")}, content_type="multipart/form-data")
    assert refused.status_code == 403
    assert "importa-offline" not in client.get(f"/gestione/rilevazioni/{round_.id}").get_data(as_text=True)
    assert responses(app) == []


def test_the_questionnaire_form_checks_the_rest_and_another_rounds_submissions_are_refused(
        app, runner, make_round, paths, tmp_path):
    first, second = make_round("persona-al-centro"), make_round("persona-al-centro", kind="ex-post")
    export = tmp_path / "export.csv"
    export.write_bytes(central_csv(paths, [submission(1)]))
    assert import_file(runner, first.id, export).exit_code == 0
    export.write_bytes(central_csv(paths, [submission(1), submission(2, comment="x" * 1001)]))
    result = import_file(runner, second.id, export)
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        "export.csv: riga 2: questo invio è già salvato in un'altra rilevazione: il file non è di questa rilevazione",
        "export.csv: riga 3, colonna «comment»: Il commento è troppo lungo: al massimo 1000 caratteri.",
    ]
    assert [r.round_id for r in responses(app)] == [first.id]
