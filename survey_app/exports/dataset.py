"""The raw responses of one or more rounds as a rectangular data set, and its variables.

:class:`Dataset` is what every raw download is written from: the responses table (one row
per response, context columns and the free comment), the tidy answers (one row per stored
answer, ``value`` ``NaN`` for a missing answer, ``not_answered`` true for an item left
without answer rather than "non so / non applicabile") and the questionnaire version(s).
:func:`variables` names and describes the columns of the wide file once, so the CSV, the
XLSX ``dati`` sheet, the SPSS file and the codebook all use the same variable names.

Raw means raw: values are the points as answered (1 = the first label of the scale), with
reverse items **not** recoded (the codebook says which items are reversed), and no
small-cell suppression (raw data are for the evaluators' own statistical work).

Missing answers, of two kinds never mixed: "non so / non applicabile" (the person chose
it) and not answered (a box left blank on paper, an optional item skipped online; stored
as a row marked ``not_answered``). An item with no stored row at all (an item of another
questionnaire version, or skipped online before not-answered rows were stored) is a third,
empty case:

* SPSS: "non so" is :data:`DONT_KNOW_CODE` (99) and not answered
  :data:`NOT_ANSWERED_CODE` (98), both labelled and declared *user-missing*, so SPSS
  leaves them out of every statistic while keeping them countable; no row is
  *system-missing*;
* CSV wide and XLSX: "non so" is the text :data:`DONT_KNOW_TEXT` (``NS``), not answered
  :data:`NOT_ANSWERED_TEXT` (``NR``), no row an empty cell: text, so a spreadsheet's
  averages skip them (a 99 would be averaged); in R read them with
  ``na.strings = c("", "NS", "NR")``;
* CSV long: one row per stored answer, ``non_so`` = 1 for "non so", ``non_risposto`` = 1
  for not answered.

Variable names are valid SPSS names (at most 64 bytes, starting with a letter, letters,
digits and ``_`` only, not ending in ``_`` or ``.``, no reserved word, unique ignoring case).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from survey_app.localtime import DISTRICT_TIME_ZONE
from survey_app.questionnaires.definition import Questionnaire

#: the SPSS code of "non so / non applicabile" (declared user-missing)
DONT_KNOW_CODE = 99
DONT_KNOW_LABEL = "non so / non applicabile"
#: the SPSS code of an item left without answer (declared user-missing)
NOT_ANSWERED_CODE = 98
NOT_ANSWERED_LABEL = "nessuna risposta"
#: how CSV and XLSX files write the two kinds of missing answer (text: never averaged)
DONT_KNOW_TEXT = "NS"
NOT_ANSWERED_TEXT = "NR"
#: the codes of missing answers, never values of a scale (scales have at most 7 points)
MISSING_CODES = (NOT_ANSWERED_CODE, DONT_KNOW_CODE)
SPSS_MAX_NAME_BYTES = 64
SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
#: columns of the responses table a :class:`Dataset` needs (``comment`` may be all missing)
RESPONSE_COLUMNS = ("response_id", "round_id", "submitted_hour", "comune", "service", "role",
                    "channel", "language", "point", "panel_key", "comment")
#: optional column: true for a response an operator set aside from the analysis (written
#: as the variable ``messa_da_parte`` when present: raw files keep those responses, marked)
SET_ASIDE_COLUMN = "set_aside"


@dataclass(frozen=True)
class ContextLabels:
    """Labels of the coded context columns, in code order (SPSS codes are 1, 2, ...).

    ``comuni``: the comune names of the Ambito; ``services``, ``roles``, ``channels``: code
    -> Italian label. A value met in the data but absent here gets the next code.
    """

    comuni: tuple[str, ...] = ()
    services: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Variable:
    """One column of the wide file.

    ``kind``: ``numeric`` (ids), ``date``, ``string``, ``coded`` (text in CSV/XLSX, a
    numeric code with value labels in SPSS) or ``item`` (a Likert answer). ``values``:
    code -> label (for ``coded`` and ``item``). ``source``: the responses column, or the
    item id for items.
    """

    name: str
    label: str
    kind: str
    source: str
    values: dict = field(default_factory=dict)
    item_id: str | None = None
    dimension_id: str | None = None
    note: str = ""

    @property
    def measure(self) -> str:
        """Return the SPSS measurement level."""
        return {"item": "ordinal", "coded": "nominal", "string": "nominal",
                "numeric": "nominal", "date": "scale"}[self.kind]


@dataclass(frozen=True)
class Dataset:
    """Raw responses of one or more rounds, ready to be written in any format.

    :param responses: columns :data:`RESPONSE_COLUMNS` (``submitted_hour`` naive UTC).
    :param answers: ``response_id``, ``item_id``, ``value`` (raw point, ``NaN`` = missing) and
        optionally ``not_answered`` (true: no answer; without it every ``NaN`` is "non so").
    :param questionnaires: the version(s) answered, the latest first: its items and labels win
        when versions differ; items of older versions only are appended.
    """

    responses: pd.DataFrame
    answers: pd.DataFrame
    questionnaires: tuple[Questionnaire, ...]
    labels: ContextLabels = field(default_factory=ContextLabels)
    title: str = ""

    def items(self) -> list:
        """Return the items of all versions, latest version first, each id once."""
        seen, items = set(), []
        for questionnaire in self.questionnaires:
            for item in questionnaire.items:
                if item.id not in seen:
                    seen.add(item.id)
                    items.append(item)
        return items

    def item_matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (values, dont_know, not_answered): responses x items.

        ``values`` are raw points (``NaN`` = missing); ``dont_know`` is true where "non so"
        was stored, ``not_answered`` where an item was left without answer; a ``NaN`` that
        is neither has no stored row.
        """
        ids = [item.id for item in self.items()]
        shape = (len(self.responses), len(ids))
        values = np.full(shape, np.nan)
        dont_know = np.zeros(shape, dtype=bool)
        not_answered = np.zeros(shape, dtype=bool)
        if len(self.answers) and len(ids):
            rows = pd.Index(self.responses["response_id"]).get_indexer(self.answers["response_id"])
            columns = pd.Index(ids).get_indexer(self.answers["item_id"])
            known = (rows >= 0) & (columns >= 0)
            rows, columns = rows[known], columns[known]
            raw = self.answers["value"].to_numpy(dtype=float, na_value=np.nan)[known]
            blank = (self.answers["not_answered"].to_numpy(dtype=bool, na_value=False)[known]
                     if "not_answered" in self.answers.columns else np.zeros(len(raw), dtype=bool))
            values[rows, columns] = raw
            dont_know[rows, columns] = np.isnan(raw) & ~blank
            not_answered[rows, columns] = blank
        return values, dont_know, not_answered

    def submitted_dates(self) -> pd.Series:
        """Return each response's local (Europe/Rome) submission day."""
        hours = pd.to_datetime(self.responses["submitted_hour"])
        if hours.empty:
            return pd.Series([], dtype=object, index=self.responses.index)
        local = hours.dt.tz_localize("UTC").dt.tz_convert(DISTRICT_TIME_ZONE)
        return pd.Series([d.date() if not pd.isna(d) else None for d in local],
                         index=self.responses.index, dtype=object)

    def code_maps(self) -> dict[str, dict[str, int]]:
        """Return, per coded column, value -> SPSS code (labels order, then unknown values)."""
        maps = {}
        known = {"comune": list(self.labels.comuni), "service": list(self.labels.services),
                 "role": list(self.labels.roles), "channel": list(self.labels.channels)}
        for column, values in known.items():
            present = [v for v in pd.unique(self.responses[column].dropna()) if v not in values]
            ordered = values + sorted(map(str, present))
            maps[column] = {value: code for code, value in enumerate(ordered, start=1)}
        return maps

    def value_text(self, column: str) -> dict[str, str]:
        """Return value -> label shown in CSV/XLSX for a coded column."""
        return {"comune": {}, "service": self.labels.services, "role": self.labels.roles,
                "channel": self.labels.channels}[column]


