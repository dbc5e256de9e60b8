"""Plan files: reading and checking a plan written as JSON (or read from a workbook).

Pure module: no Flask request, no database. A plan file (format 1) is::

    {"format": 1,
     "plan": {"code": "pdz-2025-2027", "title": "...", "first_year": 2025, "last_year": 2027,
              "status": "draft" | "in_force" | "closed", "approval_act": "...", "document_url": "https://..."},
     "objectives": [ ...entries as in questionnaires/objectives.json... ]}

Checking happens in two passes over the decoded data, both always run so that every problem
is reported at once: the JSON Schema (``schema.json``, shape and types) and the
cross-references it cannot express (unique objective and indicator ids, the period, the
questionnaires and measures linked to indicators). Each problem names its place by JSON path;
a :class:`Locator` turns the path into a sheet, row and column for a workbook
(:mod:`survey_app.plans.workbook`). Predecessors in earlier plans are checked at import,
against the database (:mod:`survey_app.plans.importing`).

Reasons are in the interface language (Italian first): the same lines are printed by
``flask plans import`` and shown on the admin page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _

from survey_app.plan.catalog import INDICATOR_KINDS, PlanCatalog, parse_catalog
from survey_app.schema_reasons import schema_error_reasons
from survey_app.schema_reasons import shown as _shown

SCHEMA_PATH = Path(__file__).with_name("schema.json")
FORMAT = 1
#: the longest period a Piano di Zona covers, in years
MAX_PERIOD_YEARS = 6
#: the largest plan file read, JSON or XLSX (a plan of 30 objectives is ~150 KB)
MAX_FILE_BYTES = 4 * 1024 * 1024
#: columns of an objective entry stored as such; every other key is kept in ``Objective.detail``
OBJECTIVE_FIELDS = ("id", "chapter", "level", "macroarea", "title", "description", "target")
#: keys of an indicator entry the app models; any other key (``group``, ``source_line``...) is kept
INDICATOR_FIELDS = ("id", "text", "target", "via_questionnaire", "respondents", "timing", "questionnaires",
                    "predecessor")
_LIST_KEY = re.compile(r"^(?P<kind>.+)_indicators$")


@dataclass(frozen=True)
class Problem:
    """One reason a plan file is refused: ``FILE: PLACE: REASON``."""

    file: str
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.reason}" if self.where else f"{self.file}: {self.reason}"


class PlanFileError(ValueError):
    """A plan file was refused; ``problems`` lists every reason, in file order."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Locator:
    """Where a JSON path is in the file: the path itself for JSON files."""

    def where(self, path: str) -> str:
        return path

    def order(self, path: str) -> list:
        """Sort key of *path*: problems are listed in file order."""
        return path_order(path)


@dataclass(frozen=True)
class Issue:
    """A problem before it is located: its JSON path and its reason."""

    path: str
    reason: str


_TOP_ORDER = ("$.format", "$.plan", "$.objectives")


def path_order(path: str) -> list:
    """Sort key in file order: the header before the objectives, ``$.objectives[10]`` after ``[9]``."""
    top = next((n for n, key in enumerate(_TOP_ORDER) if path == key or path[len(key):][:1] in (".", "[")),
               len(_TOP_ORDER))
    return [top] + [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]


def _located(source: str, issues: Sequence[Issue], locator: Locator) -> list[Problem]:
    seen, problems = set(), []
    for issue in sorted(issues, key=lambda i: locator.order(i.path)):
        problem = Problem(source, locator.where(issue.path), issue.reason)
        if problem not in seen:
            seen.add(problem)
            problems.append(problem)
    return problems


# --- the plan, once checked --------------------------------------------------------------------

@dataclass(frozen=True)
class PlanHeader:
    """The plan's own fields."""

    code: str
    title: str
    first_year: int
    last_year: int
    status: str
    approval_act: str | None = None
    document_url: str | None = None

    @property
    def period(self) -> str:
        return f"{self.first_year}-{self.last_year}"


@dataclass(frozen=True)
class Link:
    """Questionnaire ``questionnaire_id`` measures ``indicator_id`` through its ``measure`` entry."""

    indicator_id: str
    questionnaire_id: str
    measure: str


@dataclass
class ParsedPlan:
    """A checked plan file, ready to store."""

    source: str
    header: PlanHeader
    catalog: PlanCatalog
    links: list[Link]
    #: each objective's entry with its indicators written out in full (ids, resolved links):
    #: stored as ``Objective.detail``, and written back by the export
    entries: list[dict]
    #: indicator id -> JSON path of its entry, to place problems found at import
    paths: dict[str, str] = field(default_factory=dict)
    locator: Locator = field(default_factory=Locator)

    def problem(self, path: str, reason: str) -> Problem:
        return Problem(self.source, self.locator.where(path), reason)


