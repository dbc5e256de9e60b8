"""The README documents what the code offers (commands, settings, questionnaire fields)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from survey_app import create_app
from survey_app.questionnaires.definition import SCHEMA_PATH

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_run_and_test():
    commands = re.findall(r"^make (\w+)", README[:600], flags=re.M)
    assert commands[:2] == ["run", "test"]


FLASK_BUILTIN_COMMANDS = {"run", "shell", "routes"}


def _project_commands(app) -> list[str]:
    names = []
    for group_name, group in app.cli.commands.items():
        if group_name in FLASK_BUILTIN_COMMANDS:
            continue
        if isinstance(group, click.Group):
            names += [f"{group_name} {name}" for name in group.commands]
        else:
            names.append(group_name)
    assert len(names) >= 8
    return names


def test_every_command_is_documented(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": "x"})
    for command in _project_commands(app):
        assert f"flask --app survey_app {command}" in README, command


def test_every_environment_variable_is_documented():
    source = (ROOT / "survey_app" / "config.py").read_text(encoding="utf-8")
    variables = set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source))
    assert variables >= {"SURVEY_DATABASE_URL", "SECRET_KEY", "SURVEY_PUBLIC_URL", "PORT"}
    for variable in variables:
        assert f"`{variable}`" in README, variable


def test_every_questionnaire_field_is_documented():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    for field in schema["properties"]:
        if field != "$schema":
            assert f"`{field}`" in README, field
    for field in schema["$defs"]["scale"]["properties"]:
        assert f"`{field}`" in README, field
