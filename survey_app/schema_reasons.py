"""Reasons for JSON Schema errors in the interface language (Italian first), for staff.

Pure module. jsonschema's own messages are English and name Python types; staff who upload a
plan or a questionnaire read instead "campo obbligatorio mancante", "deve essere un numero
intero"... Each reason goes with the JSON path of the value, which the caller turns into a place
of its file (a JSON path, or a sheet, row and column of a workbook).
"""

from __future__ import annotations

import json

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

_TYPE_NAMES = {
    "string": _l("un testo"), "integer": _l("un numero intero"), "number": _l("un numero"), "array": _l("un elenco"),
    "object": _l("un oggetto"), "boolean": _l("true o false"),
}


def _type_names(expected) -> str:
    names = [expected] if isinstance(expected, str) else list(expected)
    return _(" o ").join(str(_TYPE_NAMES.get(n, n)) for n in names if n != "null") or "null"


def shown(value, length: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= length else text[: length - 1] + "…"


def _pattern_reason(pattern: str, value) -> str:
    if pattern == r"\S":
        return _("non può essere vuoto")
    if pattern.startswith("^https?"):
        return _("«%(value)s» non è un indirizzo web: deve cominciare con http:// o https://", value=shown(value))
    return _("«%(value)s» non è un identificativo valido: usa lettere minuscole senza accenti, cifre e trattini "
             "(e punti negli identificativi degli indicatori)", value=shown(value))


def schema_error_reasons(error) -> list[tuple[str, str]]:
    """Translate one jsonschema error into ``(JSON path, Italian reason)`` pairs."""
    path, kind, value = error.json_path, error.validator, error.instance
    if kind == "required":
        present = value if isinstance(value, dict) else {}
        return [(f"{path}.{name}", _("campo obbligatorio mancante"))
                for name in error.validator_value if name not in present]
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        return [(f"{path}.{name}", _("campo sconosciuto «%(name)s»", name=shown(name)))
                for name in value if name not in known]
    if kind == "type":
        reason = _("deve essere %(type)s", type=_type_names(error.validator_value))
    elif kind == "enum":
        reason = _("«%(value)s» non è ammesso: scrivi uno di %(values)s", value=shown(value),
                   values=", ".join(str(v) for v in error.validator_value))
    elif kind == "const":
        reason = _("deve essere %(value)s", value=shown(error.validator_value))
    elif kind == "minimum":
        reason = _("%(value)s è troppo piccolo: il minimo è %(limit)s", value=value, limit=error.validator_value)
    elif kind == "maximum":
        reason = _("%(value)s è troppo grande: il massimo è %(limit)s", value=value, limit=error.validator_value)
    elif kind == "pattern":
        reason = _pattern_reason(error.validator_value, value)
    elif kind == "maxLength":
        reason = _("è troppo lungo: al massimo %(n)d caratteri", n=error.validator_value)
    elif kind == "minItems":
        reason = _("non può essere vuoto")
    elif kind == "maxItems":
        reason = _("ha troppi elementi: al massimo %(n)d", n=error.validator_value)
    elif kind == "oneOf":
        reason = _("deve essere un testo o un oggetto")
    elif kind == "uniqueItems":
        reason = _("contiene valori ripetuti")
    else:
        reason = error.message
    return [(path, reason)]
