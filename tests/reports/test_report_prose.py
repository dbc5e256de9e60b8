"""The report's fixed texts come from the templates in ``templates/reports/prose/``: every
template block is used, renders with the variables the code gives it, and an edited
template changes the report."""

from __future__ import annotations

import ast
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from survey_app.analysis.breakdowns import INDICATIVE_BELOW
from survey_app.analysis.privacy import MIN_CELL
from survey_app.reports.build import FinalData
from survey_app.reports.document import methods_annex, prose
from survey_app.reports.formatting import HIDDEN

REPORTS = Path(prose.__file__).resolve().parents[1]
PROSE_DIRECTORY = prose.TEMPLATE_DIRECTORY / prose.PROSE_FOLDER


def _calls() -> list[tuple[str, str | None, frozenset[str], str]]:
    """Every ``prose.paragraphs``/``prose.text`` call of the report code: template, block,
    the variables it passes, where it is. The names must be literals, so they can be checked."""
    calls = []
    for path in [*sorted((REPORTS / "document").glob("*.py")), REPORTS / "ambiti.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "prose"
                and node.func.attr in ("paragraphs", "text")
            ):
                continue
            where = f"{path.name}:{node.lineno}"
            names = node.args[:2]
            assert all(isinstance(a, ast.Constant) for a in names), f"{where}: name the template literally"
            keywords = frozenset(k.arg for k in node.keywords if k.arg != "css")
            block = names[1].value if len(names) > 1 else None
            calls.append((names[0].value, block, keywords, where))
    return calls


def _defined() -> set[tuple[str, str | None]]:
    defined = set()
    for path in PROSE_DIRECTORY.glob("*.txt"):
        template = prose.environment().get_template(f"{prose.PROSE_FOLDER}/{path.name}")
        defined |= {(path.stem, block) for block in template.blocks} or {(path.stem, None)}
    return defined


def test_every_prose_block_is_used_and_every_use_has_its_block():
    used = {(name, block) for name, block, _variables, _where in _calls()}
    assert used == _defined()


def test_every_use_renders_with_the_variables_it_gives():
    for name, block, variables, where in _calls():
        texts = prose._render(name, block, dict.fromkeys(variables, "X"))  # StrictUndefined
        assert texts, where
        for text in texts:
            assert "\n" not in text and "  " not in text and text == text.strip(), where
            assert "{" not in text and "}" not in text, where


def test_the_numbers_in_the_texts_are_the_codes():
    assert prose.text("suppression_note") == (
        f"Per proteggere chi risponde non si mostra alcun risultato di gruppi con meno di "
        f"{MIN_CELL} rispondenti, né di gruppi che permetterebbero di ricavarli per differenza "
        f"dal totale (soppressione complementare): queste celle sono indicate con «{HIDDEN}». "
        f"I gruppi con meno di {INDICATIVE_BELOW} rispondenti sono segnati «indicativo»."
    )


@pytest.fixture
def district_templates(tmp_path, monkeypatch):
    """A copy of the templates folder the report reads instead of the shipped one."""
    shutil.copytree(prose.TEMPLATE_DIRECTORY, tmp_path / "templates")
    monkeypatch.setattr(prose, "TEMPLATE_DIRECTORY", tmp_path / "templates")
    prose.environment.cache_clear()
    yield tmp_path / "templates" / prose.PROSE_FOLDER
    prose.environment.cache_clear()


def _annex_paragraphs() -> list[str]:
    annex = methods_annex(FinalData("Ambito Alto Sebino", [], datetime(2026, 12, 4)))
    return [b.text for s in annex.walk() for b in s.blocks if hasattr(b, "text")]


def test_an_edited_template_changes_the_report(district_templates):
    path = district_templates / "methods_annex.txt"
    text = path.read_text(encoding="utf-8")
    start = text.index("{% block response_rates %}")
    end = text.index("{% endblock %}", start)
    path.write_text(
        text[:start]
        + "{% block response_rates %}\nIl distretto\nscrive qui (almeno {{ min_cell }}).\n\n"
        "Secondo capoverso.\n"
        + text[end:],
        encoding="utf-8",
    )
    (district_templates / "suppression_note.txt").write_text("Regola del distretto.\n", encoding="utf-8")
    paragraphs = _annex_paragraphs()
    assert f"Il distretto scrive qui (almeno {MIN_CELL})." in paragraphs
    assert "Secondo capoverso." in paragraphs
    assert not any(p.startswith("Tasso di risposta:") for p in paragraphs)
    assert any(p.startswith("Regola del distretto. La regola vale per ogni tabella") for p in paragraphs)


def test_an_unknown_variable_in_a_template_is_an_error(district_templates):
    (district_templates / "suppression_note.txt").write_text("Meno di {{ min_cel }}.\n", encoding="utf-8")
    with pytest.raises(UndefinedError):
        prose.text("suppression_note")
