"""The English catalog translates every interface text of the code, keeping its placeholders.

The texts are extracted from the code as ``make extract-messages`` does, so a new ``_("...")``
without its English translation fails here: run ``make extract-messages`` and translate the new
entries of ``survey_app/translations/en/LC_MESSAGES/messages.po`` (no fuzzy entries).
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "survey_app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%|\{[a-z]+\}")


def _read(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def test_english_catalog_is_complete(tmp_path, monkeypatch):
    template = tmp_path / "messages.pot"
    monkeypatch.chdir(ROOT)
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
                                "--no-location", "-o", str(template), "."])
    english, texts = _read(CATALOG), list(_read(template))
    assert len(texts) > 500, "the extraction found too few texts: check babel.cfg"
    problems = []
    for message in texts:
        if not message.id:
            continue
        translated = english.get(message.id)
        if translated is None or translated.fuzzy or not (
                all(translated.string) if isinstance(translated.string, tuple) else translated.string):
            problems.append(f"untranslated: {message.id!r}")
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = translated.string if isinstance(translated.string, tuple) else (translated.string,)
        if {tuple(sorted(PLACEHOLDER.findall(s))) for s in strings} - {tuple(sorted(PLACEHOLDER.findall(i))) for i in ids}:
            problems.append(f"placeholders differ: {message.id!r} -> {translated.string!r}")
    assert not problems, "run `make extract-messages` and translate:\n" + "\n".join(problems[:40])