# --- schema ------------------------------------------------------------------------------------

def _validator():
    from survey_app.questionnaires.definition import schema_validator

    return schema_validator(SCHEMA_PATH)


def _schema_issue(error) -> list[Issue]:
    """Translate one jsonschema error into located Italian reasons."""
    return [Issue(path, reason) for path, reason in schema_error_reasons(error)]


def _schema_issues(data: object) -> list[Issue]:
    import jsonschema

    issues = []
    for error in _validator().iter_errors(data):
        # oneOf errors are vague on their own; their best sub-error names the field
        best = jsonschema.exceptions.best_match([error]) if error.context else error
        issues.extend(_schema_issue(best))
    return issues


# --- cross-references --------------------------------------------------------------------------

def _header_issues(header: object) -> list[Issue]:
    if not isinstance(header, dict):
        return []
    first, last = header.get("first_year"), header.get("last_year")
    if not all(isinstance(y, int) and not isinstance(y, bool) and 2000 <= y <= 2100 for y in (first, last)):
        return []  # the schema says what is wrong with the years
    if first > last:
        return [Issue("$.plan.last_year", _("l'ultimo anno (%(last)d) viene prima del primo (%(first)d)",
                                            last=last, first=first))]
    if last - first + 1 > MAX_PERIOD_YEARS:
        return [Issue("$.plan.last_year", _("un piano dura al massimo %(n)d anni, non %(years)d (%(first)d-%(last)d)",
                                            n=MAX_PERIOD_YEARS, years=last - first + 1, first=first, last=last))]
    return []


