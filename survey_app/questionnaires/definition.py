"""Questionnaire files: validation against ``questionnaires/schema.json`` and the plan, and navigation.

Pure module: no Flask request, no database. A questionnaire is one JSON file (format 1), or
an XLSForm workbook read into one (:mod:`survey_app.questionnaires.xlsform`). Validation
happens in two passes that report problems the same way (file, JSON path, reason in the
interface language, Italian first: staff read them):

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

from flask_babel import gettext as _

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
        return f"{self.file}: {self.path}: {self.reason}" if self.path else f"{self.file}: {self.reason}"


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

    from survey_app.schema_reasons import schema_error_reasons

    problems = []
    for error in _validator().iter_errors(data):
        # oneOf/anyOf/allOf errors are vague on their own; their best sub-error names the field
        best = jsonschema.exceptions.best_match([error]) if error.context else error
        problems.extend(Problem(source, path, reason) for path, reason in schema_error_reasons(best))
    return sorted(set(problems))


def _reference_problems(data: dict, source: str, catalog: PlanCatalog | None) -> list[Problem]:
    problems: list[Problem] = []

    def add(path: str, reason: str) -> None:
        problems.append(Problem(source, path, reason))

    scales = data["scales"]
    for scale_id, scale in scales.items():
        if len(scale["labels"]) != scale["points"]:
            add(f"$.scales.{scale_id}.labels",
                _("ha %(labels)d etichette per una scala di %(points)d punti",
                  labels=len(scale["labels"]), points=scale["points"]))
        if scale.get("top_box", 2) >= scale["points"]:
            add(f"$.scales.{scale_id}.top_box", _("deve essere minore del numero di punti della scala"))

    seen_items: dict[str, str] = {}
    dimension_ids: set[str] = set()
    for d, dimension in enumerate(data["dimensions"]):
        dpath = f"$.dimensions[{d}]"
        if dimension["id"] in dimension_ids:
            add(f"{dpath}.id", _("la dimensione «%(id)s» compare due volte", id=dimension["id"]))
        dimension_ids.add(dimension["id"])
        for i, item in enumerate(dimension["items"]):
            ipath = f"{dpath}.items[{i}]"
            if item["id"] in seen_items:
                add(f"{ipath}.id", _("l'identificativo «%(id)s» è già usato da un'altra domanda", id=item["id"]))
            else:
                seen_items[item["id"]] = ipath
            scale_id = item.get("scale", dimension.get("scale"))
            if scale_id is None:
                add(ipath, _("la domanda non ha una scala e la sua dimensione non ne indica una"))
            elif scale_id not in scales:
                add(f"{ipath}.scale" if "scale" in item else f"{dpath}.scale",
                    _("scala sconosciuta «%(id)s»; le scale sono: %(scales)s", id=scale_id,
                      scales=", ".join(sorted(scales))))

    kinds = [c["kind"] for c in data["context"]]
    for kind in set(kinds):
        if kinds.count(kind) > 1:
            add("$.context", _("la domanda di contesto «%(kind)s» compare %(n)d volte", kind=kind,
                               n=kinds.count(kind)))
    for c, question in enumerate(data["context"]):
        option_ids = [o["id"] for o in question.get("options", []) if isinstance(o, dict)]
        if len(option_ids) != len(set(option_ids)):
            add(f"$.context[{c}].options", _("le opzioni devono avere identificativi diversi"))

    measured = set()
    for m, measure in enumerate(data["measures"]):
        mpath = f"$.measures[{m}]"
        if measure["indicator"] not in data["indicators"]:
            add(f"{mpath}.indicator",
                _("l'indicatore «%(id)s» non è tra gli indicatori del questionario", id=measure["indicator"]))
        measured.add(measure["indicator"])
        for ref in measure.get("items", []):
            if ref not in seen_items:
                add(f"{mpath}.items", _("domanda sconosciuta «%(id)s»", id=ref))
        for ref in measure.get("dimensions", []):
            if ref not in dimension_ids:
                add(f"{mpath}.dimensions", _("dimensione sconosciuta «%(id)s»", id=ref))
    for n, indicator_id in enumerate(data["indicators"]):
        if indicator_id not in measured:
            add(f"$.indicators[{n}]", _("l'indicatore «%(id)s» non dice come si calcola (manca la sua misura)",
                                        id=indicator_id))

    if catalog is not None:
        if data["objective"] not in catalog.objectives:
            add("$.objective", _("obiettivo sconosciuto «%(id)s»: non è nel piano", id=data["objective"]))
        for n, indicator_id in enumerate(data["indicators"]):
            spec = catalog.indicators.get(indicator_id)
            if spec is None:
                add(f"$.indicators[{n}]", _("indicatore sconosciuto «%(id)s»: non è nel piano", id=indicator_id))
            elif not spec.via_questionnaire:
                add(f"$.indicators[{n}]",
                    _("nel piano l'indicatore «%(id)s» non si misura con un questionario", id=indicator_id))
            elif spec.objective_id != data["objective"]:
                add(f"$.indicators[{n}]",
                    _("l'indicatore «%(id)s» è dell'obiettivo «%(its)s», non di «%(objective)s»",
                      id=indicator_id, its=spec.objective_id, objective=data["objective"]))
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
    # one problem once, even when two checks reach it (an item's scale is its dimension's)
    return list(dict.fromkeys(_reference_problems(data, source, catalog)))


def decode_definition(source: str, raw: bytes) -> object:
    """Decode the bytes of a JSON questionnaire file (not yet validated).

    :raise QuestionnaireError: when they are not UTF-8 text or not JSON.
    """
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise QuestionnaireError([Problem(source, "$", _("non è testo UTF-8: %(reason)s", reason=exc.reason))]) from exc
    except json.JSONDecodeError as exc:
        raise QuestionnaireError(
            [Problem(source, "$", _("JSON non valido alla riga %(line)d, colonna %(column)d: %(reason)s",
                                    line=exc.lineno, column=exc.colno, reason=exc.msg))]
        ) from exc


def read_definition_file(path: Path, catalog: PlanCatalog | None = None) -> dict:
    """Read, decode and validate one questionnaire file.

    :raise QuestionnaireError: with every problem found, including unreadable JSON and an
        ``id`` that does not match the file name.
    """
    source = path.name
    data = decode_definition(source, path.read_bytes())
    problems = validate_definition(data, catalog, source=source)
    if not problems and data["id"] != path.stem:
        problems.append(Problem(source, "$.id", _("l'identificativo «%(id)s» deve essere uguale al nome del file "
                                                  "«%(stem)s»", id=data["id"], stem=path.stem)))
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
