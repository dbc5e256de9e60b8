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
    (_set(["title"], DELETE), "$", "'title' is a required property"),
    (_set(["title", "it"], DELETE), "$.title", "'it' is a required property"),
    (_set(["version"], "1"), "$.version", "is not of type 'integer'"),
    (_set(["format"], 2), "$.format", "1 was expected"),
    (_set(["scales", "agreement5", "points"], 6), "$.scales.agreement5.points", "is not one of [4, 5, 7]"),
    (_set(["scales", "agreement5", "labels"], EXAMPLE["scales"]["agreement5"]["labels"][:4]),
     "$.scales.agreement5.labels", "has 4 labels for a 5-point scale"),
    (_set(["dimensions", 0, "items", 0, "id"], "Bad Id"), "$.dimensions[0].items[0].id", "does not match"),
    (_set(["dimensions", 0, "items", 1, "id"], "access_easy"), "$.dimensions[0].items[1].id",
     "item id 'access_easy' is already used at $.dimensions[0].items[0]"),
    (_set(["dimensions", 0, "scale"], "agreement7"), "$.dimensions[0].scale", "unknown scale 'agreement7'"),
    (_set(["dimensions", 0, "items", 0, "surprise"], True), "$.dimensions[0].items[0]",
     "Additional properties are not allowed ('surprise' was unexpected)"),
    (_set(["objective"], "nowhere"), "$.objective", "unknown objective 'nowhere'"),
    (_set(["indicators"], ["persona-al-centro.outcome-3", "persona-al-centro.outcome-1"]), "$.indicators[1]",
     "is not measured by questionnaire in the plan"),
    (_set(["indicators"], ["persona-al-centro.outcome-3", "welfare-accesso-comunita.outcome-3"]),
     "$.indicators[1]", "belongs to objective 'welfare-accesso-comunita'"),
    (_set(["measures", 0, "dimensions"], ["access", "missing"]), "$.measures[0].dimensions",
     "unknown dimension 'missing'"),
    (_set(["measures"], []), "$.measures", "should be non-empty"),
    (_set(["context", 2, "options"], ["beneficiary", "boss"]), "$.context[2].options[1]", "is not one of"),
    (_set(["context", 1, "options"], DELETE), "$.context[1]", "'options' is a required property"),
    (_set(["estimated_minutes"], 0), "$.estimated_minutes", "less than the minimum of 1"),
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
    assert "x.json: $.indicators[1]: indicator 'inclusione-attiva-distretto.outcome-1' has no entry in $.measures" in reasons


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
    assert str(caught.value).startswith("broken.json: $: invalid JSON at line 2 column 8")


def test_id_must_match_file_name(tmp_path):
    path = tmp_path / "other-name.json"
    path.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"other-name.json: \$.id: id 'persona-al-centro' must match"):
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
    assert ("persona-al-centro.json: $.dimensions[1].items[0].scale: unknown scale 'nope'; "
            "defined scales: agreement5") in result.output
    assert "0 valid, 1 invalid" in result.output
