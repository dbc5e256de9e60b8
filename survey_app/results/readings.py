"""The analysis package's plain-language readings, in the interface language.

``survey_app.analysis`` is pure pandas and writes its readings of a comparison in Italian
(``survey_app.analysis.wording``): effect size labels ("moderato") and verdicts
("miglioramento significativo, effetto moderato"). The Italian words are the message ids
here, so an Italian page shows them unchanged and another language shows the catalog's
translation. Every phrase ``wording`` can produce is listed below, written out rather than
imported: importing ``survey_app.analysis`` loads pandas, which the web pages must not pay
for. ``tests/results/test_readings.py`` checks that none is missing.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

EFFECT_LABELS = {
    "trascurabile": _l("trascurabile"),
    "piccolo": _l("piccolo"),
    "moderato": _l("moderato"),
    "grande": _l("grande"),
    "non calcolabile": _l("non calcolabile"),
}
VERDICTS = {
    "campione troppo piccolo per concludere": _l("campione troppo piccolo per concludere"),
    "confronto non calcolabile": _l("confronto non calcolabile"),
    "nessuna differenza rilevabile": _l("nessuna differenza rilevabile"),
}
DIRECTIONS = {
    "miglioramento significativo": _l("miglioramento significativo"),
    "peggioramento significativo": _l("peggioramento significativo"),
    "differenza significativa": _l("differenza significativa"),
}
#: as ``wording.SIGNIFICANT_VERDICT``
SIGNIFICANT_VERDICT = "{direction}, effetto {label}"


def effect_label(label: str | None) -> str:
    """Return an effect size label of ``wording`` in the interface language."""
    return str(EFFECT_LABELS[label]) if label in EFFECT_LABELS else (label or "")


def verdict(sentence: str | None) -> str:
    """Return a verdict of ``wording`` in the interface language (unknown text unchanged)."""
    if not sentence:
        return ""
    if sentence in VERDICTS:
        return str(VERDICTS[sentence])
    for direction, translated in DIRECTIONS.items():
        for label in EFFECT_LABELS:
            if sentence == SIGNIFICANT_VERDICT.format(direction=direction, label=label):
                return _("%(direction)s, effetto %(size)s", direction=translated, size=effect_label(label))
    return sentence