#: length of the pseudonymous ids of raw downloads (hex digits: 64 bits, no collision in practice)
PSEUDONYM_DIGITS = 16


def pseudonym(key: bytes, kind: str, value) -> str:
    """Return the export id of *value* (a response or panel-card row id): keyed, not sequential.

    HMAC-SHA256 of ``kind:value`` under *key*: the same in every download made with the same
    key, unrelated to the order of the stored ids, and not reversible without the key.
    """
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_DIGITS]


def pseudonymised(data: Dataset, key: bytes) -> Dataset:
    """Return *data* with pseudonymous response and panel ids, rows sorted by the response's.

    Stored ids follow the order of submission (and of the cards' issue), which the hour-only
    times are meant to hide (issue 16.10): raw downloads carry :func:`pseudonym` ids
    instead, and their rows are in the order of those ids, a pseudo-random order that is
    the same in every download of the same rounds. The wide and long files still link by
    ``id_risposta``; ``id_tessera`` still pairs the same card across rounds.
    """
    responses = data.responses.copy()
    ids = [pseudonym(key, "response", v) for v in responses["response_id"]]
    mapping = pd.Series(ids, index=responses["response_id"].to_numpy())
    responses["response_id"] = pd.Series(ids, index=responses.index, dtype=object)
    responses["panel_key"] = responses["panel_key"].map(
        lambda v: None if v is None or v != v else pseudonym(key, "panel", v)).astype(object)
    responses = responses.sort_values("response_id", kind="stable").reset_index(drop=True)
    answers = data.answers.copy()
    answers["response_id"] = mapping.reindex(answers["response_id"].to_numpy()).to_numpy()
    return replace(data, responses=responses, answers=answers)


