"""The methods annex says the rules the report applies (which rounds count, how improvement
is judged), with the figures the code uses."""

from __future__ import annotations

from datetime import datetime

from survey_app.reports.build import IMPROVEMENT_ALPHA, FinalData
from survey_app.reports.document import Paragraph, Section, methods_annex, synoptic_section


def _text(section: Section) -> str:
    parts = [b.text for b in section.blocks if isinstance(b, Paragraph)]
    parts += [_text(child) for child in section.children]
    return " ".join(parts)


def _annex() -> str:
    return _text(methods_annex(FinalData("Ambito Alto Sebino", [], datetime(2026, 12, 4))))


def test_the_annex_states_which_rounds_count():
    text = _annex()
    assert "la prima e l'ultima con risultati" not in text  # the rule the plans issue replaced
    for rule in ("la più recente ex post chiusa", "la prima ex ante chiusa", "stesso gruppo di tessere",
                 "Piano precedente dello stesso Ambito", "le rilevazioni aperte e i follow-up",
                 "la scelta è registrata"):
        assert rule in text, rule


def test_the_annex_states_the_improvement_rule_with_the_codes_threshold():
    text = _annex()
    assert "Indicatori di miglioramento" in text
    assert f"p < {str(IMPROVEMENT_ALPHA).replace('.', ',')}" in text
    assert "più persone migliorano di quante peggiorano" in text


def test_the_synoptic_note_points_to_the_annex():
    note = _text(synoptic_section(FinalData("Ambito Alto Sebino", [], datetime(2026, 12, 4))))
    assert "allegato metodologico" in note and "miglioramento" in note
