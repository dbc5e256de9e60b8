"""The plan's qualitative evidence as a REFI-QDA project (``.qdpx``), and the reader of one.

REFI-QDA (the Rotterdam Exchange Format Initiative, https://www.qdasoftware.org) is the
exchange format of the qualitative analysis tools (NVivo, ATLAS.ti, MAXQDA, QualCoder,
Transana...). A ``.qdpx`` is a ZIP with ``project.qde``, XML in the namespace
``urn:QDA-XML:project:1.0`` (schema ``Project.xsd``, kept in ``tests/qualitative/`` and checked
by the tests), and the sources' text in ``sources/<guid>.txt``.

What the export holds:

* ``Users``: the staff who coded, named by their e-mail (as in the audit log);
* ``CodeBook``: one code per objective that has themes (not codable: it groups them), with
  the objective's themes under it, each sub-theme under its parent, each with its description;
* ``Sources``: one ``TextSource`` per session (its text; its kind, date, timing, participants'
  number and roles and consent in the description) and one per questionnaire round whose
  reviewed free comments were published (the published texts, one paragraph each, in response
  order: a comment has no author or date worth a source of its own, and a round is how the
  evaluators read them); each coded passage is a ``PlainTextSelection`` with a ``Coding`` per
  theme.

Offsets are in characters (Unicode code points) of the source's text, as REFI-QDA counts
them. GUIDs are the ``uuid`` columns of sessions, themes and passages; the others are uuid5 of
their ids under :data:`GUID_NAMESPACE`, so two exports of the same data name everything alike.
Published quotes are not part of the export: they are the reports' concern, and a QDA tool
has nowhere to put them.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.models import CommentReview, Objective, Plan, Response, Round, utcnow
from survey_app.models.qualitative import Passage, Theme
from survey_app.models.reports import PUBLISHED_REVIEW_STATUSES
from survey_app.qualitative.queries import (
    CONSENT_METHOD_LABELS,
    PARTICIPANT_ROLE_LABELS,
    SESSION_KIND_LABELS,
    codebook_order,
    plan_sessions,
)
from survey_app.set_asides.queries import is_set_aside

NAMESPACE = "urn:QDA-XML:project:1.0"
SCHEMA_LOCATION = "urn:QDA-XML:project:1.0 http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: the namespace of the uuid5 GUIDs of what has no ``uuid`` column (objectives, rounds, users, codings)
GUID_NAMESPACE = uuid.UUID("5b0f6f3e-8a51-4d2c-9a47-1f6f0d6c2a31")
ORIGIN = "survey_app (Piani di Zona)"
#: the separator between two comments in a round's source
COMMENT_SEPARATOR = "\n\n"


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def derived_guid(*parts) -> str:
    """A stable GUID for an entity without a ``uuid`` column."""
    return str(uuid.uuid5(GUID_NAMESPACE, ":".join(str(p) for p in parts)))


def _stamp(moment) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


# --- export -------------------------------------------------------------------------------------


@dataclass
class _Source:
    guid: str
    name: str
    description: str
    text: str
    created_at: object
    #: (passage, start, end) in this source's text
    selections: list = field(default_factory=list)


def _comment_sources(session: Session, plan: Plan, passages_by_response: dict[int, list[Passage]]) -> list[_Source]:
    """One source per round of the plan with published comments; the passages mapped into it."""
    rows = session.execute(
        select(Response.id, Response.round_id, Response.comment, CommentReview.status, CommentReview.redacted_text)
        .join(CommentReview, CommentReview.response_id == Response.id)
        .join(Round, Round.id == Response.round_id)
        .where(Round.plan_id == plan.id, CommentReview.status.in_(PUBLISHED_REVIEW_STATUSES), ~is_set_aside(Response))
        .order_by(Response.round_id, Response.id)).all()
    by_round: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for response_id, round_id, comment, status, redacted in rows:
        text = ((comment if status == "approved" else redacted) or "").strip()
        if text:
            by_round[round_id].append((response_id, text))
    sources = []
    for round_id, comments in by_round.items():
        round_ = session.get(Round, round_id)
        parts, selections, position = [], [], 0
        for response_id, text in comments:
            for passage in passages_by_response.get(response_id, []):
                # a passage coded on a text the review has changed since no longer matches it
                if text[passage.start_offset:passage.end_offset] == passage.text:
                    selections.append((passage, position + passage.start_offset, position + passage.end_offset))
            parts.append(text)
            position += len(text) + len(COMMENT_SEPARATOR)
        sources.append(_Source(
            derived_guid("round-comments", round_.id),
            f"Commenti liberi – {round_.display_label} ({round_.kind}, rilevazione {round_.id})",
            f"Commenti liberi pubblicati dopo la revisione della rilevazione {round_.id} "
            f"({round_.questionnaire_version.questionnaire_id}, {round_.kind}); uno per paragrafo.",
            COMMENT_SEPARATOR.join(parts), round_.created_at, selections))
    return sources


def _session_description(row) -> str:
    roles = ", ".join(str(PARTICIPANT_ROLE_LABELS[r]) for r in row.participant_roles)
    consent = (f"sì ({CONSENT_METHOD_LABELS[row.consent_method]})" if row.consent else "no")
    return (f"{SESSION_KIND_LABELS[row.kind]}, {row.held_on.isoformat()}, {row.timing}; obiettivo {row.objective_id}; "
            f"conduzione: {row.facilitator}; {row.participants} partecipanti ({roles}); consenso: {consent}.")


def export_plan(session: Session, plan: Plan) -> bytes:
    """The ``.qdpx`` of *plan*: its codebooks, sessions and coded free comments."""
    themes = list(session.scalars(select(Theme).where(Theme.plan_id == plan.id)))
    objectives = {o.id: o for o in session.scalars(select(Objective).where(Objective.plan_id == plan.id))}
    sessions = plan_sessions(session, plan.id)
    comment_passages: dict[int, list[Passage]] = defaultdict(list)
    for passage in session.scalars(select(Passage).where(Passage.plan_id == plan.id,
                                                         Passage.response_id.is_not(None))):
        comment_passages[passage.response_id].append(passage)
    sources = [_Source(row.uuid, f"{row.title} ({row.held_on.isoformat()})", _session_description(row), row.text,
                       row.created_at, [(p, p.start_offset, p.end_offset) for p in row.passages])
               for row in sessions]
    sources += _comment_sources(session, plan, comment_passages)

    users = sorted({p.created_by for s in sources for p, _start, _end in s.selections})
    user_guids = {email: derived_guid("user", email) for email in users}
    now = utcnow()
    root = etree.Element(_q("Project"), nsmap={None: NAMESPACE, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    root.set("name", f"{plan.title} – {plan.ambito.name}")
    root.set("origin", ORIGIN)
    root.set("creationDateTime", _stamp(now))
    if users:
        users_element = etree.SubElement(root, _q("Users"))
        for email in users:
            etree.SubElement(users_element, _q("User"), guid=user_guids[email], name=email)
    if themes:
        codes = etree.SubElement(etree.SubElement(root, _q("CodeBook")), _q("Codes"))
        by_objective: dict[str, list[Theme]] = defaultdict(list)
        for theme in themes:
            by_objective[theme.objective_id].append(theme)
        for objective_id in sorted(by_objective):
            objective = objectives[objective_id]
            group = etree.SubElement(codes, _q("Code"), guid=derived_guid("objective", plan.id, objective_id),
                                     name=f"{objective.chapter} {objective.title}".strip(), isCodable="false")
            etree.SubElement(group, _q("Description")).text = f"Obiettivo {objective_id} del {plan.title}"
            elements = {}
            for entry in codebook_order(by_objective[objective_id]):
                theme = entry.theme
                parent = elements.get(theme.parent_id, group)
                element = etree.SubElement(parent, _q("Code"), guid=theme.uuid, name=theme.name, isCodable="true")
                if theme.description:
                    etree.SubElement(element, _q("Description")).text = theme.description
                elements[theme.id] = element
    files = {}
    if sources:
        sources_element = etree.SubElement(root, _q("Sources"))
        theme_guids = {t.id: t.uuid for t in themes}
        for source in sources:
            element = etree.SubElement(sources_element, _q("TextSource"), guid=source.guid, name=source.name,
                                       plainTextPath=f"internal://{source.guid}.txt",
                                       creationDateTime=_stamp(source.created_at))
            etree.SubElement(element, _q("Description")).text = source.description
            for passage, start, end in sorted(source.selections, key=lambda s: (s[1], s[2], s[0].id)):
                creator = user_guids[passage.created_by]
                selection = etree.SubElement(
                    element, _q("PlainTextSelection"), guid=passage.uuid,
                    name=passage.text[:60].replace("\n", " "), startPosition=str(start), endPosition=str(end),
                    creatingUser=creator, creationDateTime=_stamp(passage.created_at))
                for theme in passage.themes:
                    coding = etree.SubElement(selection, _q("Coding"), guid=derived_guid("coding", passage.uuid,
                                                                                            theme.uuid),
                                              creatingUser=creator, creationDateTime=_stamp(passage.created_at))
                    etree.SubElement(coding, _q("CodeRef"), targetGUID=theme_guids[theme.id])
            files[f"sources/{source.guid}.txt"] = source.text.encode("utf-8")
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml)
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- reading an export back ------------------------------------------------------------------------


@dataclass(frozen=True)
class QdaCode:
    guid: str
    name: str
    codable: bool
    description: str
    parent_guid: str | None


@dataclass(frozen=True)
class QdaSelection:
    guid: str
    start: int
    end: int
    text: str
    code_guids: tuple[str, ...]
    creating_user: str | None


@dataclass(frozen=True)
class QdaSource:
    guid: str
    name: str
    text: str
    selections: tuple[QdaSelection, ...]


@dataclass(frozen=True)
class QdaProject:
    name: str
    origin: str | None
    users: dict[str, str]
    codes: tuple[QdaCode, ...]
    sources: tuple[QdaSource, ...]


class QdpxError(ValueError):
    """The file is not a REFI-QDA project this reader understands."""


def read_qdpx(data: bytes) -> QdaProject:
    """Read a ``.qdpx``: its users, codes (with their parents) and text sources with their
    coded selections (the text of each selection cut from its source).

    :raise QdpxError: for a file that is not a ZIP with a ``project.qde`` in the REFI-QDA
        namespace, or a source whose text file is missing.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        xml = archive.read("project.qde")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise QdpxError("not a .qdpx: no project.qde in a ZIP") from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(xml, parser)
    if root.tag != _q("Project"):
        raise QdpxError(f"root element is {root.tag}, not Project in {NAMESPACE}")
    users = {u.get("guid"): u.get("name") for u in root.iterfind(f"{_q('Users')}/{_q('User')}")}
    codes = []

    def walk(element, parent_guid):
        for code in element.iterfind(_q("Code")):
            description = code.find(_q("Description"))
            codes.append(QdaCode(code.get("guid"), code.get("name"), code.get("isCodable") == "true",
                                 description.text or "" if description is not None else "", parent_guid))
            walk(code, code.get("guid"))

    codes_element = root.find(f"{_q('CodeBook')}/{_q('Codes')}")
    if codes_element is not None:
        walk(codes_element, None)
    names = set(archive.namelist())
    sources = []
    for source in root.iterfind(f"{_q('Sources')}/{_q('TextSource')}"):
        path = source.get("plainTextPath") or ""
        content = source.find(_q("PlainTextContent"))
        if content is not None:
            text = content.text or ""
        elif path.startswith("internal://") and f"sources/{path.removeprefix('internal://')}" in names:
            text = archive.read(f"sources/{path.removeprefix('internal://')}").decode("utf-8")
        else:
            raise QdpxError(f"source {source.get('guid')}: text {path!r} not in the file")
        selections = tuple(
            QdaSelection(s.get("guid"), int(s.get("startPosition")), int(s.get("endPosition")),
                         text[int(s.get("startPosition")):int(s.get("endPosition"))],
                         tuple(ref.get("targetGUID") for ref in s.iterfind(f"{_q('Coding')}/{_q('CodeRef')}")),
                         s.get("creatingUser"))
            for s in source.iterfind(_q("PlainTextSelection")))
        sources.append(QdaSource(source.get("guid"), source.get("name"), text, selections))
    return QdaProject(root.get("name"), root.get("origin"), users, tuple(codes), tuple(sources))