#: the context variables of the wide file: name, responses column, label, kind
CONTEXT_VARIABLES = (
    ("id_risposta", "response_id", ("Identificativo pseudonimo della risposta (lo stesso in ogni "
                                     "file scaricato; non è in ordine di invio)"), "string"),
    ("id_rilevazione", "round_id", "Identificativo della rilevazione", "numeric"),
    ("data", "submitted_date", "Giorno di invio (ora italiana)", "date"),
    ("comune", "comune", "Comune indicato da chi risponde", "coded"),
    ("servizio", "service", "Servizio indicato da chi risponde", "coded"),
    ("ruolo", "role", "Chi risponde", "coded"),
    ("canale", "channel", "Canale di compilazione", "coded"),
    ("lingua", "language", "Lingua in cui si è risposto", "string"),
    ("punto", "point", "Punto di distribuzione (link o QR usato)", "string"),
    ("id_tessera", "panel_key", ("Chiave di abbinamento tra rilevazioni con tessera "
                                 "(non è il codice della tessera)"), "string"),
    ("messa_da_parte", SET_ASIDE_COLUMN, ("Messa da parte dall'analisi da un operatore, per esempio "
                                          "un afflusso sospetto (1 = sì, 0 = no)"), "numeric"),
)
COMMENT_VARIABLE = ("commento", "comment", "Commento libero (non revisionato)", "string")


def variables(data: Dataset) -> list[Variable]:
    """Return the variables of the wide file: context, one per item, then the comment."""
    names = SpssNames()
    code_maps = data.code_maps()
    result = []
    for name, source, label, kind in CONTEXT_VARIABLES:
        if source == SET_ASIDE_COLUMN and source not in data.responses.columns:
            continue
        values = {}
        if kind == "coded":
            texts = data.value_text(source)
            values = {code: texts.get(value, value) for value, code in code_maps[source].items()}
        result.append(Variable(names.claim(name), label, kind, source, values))
    for item in data.items():
        values = {v: label.get("it", str(v)) for v, label in enumerate(item.scale.labels, start=1)}
        values[NOT_ANSWERED_CODE] = NOT_ANSWERED_LABEL
        if item.scale.dont_know:
            values[DONT_KNOW_CODE] = item.scale.dont_know.get("it", DONT_KNOW_LABEL)
        note = ("formulata al negativo: il valore non è invertito nei dati grezzi"
                if item.reverse else "")
        result.append(Variable(names.claim(item.id), item.text.get("it", item.id), "item", item.id,
                               values, item.id, item.dimension_id, note))
    name, source, label, kind = COMMENT_VARIABLE
    result.append(Variable(names.claim(name), label, kind, source))
    return result