def _well_formed(entry: object) -> bool:
    """Whether the catalog parser can read *entry* (the schema reports what is wrong otherwise)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not isinstance(entry.get("title"), str):
        return False
    for kind in INDICATOR_KINDS:
        items = entry.get(f"{kind}_indicators")
        if items is None:
            continue
        if not isinstance(items, list):
            return False
        for item in items:
            if kind != "outcome" and isinstance(item, str):
                continue
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                return False
            if not isinstance(item.get("id", ""), str) or not isinstance(item.get("questionnaires", []), list):
                return False
            if not isinstance(item.get("timing") or [], list):
                return False
            predecessor = item.get("predecessor")
            if predecessor is not None and not (isinstance(predecessor, dict)
                                                and {"plan", "indicator"} <= set(predecessor)):
                return False
            for link in item.get("questionnaires", []):
                if not (isinstance(link, str) or (isinstance(link, dict) and isinstance(link.get("questionnaire"), str))):
                    return False
    return True


def _indicator_paths(entry: dict, base: str) -> list[tuple[str, str]]:
    """Return the id (as the catalog derives it) and the JSON path of every indicator of *entry*."""
    paths = []
    for kind in INDICATOR_KINDS:
        for n, raw in enumerate(entry.get(f"{kind}_indicators") or []):
            explicit = raw.get("id") if isinstance(raw, dict) else None
            paths.append((explicit or f"{entry['id']}.{kind}-{n + 1}", f"{base}.{kind}_indicators[{n}]"))
    return paths


def _resolve_measure(indicator_id: str, questionnaire_id: str, measure: str | None,
                     measures: Sequence[str], path: str) -> tuple[str | None, Issue | None]:
    if measure is not None:
        if measure in measures:
            return measure, None
        return None, Issue(f"{path}.measure", _(
            "il questionario «%(questionnaire)s» non ha la misura «%(measure)s»; ha: %(known)s",
            questionnaire=questionnaire_id, measure=measure, known=", ".join(measures) or "-"))
    if indicator_id in measures:
        return indicator_id, None
    if len(measures) == 1:
        return measures[0], None
    return None, Issue(path, _("il questionario «%(questionnaire)s» ha più misure (%(known)s): scrivi quale con "
                               "«measure»", questionnaire=questionnaire_id, known=", ".join(measures)))


def _reference_issues(data: dict, questionnaires: Mapping[str, Sequence[str]], locator: Locator
                      ) -> tuple[list[Issue], dict[str, str], list[Link]]:
    issues: list[Issue] = []
    objective_paths: dict[str, str] = {}
    indicator_paths: dict[str, str] = {}
    links: list[Link] = []
    header = data.get("plan") if isinstance(data.get("plan"), dict) else {}
    entries = data.get("objectives") if isinstance(data.get("objectives"), list) else []
    for o, entry in enumerate(entries):
        base = f"$.objectives[{o}]"
        if not isinstance(entry, dict):
            continue
        for key in entry:
            match = _LIST_KEY.match(key)
            if match and match.group("kind") not in INDICATOR_KINDS:
                issues.append(Issue(f"{base}.{key}", _(
                    "tipo di indicatore sconosciuto «%(kind)s»: i tipi sono process_indicators, output_indicators "
                    "e outcome_indicators", kind=_shown(match.group("kind")))))
        objective_id = entry.get("id")
        if isinstance(objective_id, str):
            if objective_id in objective_paths:
                issues.append(Issue(f"{base}.id", _("l'obiettivo «%(id)s» compare due volte (prima in %(first)s)",
                                                    id=objective_id, first=locator.where(objective_paths[objective_id]))))
                # its indicators would repeat the first one's ids: one line says it all
                continue
            objective_paths[objective_id] = f"{base}.id"
        if not _well_formed(entry):
            continue
        for indicator_id, path in _indicator_paths(entry, base):
            if indicator_id in indicator_paths:
                issues.append(Issue(f"{path}.id", _("l'indicatore «%(id)s» compare due volte (prima in %(first)s)",
                                                    id=indicator_id, first=locator.where(indicator_paths[indicator_id]))))
                continue
            indicator_paths[indicator_id] = path
        for n, raw in enumerate(entry.get("outcome_indicators") or []):
            path = f"{base}.outcome_indicators[{n}]"
            indicator_id = raw.get("id") or f"{objective_id}.outcome-{n + 1}"
            predecessor = raw.get("predecessor")
            if isinstance(predecessor, dict) and predecessor.get("plan") == header.get("code"):
                issues.append(Issue(f"{path}.predecessor", _(
                    "il predecessore deve essere in un piano precedente, non in questo")))
            listed = raw.get("questionnaires") or []
            if listed and not raw.get("via_questionnaire"):
                issues.append(Issue(f"{path}.questionnaires", _(
                    "indica dei questionari ma l'indicatore non è misurato con questionario "
                    "(via_questionnaire è false)")))
                continue
            seen: set[str] = set()
            for q, link in enumerate(listed):
                lpath = f"{path}.questionnaires[{q}]"
                questionnaire_id = link if isinstance(link, str) else link["questionnaire"]
                measure = None if isinstance(link, str) else link.get("measure")
                if questionnaire_id in seen:
                    issues.append(Issue(lpath, _("il questionario «%(id)s» è indicato due volte", id=questionnaire_id)))
                    continue
                seen.add(questionnaire_id)
                if questionnaire_id not in questionnaires:
                    issues.append(Issue(lpath, _("questionario «%(id)s» sconosciuto: non c'è il file "
                                                 "questionnaires/%(id)s.json", id=_shown(questionnaire_id))))
                    continue
                resolved, issue = _resolve_measure(indicator_id, questionnaire_id, measure,
                                                   questionnaires[questionnaire_id], lpath)
                if issue:
                    issues.append(issue)
                else:
                    links.append(Link(indicator_id, questionnaire_id, resolved))
        for kind in ("process", "output"):
            for n, raw in enumerate(entry.get(f"{kind}_indicators") or []):
                if isinstance(raw, dict) and isinstance(raw.get("predecessor"), dict) \
                        and raw["predecessor"].get("plan") == header.get("code"):
                    issues.append(Issue(f"{base}.{kind}_indicators[{n}].predecessor", _(
                        "il predecessore deve essere in un piano precedente, non in questo")))
    return issues, indicator_paths, links


# --- the normal form ---------------------------------------------------------------------------

def _normal_indicator(raw, spec, links: list[Link]) -> dict:
    raw = {"text": raw} if isinstance(raw, str) else raw
    entry = {"id": spec.id, "text": spec.text}
    if spec.target is not None:
        entry["target"] = spec.target
    if spec.kind == "outcome":
        entry.update(via_questionnaire=spec.via_questionnaire, respondents=spec.respondents,
                     timing=list(spec.timing))
        # by questionnaire id, as the export writes them: the order says nothing
        mine = sorted((link for link in links if link.indicator_id == spec.id), key=lambda link: link.questionnaire_id)
        if mine:
            entry["questionnaires"] = [{"questionnaire": link.questionnaire_id, "measure": link.measure}
                                       for link in mine]
    if spec.predecessor:
        entry["predecessor"] = {"plan": spec.predecessor[0], "indicator": spec.predecessor[1]}
    entry.update({k: v for k, v in raw.items() if k not in INDICATOR_FIELDS})
    return entry


def normal_entry(entry: dict, specs, links: list[Link]) -> dict:
    """Return an objective *entry* with every indicator as an object with its id and resolved links.

    Applying it to its own result changes nothing, so an exported plan imports to the same rows.
    """
    by_kind = {kind: [s for s in specs if s.kind == kind] for kind in INDICATOR_KINDS}
    normal = {"id": entry["id"], "chapter": entry.get("chapter", ""), "level": entry.get("level", ""),
              "macroarea": entry.get("macroarea", ""), "title": entry["title"],
              "description": entry.get("description", ""), "target": list(entry.get("target") or [])}
    for kind in INDICATOR_KINDS:
        raws = entry.get(f"{kind}_indicators") or []
        normal[f"{kind}_indicators"] = [_normal_indicator(raw, spec, links) for raw, spec in zip(raws, by_kind[kind])]
    normal.update({k: v for k, v in entry.items() if k not in normal})
    return normal


# --- reading -----------------------------------------------------------------------------------

def parse_plan(data: object, questionnaires: Mapping[str, Sequence[str]], *, source: str = "<piano>",
               locator: Locator | None = None, earlier: Sequence[Issue] = ()) -> ParsedPlan:
    """Check a decoded plan file and return it as a :class:`ParsedPlan`.

    :param questionnaires: questionnaire id -> the keys of its ``measures`` (see
        :func:`questionnaire_measures`).
    :param locator: places JSON paths in the file (a workbook's sheets); JSON paths by default.
    :param earlier: problems the caller already found while decoding (a workbook's cells); the
        checks here say nothing more about those paths, so each problem gives one line.
    :raise PlanFileError: with every problem found.
    """
    locator = locator or Locator()
    issues = list(earlier)
    if not isinstance(data, dict):
        raise PlanFileError(_located(source, [Issue("$", _("il file deve contenere un oggetto JSON"))], locator))
    issues.extend(_schema_issues(data))
    issues.extend(_header_issues(data.get("plan")))
    references, paths, links = _reference_issues(data, questionnaires, locator)
    issues.extend(references)
    reported = {i.path for i in earlier}
    issues = [i for i in issues if i in earlier or not any(i.path == p or i.path.startswith(p + ".")
                                                           or i.path.startswith(p + "[") for p in reported)]
    if issues:
        raise PlanFileError(_located(source, issues, locator))
    catalog = parse_catalog(data["objectives"])
    header = data["plan"]
    entries = [normal_entry(entry, catalog.objectives[entry["id"]].indicators, links) for entry in data["objectives"]]
    return ParsedPlan(
        source=source,
        header=PlanHeader(header["code"], header["title"].strip(), header["first_year"], header["last_year"],
                          header["status"], header.get("approval_act") or None, header.get("document_url") or None),
        catalog=catalog, links=links, entries=entries, paths=paths, locator=locator,
    )


def read_json(source: str, raw: bytes, questionnaires: Mapping[str, Sequence[str]]) -> ParsedPlan:
    """Decode and check a JSON plan file.

    :raise PlanFileError: for undecodable text or JSON, and every problem of the plan.
    """
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise PlanFileError([Problem(source, "$", _("non è un testo UTF-8 (%(reason)s)", reason=exc.reason))]) from exc
    except json.JSONDecodeError as exc:
        raise PlanFileError([Problem(source, "$", _("JSON non valido alla riga %(line)d, colonna %(column)d: %(msg)s",
                                                    line=exc.lineno, column=exc.colno, msg=exc.msg))]) from exc
    return parse_plan(data, questionnaires, source=source)


def is_workbook(filename: str, raw: bytes) -> bool:
    """Tell an XLSX workbook (a ZIP archive) from a JSON file."""
    return (filename or "").lower().endswith(".xlsx") or raw[:4] == b"PK\x03\x04"


def read_plan_file(filename: str, raw: bytes, questionnaires: Mapping[str, Sequence[str]]) -> ParsedPlan:
    """Read and check a plan file, JSON or XLSX, named *filename* in the problems.

    :raise PlanFileError: with every problem found.
    """
    source = Path(filename or "piano").name
    if len(raw) > MAX_FILE_BYTES:
        raise PlanFileError([Problem(source, "", _("il file supera %(mb)d MB", mb=MAX_FILE_BYTES // (1024 * 1024)))])
    if source.lower().endswith((".xls", ".ods", ".numbers")):
        raise PlanFileError([Problem(source, "", _("formato non supportato: salva il file come .xlsx o .json"))])
    if is_workbook(source, raw):
        from survey_app.plans.workbook import read_workbook

        return read_workbook(source, raw, questionnaires)
    return read_json(source, raw, questionnaires)


def questionnaire_measures(directory: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Return questionnaire id -> the keys of its ``measures`` for the questionnaire files of *directory*.

    Files that fail their own checks are left out (``flask questionnaires check`` reports them).
    """
    from survey_app.questionnaires.definition import DEFAULT_DIRECTORY, read_directory

    definitions, _problems = read_directory(directory or DEFAULT_DIRECTORY, None)
    return {d["id"]: tuple(m["indicator"] for m in d["measures"]) for d in definitions}
