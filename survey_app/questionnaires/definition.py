"""Questionnaire files: validation against ``questionnaires/schema.json`` and the plan, and navigation.

Pure module: no Flask, no database. A questionnaire is one JSON file (format 1). Validation
happens in two passes that report problems the same way (file, JSON path, reason):

1. the JSON Schema, for shape and types;
2. cross-references the schema cannot express: scale ids, unique item ids, label counts,
   the objective and indicators against the plan catalog, and every indicator measured.

:class:`Questionnaire` wraps a validated definition for the form builder and the analysis.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from survey_app.plan.catalog import PlanCatalog

#: the questionnaire directory shipped with the project
DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "questionnaires"
SCHEMA_PATH = DEFAULT_DIRECTORY / "schema.json"
#: files in the questionnaire directory that are not questionnaires
NON_QUESTIONNAIRE_FILES = {"schema.json", "objectives.json", "ambiti.json", "plan.json"}
RTL_LANGUAGES = {"ar", "arc", "dv", "fa", "ha", "he", "khw", "ks", "ku", "ps", "sd", "ur", "yi"}
DEFAULT_LANGUAGE = "it"


@dataclass(frozen=True, order=True)
class Problem:
    """One reason a questionnaire file is invalid."""

    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.reason}"


class QuestionnaireError(ValueError):
    """A questionnaire failed validation; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@cache
def schema_validator(path: Path = SCHEMA_PATH):
    """Return a validator of the JSON Schema at *path* (questionnaires by default), built once."""
    # imported on first validation: the web app never validates files, so it never pays for it
    import jsonschema

    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validator():
    return schema_validator(SCHEMA_PATH)


def content_hash(definition: dict) -> str:
    """Return the SHA-256 of the canonical JSON form of *definition* (key order and spacing ignored)."""
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _schema_problems(data: object, source: str) -> list[Problem]:
    import jsonschema

    problems = []
    for error in _validator().iter_errors(data):
        # oneOf/anyOf/allOf errors are vague on their own; their best sub-error names the field
        best = jsonschema.exceptions.best_match([error]) if error.context else error
        problems.append(Problem(source, best.json_path, best.message))
    return sorted(set(problems))


def _reference_problems(data: dict, source: str, catalog: PlanCatalog | None) -> list[Problem]:
    problems: list[Problem] = []

    def add(path: str, reason: str) -> None:
        problems.append(Problem(source, path, reason))

    scales = data["scales"]
    for scale_id, scale in scales.items():
        if len(scale["labels"]) != scale["points"]:
            add(f"$.scales.{scale_id}.labels",
                f"has {len(scale['labels'])} labels for a {scale['points']}-point scale")
        if scale.get("top_box", 2) >= scale["points"]:
            add(f"$.scales.{scale_id}.top_box", "must be smaller than the number of points")

    seen_items: dict[str, str] = {}
    dimension_ids: set[str] = set()
    for d, dimension in enumerate(data["dimensions"]):
        dpath = f"$.dimensions[{d}]"
        if dimension["id"] in dimension_ids:
            add(f"{dpath}.id", f"dimension id {dimension['id']!r} is used twice")
        dimension_ids.add(dimension["id"])
        for i, item in enumerate(dimension["items"]):
            ipath = f"{dpath}.items[{i}]"
            if item["id"] in seen_items:
                add(f"{ipath}.id", f"item id {item['id']!r} is already used at {seen_items[item['id']]}")
            else:
                seen_items[item["id"]] = ipath
            scale_id = item.get("scale", dimension.get("scale"))
            if scale_id is None:
                add(ipath, "has no scale and its dimension has no default scale")
            elif scale_id not in scales:
                add(f"{ipath}.scale" if "scale" in item else f"{dpath}.scale",
                    f"unknown scale {scale_id!r}; defined scales: {', '.join(sorted(scales))}")

    kinds = [c["kind"] for c in data["context"]]
    for kind in set(kinds):
        if kinds.count(kind) > 1:
            add("$.context", f"context question {kind!r} appears {kinds.count(kind)} times")
    for c, question in enumerate(data["context"]):
        option_ids = [o["id"] for o in question.get("options", []) if isinstance(o, dict)]
        if len(option_ids) != len(set(option_ids)):
            add(f"$.context[{c}].options", "option ids must be unique")

    measured = set()
    for m, measure in enumerate(data["measures"]):
        mpath = f"$.measures[{m}]"
        if measure["indicator"] not in data["indicators"]:
            add(f"{mpath}.indicator",
                f"indicator {measure['indicator']!r} is not listed in $.indicators")
        measured.add(measure["indicator"])
        for ref in measure.get("items", []):
            if ref not in seen_items:
                add(f"{mpath}.items", f"unknown item {ref!r}")
        for ref in measure.get("dimensions", []):
            if ref not in dimension_ids:
                add(f"{mpath}.dimensions", f"unknown dimension {ref!r}")
    for n, indicator_id in enumerate(data["indicators"]):
        if indicator_id not in measured:
            add(f"$.indicators[{n}]", f"indicator {indicator_id!r} has no entry in $.measures")

    if catalog is not None:
        if data["objective"] not in catalog.objectives:
            add("$.objective", f"unknown objective {data['objective']!r} (not in objectives.json)")
        for n, indicator_id in enumerate(data["indicators"]):
            spec = catalog.indicators.get(indicator_id)
            if spec is None:
                add(f"$.indicators[{n}]", f"unknown indicator {indicator_id!r} (not in objectives.json)")
            elif not spec.via_questionnaire:
                add(f"$.indicators[{n}]",
                    f"indicator {indicator_id!r} is not measured by questionnaire in the plan")
            elif spec.objective_id != data["objective"]:
                add(f"$.indicators[{n}]",
                    f"indicator {indicator_id!r} belongs to objective {spec.objective_id!r}, "
                    f"not {data['objective']!r}")
    return problems