class SpssNames:
    """Turns identifiers into unique valid SPSS variable names."""

    def __init__(self):
        self.taken: set[str] = set()

    def claim(self, wanted: str) -> str:
        """Return a valid SPSS name close to *wanted*, unique among the names claimed so far."""
        base = spss_name(wanted)
        name, counter = base, 1
        while name.upper() in self.taken:
            counter += 1
            suffix = f"_{counter}"
            name = _truncate(base, SPSS_MAX_NAME_BYTES - len(suffix)) + suffix
        self.taken.add(name.upper())
        return name


def spss_name(wanted: str) -> str:
    """Return a valid SPSS variable name made from *wanted* (not checked for uniqueness)."""
    ascii_text = unicodedata.normalize("NFKD", wanted).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9_]", "_", ascii_text)
    name = re.sub(r"_+", "_", name).strip("_")
    if not name or not name[0].isalpha():
        name = "v_" + name if name else "v"
    name = _truncate(name, SPSS_MAX_NAME_BYTES).rstrip("_")
    if name.upper() in SPSS_RESERVED:
        name = "v_" + name
    return name


def _truncate(name: str, limit: int) -> str:
    return name[:limit]  # ASCII only: one byte per character


def wide_table(data: Dataset, columns: list[Variable], *, coded: str = "text") -> pd.DataFrame:
    """Return the wide file as a DataFrame whose columns are the variable names.

    :param coded: ``text`` writes coded variables as their labels and the two kinds of
        missing answer as :data:`DONT_KNOW_TEXT` and :data:`NOT_ANSWERED_TEXT` (CSV, XLSX);
        ``code`` writes numeric codes, "non so" as :data:`DONT_KNOW_CODE` and not answered
        as :data:`NOT_ANSWERED_CODE` (SPSS).
    Item columns hold whole numbers, the two texts and ``None`` (``text``) or floats
    (``code``); text is not neutralised here (each writer does it for its format).
    """
    if coded not in ("text", "code"):
        raise ValueError("coded must be 'text' or 'code'")
    responses = data.responses.reset_index(drop=True)
    values, dont_know, not_answered = data.item_matrix()
    item_position = {item.id: i for i, item in enumerate(data.items())}
    code_maps = data.code_maps()
    out = {}
    for variable in columns:
        if variable.kind == "item":
            position = item_position[variable.item_id]
            column = values[:, position].copy()
            if coded == "code":
                column[dont_know[:, position]] = DONT_KNOW_CODE
                column[not_answered[:, position]] = NOT_ANSWERED_CODE
                out[variable.name] = column
            else:
                cells = pd.array(column, dtype="Float64").astype("Int64").astype(object)
                cells[pd.isna(cells)] = None
                cells[dont_know[:, position]] = DONT_KNOW_TEXT
                cells[not_answered[:, position]] = NOT_ANSWERED_TEXT
                out[variable.name] = pd.Series(cells, dtype=object)
        elif variable.source == "submitted_date":
            out[variable.name] = data.submitted_dates().reset_index(drop=True)
        elif variable.kind == "coded":
            source = responses[variable.source]
            if coded == "code":
                out[variable.name] = source.map(code_maps[variable.source]).astype(float)
            else:
                texts = data.value_text(variable.source)
                out[variable.name] = source.map(lambda v, t=texts: t.get(v, v), na_action="ignore")
        elif variable.kind == "numeric":
            out[variable.name] = responses[variable.source].astype("Int64")
        else:
            out[variable.name] = responses[variable.source].astype(object).where(
                responses[variable.source].notna(), None)
    return pd.DataFrame(out, index=range(len(responses)))
