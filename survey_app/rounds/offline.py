"""Answers collected offline with ODK Collect or KoboToolbox: reading the CSV export of a round's XLSForm.

Pure module: no Flask request, no database. The XLSForm is the one ``questionnaires export``
writes (:mod:`survey_app.questionnaires.xlsform`): each statement is a ``select_one`` named by
its item id inside a group named by its dimension id, with the choices ``1``..``n`` and ``ns``
for "non so"; then ``context_comune`` (choices: the codes of the Ambito's comuni),
``context_service``, ``context_role`` and the free comment ``comment``.

A column is read by its name with or without the group: ``persona-informazione-pi-1`` (ODK
Central and ODK Briefcase, whose CSVs join groups with ``-``: ``meta-instanceID``),
``persona-informazione/pi-1`` (KoboToolbox "XML values and headers") or ``pi-1`` (KoboToolbox
without group names). Each submission's ``instanceID`` (``meta-instanceID``, ``meta/instanceID``,
or KoboToolbox's ``_uuid``) becomes its submission id, so a file imported twice stores every
answer once.

What the tools add about the device, the collector and the place (:func:`is_metadata`) is
recognised and dropped here, before anything else sees it: the app stores no device id, user
name, position or exact time for any channel. Any other column is a problem, reported by
name, so nothing in the file is silently left out.

Every problem of every row is collected (:class:`ImportProblem`); the caller stores the rows
only when there is none.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from survey_app.forms.questionnaire import DONT_KNOW, item_field_name
from survey_app.questionnaires.definition import Questionnaire
from survey_app.questionnaires.xlsform import COMMENT_NAME, CONTEXT_NAME_PREFIX, NOTE_FIELDS

#: data rows read at most (the header apart)
MAX_ROWS = 20_000
#: columns read at most: a questionnaire has a few dozen, the tools add about twenty
MAX_COLUMNS = 1_000
#: the XLSForm's name of the "non so" choice (see xlsform.workbook_rows)
DONT_KNOW_CHOICE = "ns"
#: the columns of a submission's instanceID, the first present wins (``_uuid``: KoboToolbox's
#: copy of it, without the ``uuid:`` prefix)
INSTANCE_ID_COLUMNS = ("meta/instanceID", "meta-instanceID", "instanceID", "_uuid")
#: columns naming the form a row was collected with: KoboToolbox's form id, a merged file's
FORM_ID_COLUMNS = ("_xform_id_string", "form_id")
#: ODK Central's column of the form version, the XLSForm's ``settings`` version. KoboToolbox's
#: ``__version__`` is an id of its own deployment, never the XLSForm's: it is only ignored.
FORM_VERSION_COLUMNS = ("FormVersion",)

#: metadata of ODK Central, ODK Briefcase and KoboToolbox exports, and XLSForm's metadata
#: questions: dropped unread (compared without case and without a ``meta`` group)
METADATA_COLUMNS = frozenset(name.lower() for name in (
    "SubmissionDate", "start", "end", "today", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
    "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion", "_id", "_uuid",
    "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by", "__version__", "_tags",
    "_index", "_parent_index", "_parent_table_name", "_submission__id", "_submission__uuid", "_attachments",
    "_geolocation", "_xform_id_string", "form_id", "instanceName", "instanceID", "deprecatedID", "rootUuid",
    "formhub/uuid", "deviceid", "username", "phonenumber", "simserial", "subscriberid", "email", "audit",
    "start-geopoint", "background-audio", "_duration",
) + NOTE_FIELDS)
#: the parts of a geopoint question (``*_latitude``, ``gps-Accuracy``...) and other positions
_POSITION = re.compile(r"(^|[_\-/.])(latitude|longitude|altitude|precision|accuracy|geopoint|geolocation|gps)$",
                       re.IGNORECASE)
_GROUP_SEPARATORS = ("/", "-", ".", ":")


class ExportUnreadable(ValueError):
    """The upload cannot be read as a CSV file at all; ``str(exc)`` says why, in Italian."""


@dataclass(frozen=True)
class ImportProblem:
    """One reason an import is refused: where in the file (``line`` as a spreadsheet numbers it,
    the header being 1; ``None``: the whole file) and why."""

    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        if self.line is None and self.column is None:
            where = self.reason
        elif self.line is None:
            where = _("colonna «%(column)s»: %(message)s", column=self.column, message=self.reason)
        elif self.column is None:
            where = _("riga %(line)d: %(message)s", line=self.line, message=self.reason)
        else:
            where = _("riga %(line)d, colonna «%(column)s»: %(message)s", line=self.line, column=self.column,
                      message=self.reason)
        return f"{self.file}: {where}"


@dataclass(frozen=True)
class OfflineRow:
    """One submission of the file, as the data of the round's questionnaire form."""

    line: int
    submission_id: str
    #: the form's fields (``q_<item id>``, ``comune``, ``service``, ``role``, ``comment``)
    formdata: MultiDict
    #: the file's column of each form field, to place what the form finds wrong
    columns: Mapping[str, str]


