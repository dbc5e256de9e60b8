"""Plain-language Italian for effect sizes and comparison results.

The thresholds live here so that the methods annex and the code cannot drift apart:

* rank-biserial |r| (Romano et al. 2006, as in R ``effsize``): < .147 trascurabile,
  < .33 piccolo, < .474 moderato, otherwise grande;
* standardized mean differences (Hedges' g, d_z) and Cohen's h for proportions
  (Cohen 1988): < .2 trascurabile, < .5 piccolo, < .8 moderato, otherwise grande;
* a comparison with fewer than :data:`MIN_N_TO_CONCLUDE` answers in either round (pairs, for
  paired tests) is "campione troppo piccolo per concludere", whatever its p;
* otherwise significant means the Holm-adjusted p (family: the dimension) is below
  :data:`SIGNIFICANCE`; not significant is "nessuna differenza rilevabile" -- not "no change":
  small samples only detect large effects.
"""

from __future__ import annotations

import math

SIGNIFICANCE = 0.05
MIN_N_TO_CONCLUDE = 10
RANK_BISERIAL_THRESHOLDS = (0.147, 0.33, 0.474)
STANDARDIZED_THRESHOLDS = (0.2, 0.5, 0.8)
EFFECT_LABELS = ("trascurabile", "piccolo", "moderato", "grande")
#: which thresholds each effect size uses
THRESHOLDS_BY_EFFECT = {
    "rank_biserial": RANK_BISERIAL_THRESHOLDS,
    "matched_rank_biserial": RANK_BISERIAL_THRESHOLDS,
    "hedges_g": STANDARDIZED_THRESHOLDS,
    "cohen_dz": STANDARDIZED_THRESHOLDS,
    "cohen_h": STANDARDIZED_THRESHOLDS,
}
TOO_SMALL = "campione troppo piccolo per concludere"
NOT_COMPUTABLE = "confronto non calcolabile"
NO_DIFFERENCE = "nessuna differenza rilevabile"
EFFECT_NOT_COMPUTABLE = "non calcolabile"
IMPROVED = "miglioramento significativo"
WORSENED = "peggioramento significativo"
DIFFERENT = "differenza significativa"
#: how a significant verdict joins its direction and its effect size label
SIGNIFICANT_VERDICT = "{direction}, effetto {label}"


def effect_label(effect_name: str, effect: float) -> str:
    """Return the Italian size label of an effect (``non calcolabile`` when it is ``NaN``)."""
    if effect is None or math.isnan(effect):
        return EFFECT_NOT_COMPUTABLE
    thresholds = THRESHOLDS_BY_EFFECT[effect_name]
    size = sum(abs(effect) >= t for t in thresholds)
    return EFFECT_LABELS[size]


def verdict(p_adjusted: float, effect: float, label: str, smallest_n: int) -> str:
    """Return the plain-language reading of one comparison.

    e.g. "miglioramento significativo, effetto moderato", "nessuna differenza rilevabile",
    "campione troppo piccolo per concludere".
    """
    if smallest_n < MIN_N_TO_CONCLUDE:
        return TOO_SMALL
    if p_adjusted is None or math.isnan(p_adjusted):
        return NOT_COMPUTABLE
    if p_adjusted >= SIGNIFICANCE:
        return NO_DIFFERENCE
    if effect > 0:
        direction = IMPROVED
    elif effect < 0:
        direction = WORSENED
    else:
        direction = DIFFERENT
    return SIGNIFICANT_VERDICT.format(direction=direction, label=label)