def validate_definition(
    data: object, catalog: PlanCatalog | None = None, *, source: str = "<questionnaire>"
) -> list[Problem]:
    """Return every problem of a decoded questionnaire (an empty list when it is valid).

    :param catalog: the plan catalog to check the objective and indicators against; ``None``
        skips those checks.
    :param source: the name used in each :class:`Problem`, usually the file name.
    """
    problems = _schema_problems(data, source)
    if problems:
        # cross-reference checks assume the shape the schema guarantees
        return problems
    return _reference_problems(data, source, catalog)


def read_definition_file(path: Path, catalog: PlanCatalog | None = None) -> dict:
    """Read, decode and validate one questionnaire file.

    :raise QuestionnaireError: with every problem found, including unreadable JSON and an
        ``id`` that does not match the file name.
    """
    source = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise QuestionnaireError([Problem(source, "$", f"not UTF-8 text: {exc.reason}")]) from exc
    except json.JSONDecodeError as exc:
        raise QuestionnaireError(
            [Problem(source, "$", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")]
        ) from exc
    problems = validate_definition(data, catalog, source=source)
    if not problems and data["id"] != path.stem:
        problems.append(Problem(source, "$.id", f"id {data['id']!r} must match the file name {path.stem!r}"))
    if problems:
        raise QuestionnaireError(problems)
    return data


def questionnaire_files(directory: Path = DEFAULT_DIRECTORY) -> list[Path]:
    """Return the questionnaire files of *directory*, sorted by name."""
    return sorted(p for p in directory.glob("*.json") if p.name not in NON_QUESTIONNAIRE_FILES)


def read_directory(directory: Path, catalog: PlanCatalog | None) -> tuple[list[dict], list[Problem]]:
    """Read every questionnaire of *directory*; return the valid definitions and all problems."""
    definitions, problems = [], []
    for path in questionnaire_files(directory):
        try:
            definitions.append(read_definition_file(path, catalog))
        except QuestionnaireError as exc:
            problems.extend(exc.problems)
    return definitions, problems


def is_rtl(language: str) -> bool:
    """Tell whether *language* (a code like ``ar`` or ``fa-IR``) is written right to left."""
    return language.split("-")[0].lower() in RTL_LANGUAGES


@dataclass(frozen=True)
class Scale:
    """A Likert scale as the form and the analysis need it."""

    id: str
    points: int
    labels: tuple[dict, ...]
    dont_know: dict | None
    top_box: int


@dataclass(frozen=True)
class Item:
    """One Likert statement, with its dimension and scale resolved."""

    id: str
    text: dict
    dimension_id: str
    scale: Scale
    reverse: bool
    required: bool


class Questionnaire:
    """Read-only view of a validated questionnaire definition."""

    def __init__(self, definition: dict):
        self.definition = definition
        self.scales = {
            sid: Scale(sid, s["points"], tuple(s["labels"]), s.get("dont_know"), s.get("top_box", 2))
            for sid, s in definition["scales"].items()
        }
        self.items: list[Item] = [
            Item(
                id=item["id"],
                text=item["text"],
                dimension_id=dimension["id"],
                scale=self.scales[item.get("scale", dimension.get("scale"))],
                reverse=item.get("reverse", False),
                required=item.get("required", True),
            )
            for dimension in definition["dimensions"]
            for item in dimension["items"]
        ]
        self.items_by_id = {item.id: item for item in self.items}

    id = property(lambda self: self.definition["id"])
    version = property(lambda self: self.definition["version"])
    objective_id = property(lambda self: self.definition["objective"])
    indicator_ids = property(lambda self: list(self.definition["indicators"]))
    dimensions = property(lambda self: self.definition["dimensions"])
    measures = property(lambda self: self.definition["measures"])
    comment = property(lambda self: self.definition.get("comment"))

    @property
    def languages(self) -> list[str]:
        """Languages in which the title, and so the questionnaire, is available; Italian first."""
        codes = list(self.definition["title"])
        return [DEFAULT_LANGUAGE] + sorted(c for c in codes if c != DEFAULT_LANGUAGE)

    def context_question(self, kind: str) -> dict | None:
        """Return the context question of *kind* (``comune``, ``service``, ``role``) or ``None``."""
        return next((c for c in self.definition["context"] if c["kind"] == kind), None)

    def dimension_titles(self, language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
        """Return each dimension's title in *language* (Italian when missing), by dimension id."""
        return {d["id"]: localized(d["title"], language) for d in self.dimensions}

    def service_label(self, service_id: str, language: str = DEFAULT_LANGUAGE) -> str:
        """Return the label of a service option, or the id itself when the questionnaire lacks it."""
        question = self.context_question("service") or {"options": []}
        for option in question["options"]:
            if option["id"] == service_id:
                return localized(option["label"], language)
        return service_id

    def __repr__(self) -> str:
        return f"<Questionnaire {self.id} v{self.version}>"


def localized(text: dict | None, language: str) -> str:
    """Return *text* in *language*, falling back to Italian (always present)."""
    if not text:
        return ""
    return text.get(language) or text.get(language.split("-")[0]) or text[DEFAULT_LANGUAGE]