@dataclass
class ReadExport:
    """The rows of a file, or the problems (then ``rows`` is not to be stored)."""

    rows: list[OfflineRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


@dataclass(frozen=True)
class RoundScope:
    """What the file is checked against: the round's questionnaire, its Ambito's comuni and its scope."""

    questionnaire: Questionnaire
    #: code of each comune of the round's Ambito (the XLSForm's choices) -> its id
    comuni: Mapping[str, int]
    #: the code of the comune and the service the round is limited to, if any: not asked
    comune_code: str | None = None
    service: str | None = None


def is_metadata(column: str) -> bool:
    """Tell whether *column* is what a tool records about the device, the person or the place."""
    name = column.strip()
    if _POSITION.search(name):
        return True
    lowered = name.lower()
    if lowered in METADATA_COLUMNS:
        return True
    for separator in _GROUP_SEPARATORS:
        group, found, rest = lowered.partition(separator)
        if found and group in ("meta", "formhub", "__system") and rest in METADATA_COLUMNS | {"uuid"}:
            return True
    return False


def normalise_instance_id(raw: str) -> str | None:
    """``uuid:0B5C...`` → ``0b5c...``: the submission id of an instanceID, or ``None`` when it is not a UUID."""
    text = raw.strip()
    if text.lower().startswith("uuid:"):
        text = text[5:]
    try:
        value = uuid.UUID(text)
    except ValueError:
        return None
    canonical = str(value)
    # only the written forms of a UUID: ``UUID()`` also takes braces and a ``urn:uuid:`` prefix
    return canonical if text.lower().replace("-", "") == canonical.replace("-", "") else None


def read_csv(data: bytes) -> list[tuple[int, list[str]]]:
    """Return ``(line, cells)`` of every non-empty record of a CSV export, the header first.

    UTF-8 (with or without a BOM), separated by ``,`` (ODK, KoboToolbox) or ``;`` (the same file
    saved again by an Italian spreadsheet). At most :data:`MAX_ROWS` records after the header.

    :raise ExportUnreadable: for an empty, binary, non-UTF-8, malformed or too long file.
    """
    if not data.strip():
        raise ExportUnreadable(_("il file è vuoto"))
    if data[:4] == b"PK\x03\x04":
        raise ExportUnreadable(_("è un file compresso o un file Excel: carica il file CSV dell'esportazione "
                                 "(in ODK Central, estrai il CSV dallo ZIP scaricato)"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportUnreadable(_("il file non è un testo UTF-8: scaricalo di nuovo da ODK Central o da "
                                 "KoboToolbox, le cui esportazioni CSV sono in UTF-8")) from exc
    if "\x00" in text:
        raise ExportUnreadable(_("il file contiene caratteri nulli: non è un file CSV"))
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if len(records) > MAX_ROWS:
                raise ExportUnreadable(_("il file ha più di %(n)d righe di risposte: dividilo in più file",
                                         n=MAX_ROWS))
            records.append((line, cells))
    except csv.Error as exc:
        raise ExportUnreadable(_("il file CSV non si può leggere alla riga %(line)d (%(reason)s)",
                                 line=line + 1, reason=str(exc))) from exc
    if len(records) < 2:
        raise ExportUnreadable(_("il file non contiene risposte: c'è soltanto la riga delle intestazioni")
                               if records else _("il file è vuoto"))
    return records


def _question_columns(questionnaire: Questionnaire) -> dict[str, str]:
    """Every spelling of each question's column → the form field it fills."""
    spellings: dict[str, str] = {}
    for item in questionnaire.items:
        field_name = item_field_name(item.id)
        spellings[item.id] = field_name
        for separator in _GROUP_SEPARATORS:
            spellings[f"{item.dimension_id}{separator}{item.id}"] = field_name
    for question in questionnaire.definition["context"]:
        spellings[CONTEXT_NAME_PREFIX + question["kind"]] = question["kind"]
    if questionnaire.comment:
        spellings[COMMENT_NAME] = "comment"
    return spellings


def read_export(filename: str, data: bytes, scope: RoundScope) -> ReadExport:
    """Read the CSV export *data* of the round's XLSForm and check every row against *scope*.

    The values are checked here against the XLSForm's choices, with reasons in the words of
    the file; what the questionnaire's form checks besides (the comment's length) is the
    caller's to check, through the form.
    """
    result = ReadExport()

    def problem(line: int | None, column: str | None, reason: str) -> None:
        result.problems.append(ImportProblem(filename, line, column, reason))

    try:
        records = read_csv(data)
    except ExportUnreadable as exc:
        problem(None, None, str(exc))
        return result
    (_header_line, header), *rows = records
    if len(header) > MAX_COLUMNS:
        problem(None, None, _("il file ha più di %(n)d colonne: non è l'esportazione di questo questionario",
                              n=MAX_COLUMNS))
        return result
    questionnaire = scope.questionnaire
    spellings = _question_columns(questionnaire)
    field_of: dict[int, str] = {}  # column index -> form field
    column_of: dict[str, str] = {}  # form field -> column name
    instance_column = form_id_column = version_column = None
    seen: set[str] = set()
    unnamed: list[int] = []
    for index, raw_name in enumerate(header):
        name = raw_name.strip()
        if not name:
            unnamed.append(index)  # a spreadsheet's trailing separator: a problem only where a row fills it
            continue
        if name in seen:
            problem(None, name, _("la colonna compare due volte"))
            continue
        seen.add(name)
        target = spellings.get(name)
        if target is not None:
            if target in column_of:
                problem(None, name, _("è la stessa domanda della colonna «%(other)s»", other=column_of[target]))
                continue
            field_of[index], column_of[target] = target, name
        elif name in INSTANCE_ID_COLUMNS:
            if instance_column is None or INSTANCE_ID_COLUMNS.index(name) < INSTANCE_ID_COLUMNS.index(
                    header[instance_column].strip()):
                instance_column = index
        elif name in FORM_ID_COLUMNS:
            form_id_column = index
        elif name in FORM_VERSION_COLUMNS:
            version_column = index
        elif not is_metadata(name):
            problem(None, name, _("colonna sconosciuta: non è una domanda del questionario «%(id)s» né un dato "
                                  "che ODK o KoboToolbox aggiungono", id=questionnaire.id))
    if instance_column is None:
        problem(None, None, _("manca la colonna «meta/instanceID» (o «_uuid»): senza l'identificativo di ogni "
                              "invio la stessa risposta potrebbe essere salvata due volte"))
    for missing in _missing_questions(questionnaire, column_of, scope):
        problem(None, None, _("manca la colonna della domanda «%(name)s»: il file non è l'esportazione di "
                              "questo questionario", name=missing))
    # the rows are checked all the same, so one run lists every problem of the file
    first_line_of: dict[str, int] = {}
    for line, cells in rows:
        cells = cells + [""] * (len(header) - len(cells))
        if any(c.strip() for c in cells[len(header):]) or any(cells[i].strip() for i in unnamed):
            problem(line, None, _("ci sono valori in colonne senza intestazione"))
            continue
        before = len(result.problems)
        if form_id_column is not None and cells[form_id_column].strip() not in ("", questionnaire.id):
            problem(line, header[form_id_column], _("la risposta è del questionario «%(other)s», la rilevazione "
                                                    "usa «%(id)s»", other=cells[form_id_column].strip()[:80],
                                                    id=questionnaire.id))
        if version_column is not None and cells[version_column].strip() not in ("", str(questionnaire.version)):
            problem(line, header[version_column], _("la risposta è della versione «%(other)s» del questionario, "
                                                    "la rilevazione usa la versione %(version)d",
                                                    other=cells[version_column].strip()[:40],
                                                    version=questionnaire.version))
        if len(result.problems) > before:
            continue  # another form's row: its answers mean other things
        submission_id = None if instance_column is None else normalise_instance_id(cells[instance_column])
        if instance_column is None:
            pass  # said once for the whole file
        elif submission_id is None:
            problem(line, header[instance_column], _("«%(value)s» non è un identificativo di invio valido "
                                                     "(«uuid:» seguito da un UUID)",
                                                     value=cells[instance_column].strip()[:60]))
        elif submission_id in first_line_of:
            problem(line, header[instance_column], _("lo stesso invio compare già alla riga %(line)d",
                                                     line=first_line_of[submission_id]))
        else:
            first_line_of[submission_id] = line
        formdata = MultiDict()
        for index, target in field_of.items():
            value = _form_value(target, cells[index], scope)
            if isinstance(value, _Refused):
                problem(line, header[index], value.reason)
            elif value:
                formdata[target] = value
        if len(result.problems) == before and submission_id is not None:
            formdata["submission_id"] = submission_id
            result.rows.append(OfflineRow(line, submission_id, formdata, dict(column_of)))
    return result


def _missing_questions(questionnaire: Questionnaire, column_of: Mapping[str, str], scope: RoundScope):
    """The columns the file needs and lacks: every statement, and each context question the form asks."""
    for item in questionnaire.items:
        if item_field_name(item.id) not in column_of:
            yield f"{item.dimension_id}/{item.id}"
    for question in questionnaire.definition["context"]:
        kind = question["kind"]
        scoped = (kind == "comune" and scope.comune_code) or (kind == "service" and scope.service)
        if kind not in column_of and not scoped:
            yield CONTEXT_NAME_PREFIX + kind
    if questionnaire.comment and "comment" not in column_of:
        yield COMMENT_NAME


@dataclass(frozen=True)
class _Refused:
    reason: str


def _form_value(target: str, raw: str, scope: RoundScope) -> str | _Refused:
    """Return the form value of one cell (``""``: not answered), or why it cannot be one."""
    text = raw.strip()
    questionnaire = scope.questionnaire
    if target == "comment":
        return raw.strip()
    if target.startswith("q_"):
        item = questionnaire.items_by_id[target[2:]]
        if not text:
            return _Refused(_("manca la risposta: la domanda è obbligatoria")) if item.required else ""
        if text == DONT_KNOW_CHOICE and item.scale.dont_know:
            return DONT_KNOW
        if text.isdigit() and 1 <= int(text) <= item.scale.points and text == str(int(text)):
            return text
        choices = f"1-{item.scale.points}" + (f", {DONT_KNOW_CHOICE}" if item.scale.dont_know else "")
        return _Refused(_("«%(value)s» non è una scelta della domanda (le scelte sono %(choices)s): esporta "
                          "i valori, non le etichette", value=text[:40], choices=choices))
    question = questionnaire.context_question(target) or {}
    # the comune is chosen by its code (the XLSForm's choices are the codes) and stored by its id
    options = scope.comuni if target == "comune" else [o["id"] if isinstance(o, dict) else o
                                                       for o in question.get("options", [])]
    limited_to = {"comune": scope.comune_code, "service": scope.service}.get(target)
    if limited_to:
        # a round of one comune or service does not ask it: a cell, when filled, must agree
        if text and text != limited_to:
            return _Refused(_("la rilevazione è solo per «%(code)s», la risposta è per «%(value)s»",
                              code=limited_to, value=text[:40]))
        return ""
    if text and text not in options:
        if target == "comune":
            return _Refused(_("«%(value)s» non è il codice di un Comune dell'Ambito della rilevazione",
                              value=text[:40]))
        return _Refused(_("«%(value)s» non è una scelta della domanda (le scelte sono %(choices)s)",
                          value=text[:40], choices=", ".join(options)))
    value = str(scope.comuni[text]) if text and target == "comune" else text
    if not value and question.get("required"):
        return _Refused(_("manca la risposta: la domanda è obbligatoria"))
    return value
