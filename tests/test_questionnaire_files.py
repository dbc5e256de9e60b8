"""The questionnaire format: schema rejections, cross-references, the check command, coverage."""

from __future__ import annotations

import copy
import json
import shutil

import pytest

from survey_app.plan.catalog import load_catalog
from survey_app.questionnaires.definition import (
    DEFAULT_DIRECTORY,
    QuestionnaireError,
    content_hash,
    questionnaire_files,
    read_definition_file,
    validate_definition,
)

CATALOG = load_catalog(DEFAULT_DIRECTORY / "objectives.json")
EXAMPLE = json.loads((DEFAULT_DIRECTORY / "persona-al-centro.json").read_text(encoding="utf-8"))


def mutated(change) -> dict:
    data = copy.deepcopy(EXAMPLE)
    change(data)
    return data


def _set(path: list, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        if value is DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return change


DELETE = object()

REJECTIONS = [
    # (change, JSON path, words of the reason)
    (_set(["title"], DELETE), "$.title", "campo obbligatorio mancante"),
    (_set(["title", "it"], DELETE), "$.title.it", "campo obbligatorio mancante"),
    (_set(["version"], "1"), "$.version", "deve essere un numero intero"),
    (_set(["format"], 2), "$.format", "deve essere 1"),
    (_set(["scales", "agreement5", "points"], 6), "$.scales.agreement5.points", "«6» non è ammesso: scrivi uno di 4, 5, 7"),
    (_set(["scales", "agreement5", "labels"], EXAMPLE["scales"]["agreement5"]["labels"][:4]),
     "$.scales.agreement5.labels", "ha 4 etichette per una scala di 5 punti"),
    (_set(["dimensions", 0, "items", 0, "id"], "Bad Id"), "$.dimensions[0].items[0].id",
     "«Bad Id» non è un identificativo valido"),
    (_set(["dimensions", 0, "items", 1, "id"], "access_easy"), "$.dimensions[0].items[1].id",
     "l'identificativo «access_easy» è già usato da un'altra domanda"),
    (_set(["dimensions", 0, "scale"], "agreement7"), "$.dimensions[0].scale", "scala sconosciuta «agreement7»; le scale sono: agreement5"),
    (_set(["dimensions", 0, "items", 0, "surprise"], True), "$.dimensions[0].items[0].surprise",
     "campo sconosciuto «surprise»"),
    (_set(["objective"], "nowhere"), "$.objective", "obiettivo sconosciuto «nowhere»: non è nel piano"),
    (_set(["indicators"], ["persona-al-centro.outcome-3", "persona-al-centro.outcome-1"]), "$.indicators[1]",
     "nel piano l'indicatore «persona-al-centro.outcome-1» non si misura con un questionario"),
    (_set(["indicators"], ["persona-al-centro.outcome-3", "welfare-accesso-comunita.outcome-3"]),
     "$.indicators[1]", "è dell'obiettivo «welfare-accesso-comunita», non di «persona-al-centro»"),
    (_set(["measures", 0, "dimensions"], ["access", "missing"]), "$.measures[0].dimensions",
     "dimensione sconosciuta «missing»"),
    (_set(["measures"], []), "$.measures", "non può essere vuoto"),
    (_set(["context", 2, "options"], ["beneficiary", "boss"]), "$.context[2].options[1]", "«boss» non è ammesso: scrivi uno di beneficiary"),
    (_set(["context", 1, "options"], DELETE), "$.context[1].options", "campo obbligatorio mancante"),
    (_set(["estimated_minutes"], 0), "$.estimated_minutes", "0 è troppo piccolo: il minimo è 1"),
]


@pytest.mark.parametrize(("change", "path", "reason"), REJECTIONS)
def test_each_rejection_names_path_and_reason(change, path, reason):
    problems = validate_definition(mutated(change), CATALOG, source="x.json")
    assert any(p.path == path and reason in p.reason for p in problems), problems
    assert all(p.file == "x.json" for p in problems)


def test_indicator_without_measure_rejected():
    data = mutated(lambda d: d["indicators"].append("inclusione-attiva-distretto.outcome-1"))
    data["objective"] = "persona-al-centro"
    reasons = [str(p) for p in validate_definition(data, CATALOG, source="x.json")]
    assert ("x.json: $.indicators[1]: l'indicatore «inclusione-attiva-distretto.outcome-1» non dice come si calcola "
            "(manca la sua misura)") in reasons


def test_every_shipped_questionnaire_is_valid():
    files = questionnaire_files()
    assert files
    for path in files:
        read_definition_file(path, CATALOG)


def test_every_questionnaire_indicator_of_the_plan_is_covered():
    ids = CATALOG.questionnaire_indicator_ids()
    assert len(ids) == 35
    covered = {i for path in questionnaire_files() for i in read_definition_file(path, CATALOG)["indicators"]}
    assert [i for i in ids if i not in covered] == []


def test_shipped_questionnaires_are_translated_and_sized():
    for path in questionnaire_files():
        data = read_definition_file(path, CATALOG)
        items = [item for d in data["dimensions"] for item in d["items"]]
        assert 6 <= len(items) <= 15, path.name
        for item in items:
            assert item["text"].get("en"), (path.name, item["id"])


def test_invalid_json_reported_with_position(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": 1,\n "id": }', encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        read_definition_file(path, CATALOG)
    assert str(caught.value).startswith("broken.json: $: JSON non valido alla riga 2, colonna 8")


def test_id_must_match_file_name(tmp_path):
    path = tmp_path / "other-name.json"
    path.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"other-name.json: \$.id: l'identificativo «persona-al-centro» deve essere uguale"):
        read_definition_file(path, CATALOG)


def test_content_hash_ignores_formatting_only():
    reordered = json.loads(json.dumps(EXAMPLE, sort_keys=True))
    assert content_hash(reordered) == content_hash(EXAMPLE)
    assert content_hash(mutated(_set(["version"], 2))) != content_hash(EXAMPLE)


def test_check_command_passes_on_shipped_files(runner):
    result = runner.invoke(args=["questionnaires", "check"])
    assert result.exit_code == 0, result.output
    assert "0 invalid" in result.output


def test_check_command_fails_precisely_on_a_broken_copy(runner, tmp_path):
    broken = tmp_path / "persona-al-centro.json"
    shutil.copy(DEFAULT_DIRECTORY / "persona-al-centro.json", broken)
    data = json.loads(broken.read_text(encoding="utf-8"))
    data["dimensions"][1]["items"][0]["scale"] = "nope"
    broken.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(args=["questionnaires", "check", str(broken)])
    assert result.exit_code == 1
    assert ("persona-al-centro.json: $.dimensions[1].items[0].scale: scala sconosciuta «nope»; "
            "le scale sono: agreement5") in result.output
    assert "0 valid, 1 invalid" in result.output
