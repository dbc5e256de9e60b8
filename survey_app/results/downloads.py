"""The downloads of a round (or of two compared rounds), shared by the web views and the CLI.

Raw downloads (CSV long and wide, the ``dati`` sheet, SPSS) are **not** suppressed: they are
the evaluators' working data, for their own statistical analysis, and the pages say so. The
statistics sheets of the XLSX are built from the same published payloads as the pages
(:mod:`survey_app.results.compute`), so they are suppressed exactly like the pages.
Free comments appear only in raw downloads (neutralised in CSV and XLSX).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session, object_session

from survey_app.models import Round
from survey_app.plans.queries import measure_texts
from survey_app.questionnaires.definition import Questionnaire
from survey_app.results.queries import comuni_of, context_codes, load_rounds

if TYPE_CHECKING:  # the writers import pandas, openpyxl and pyreadstat: loaded when used
    from survey_app.exports.dataset import ContextLabels, Dataset
    from survey_app.exports.xlsx import Sheet


@dataclass(frozen=True)
class Format:
    """A download format: CLI name, file name suffix, MIME type, audit action."""

    name: str
    suffix: str
    mimetype: str
    action: str
    description: str


#: Flask adds "; charset=utf-8" to a text/* mimetype itself (it was declared twice)
TEXT_CSV = "text/csv"

FORMATS = {f.name: f for f in (
    Format("csv", "risposte.csv", TEXT_CSV, "export.csv",
           "una riga per risposta a ogni domanda (formato lungo), separatore ';', per Excel"),
    Format("csv-wide", "risposte-per-questionario.csv", TEXT_CSV, "export.csv",
           "una riga per questionario, una colonna per domanda, separatore ';', per Excel"),
    Format("csv-comma", "risposte-virgola.csv", TEXT_CSV, "export.csv",
           "come il precedente, separatore ',' senza BOM, per R, Python, SPSS"),
    Format("xlsx", "risultati.xlsx",
           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "export.xlsx",
           "dati, codebook e statistiche (con la regola dei piccoli numeri)"),
    Format("sav", "risposte.sav", "application/x-spss-sav", "export.sav",
           "SPSS, con etichette di variabili e valori; «non so» = 99 mancante"),
    Format("codebook", "codebook.csv", TEXT_CSV, "export.codebook",
           "nome, etichetta, tipo e valori di ogni variabile"),
)}

def context_labels(session: Session, round_: Round, questionnaire: Questionnaire) -> ContextLabels:
    """Return the Italian labels of the coded columns of *round_*'s data."""
    from survey_app.exports.dataset import ContextLabels
    from survey_app.forms.questionnaire import ROLE_LABELS
    from survey_app.rounds.forms import CHANNEL_LABELS

    service = questionnaire.context_question("service") or {"options": []}
    with force_locale("it"):
        roles = {code: str(ROLE_LABELS[code]) for code in context_codes()["role"]}
        # the operators' own words for each channel, so the codebook and the pages agree
        channels = {code: str(CHANNEL_LABELS[code]) if code in CHANNEL_LABELS else code
                    for code in context_codes()["channel"]}
    return ContextLabels(
        comuni=tuple(c.name for c in comuni_of(session, round_.ambito_id)),
        services={o["id"]: o["label"]["it"] for o in service["options"]},
        roles=roles,
        channels=channels,
    )


def dataset(session: Session, round_ids: list[int]) -> Dataset:
    """Load the raw responses (comments included) of *round_ids*; the last round's version first."""
    from survey_app.exports.dataset import Dataset, pseudonymised

    loaded = load_rounds(session, round_ids, comments=True, set_aside="mark")  # raw: kept, marked
    latest = loaded.rounds[-1]
    versions = []
    for round_ in reversed(loaded.rounds):
        questionnaire = loaded.questionnaire(round_.id)
        if all(v.version != questionnaire.version for v in versions):
            versions.append(questionnaire)
    title = " / ".join(f"{r.display_label} ({r.id})" for r in loaded.rounds)
    return pseudonymised(Dataset(loaded.responses, loaded.answers, tuple(versions),
                                 context_labels(session, latest, versions[0]), title),
                         export_key())


def export_key() -> bytes:
    """Return the key of the downloads' pseudonymous ids, derived from ``SECRET_KEY``.

    The same in every download while ``SECRET_KEY`` stays the same (rotating it changes the
    ids of later downloads, not the data).
    """
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"survey_app export ids", hashlib.sha256).digest()


def filename(round_ids: list[int], fmt: Format) -> str:
    """Return the download's file name, e.g. ``rilevazione-12-risposte.csv``."""
    if len(round_ids) == 2:
        return f"confronto-{round_ids[0]}-{round_ids[1]}-{fmt.suffix}"
    return f"rilevazione-{round_ids[0]}-{fmt.suffix}"


def body(fmt: Format, data: Dataset, *, statistics: list[tuple[Round, dict]] | None = None,
         comparison: dict | None = None) -> Iterable[bytes] | bytes:
    """Return the file: bytes, or an iterator of byte chunks for the CSV files.

    :param statistics: for XLSX, each round with its published round payload.
    :param comparison: for XLSX of two rounds, the published comparison payload.
    """
    from survey_app.exports import csvfiles
    from survey_app.exports.sav import sav_bytes
    from survey_app.exports.xlsx import codebook_sheet, data_sheet, workbook

    if fmt.name == "csv":
        return csvfiles.iter_long_csv(data, csvfiles.EXCEL_IT)
    if fmt.name == "csv-wide":
        return csvfiles.iter_wide_csv(data, csvfiles.EXCEL_IT)
    if fmt.name == "csv-comma":
        return csvfiles.iter_wide_csv(data, csvfiles.PLAIN)
    if fmt.name == "codebook":
        return csvfiles.codebook_csv(data, csvfiles.EXCEL_IT)
    if fmt.name == "sav":
        return sav_bytes(data)
    if fmt.name == "xlsx":
        sheets = [data_sheet(data), codebook_sheet(data)]
        sheets += statistics_sheets(statistics or [], data.questionnaires[0])
        if comparison is not None:
            sheets.append(comparison_sheet(comparison, data.questionnaires[0]))
        return workbook(sheets)
    raise ValueError(f"unknown format {fmt.name!r}")


# --- statistics sheets, from published payloads ------------------------------------------------

SUPPRESSED = "n<5"
NO_VALID_ANSWER = "nessuna risposta valida"


#: how the statistics sheets show fractional numbers (cells keep every digit for recomputation)
STATISTIC_FORMATS = {
    **{title: "0.0" for title in ("media", "punteggio 0-100", "punteggio prima", "punteggio dopo",
                                  "mediana", "valore", "obiettivo")},
    **{f"% {v}": "0.0" for v in range(1, 12)},
    **{title: "0.0000" for title in ("p", "p Holm", "p BH")},
}
STATISTIC_LABELS = {"top_box_share": "quota di risposte favorevoli",
                    "mean_score": "punteggio medio 0-100",
                    "improved_share": "quota di persone che migliorano"}
LEVEL_LABELS = {"item": "domanda", "dimension": "dimensione", "indicator": "indicatore"}
DESIGN_LABELS = {"independent": "gruppi indipendenti", "paired": "appaiati (tessera)"}
TEST_LABELS = {"mann_whitney": "Mann-Whitney", "welch_t": "t di Welch",
               "wilcoxon_pratt": "Wilcoxon (Pratt)", "paired_t": "t appaiato",
               "mcnemar": "McNemar"}


def _flag(row: dict) -> str:
    if row.get("suppressed"):
        return NO_VALID_ANSWER if row.get("n") == 0 else SUPPRESSED
    return "indicativo" if row.get("indicative") else ""


def _round_note(round_: Round, payload: dict) -> str | None:
    if payload.get("status") == "suppressed":
        return f"rilevazione {round_.id}: meno di 5 rispondenti, nessun risultato pubblicabile"
    if payload.get("status") == "empty":
        return f"rilevazione {round_.id}: nessuna risposta"
    return None


def statistics_sheets(statistics: list[tuple[Round, dict]], questionnaire: Questionnaire) -> list[Sheet]:
    """Return the sheets statistiche_item, statistiche_dimensioni and indicatori."""
    from survey_app.exports.xlsx import Sheet

    largest = max((item.scale.points for item in questionnaire.items), default=5)
    titles = questionnaire.dimension_titles()
    item_header = (["rilevazione", "domanda", "dimensione", "nome dimensione", "testo", "invertita", "n", "mancanti", "non so",
                    "senza risposta"]
                   + [f"% {v}" for v in range(1, largest + 1)]
                   + ["mediana", "media", "deviazione standard", "punteggio 0-100",
                      "quota favorevole", "IC 95% inf", "IC 95% sup", "nota"])
    items, dimensions, indicators = [], [], []
    for round_, payload in statistics:
        note = _round_note(round_, payload)
        if note:
            items.append([round_.id, None, None, note])
            dimensions.append([round_.id, None, None, note])
            continue
        texts = {i.id: i.text.get("it", i.id) for i in questionnaire.items}
        for row in payload["items"]:
            pct = (row["pct"] or []) + [None] * (largest - len(row["pct"] or []))
            items.append([round_.id, row["item_id"], row["dimension_id"],
                          titles.get(row["dimension_id"], row["dimension_id"]), texts.get(row["item_id"], row["item_id"]), "sì" if row["reverse"] else "",
                          row["n"], row["missing"], row["dont_know"], row["not_answered"], *pct, row["median"], row["mean"], row["sd"],
                          row["score"], row["top_box_share"], row["top_box_low"],
                          row["top_box_high"], _flag(row)])
        for row in payload["dimensions"]:
            dimensions.append([round_.id, row["dimension_id"],
                               titles.get(row["dimension_id"], row["dimension_id"]),
                               row["n_items"], row["n"],
                               row["excluded"], row["score"], row["score_low"], row["score_high"],
                               row["score_sd"], row["top_box_share"], row["alpha"],
                               row["alpha_low"], row["alpha_high"], row["n_used"],
                               _flag(row), row["note"]])
        indicator_texts = measure_texts(object_session(round_), round_.plan_id, round_.questionnaire_version.questionnaire_id)
        for row in payload["indicators"]:
            indicators.append([round_.id, row["indicator"],
                               indicator_texts.get(row["indicator"], row["indicator"]),
                               row["statistic"],
                               STATISTIC_LABELS.get(row["statistic"], row["statistic"]), row["n"],
                               row["value"], row["low"], row["high"], row["target_operator"],
                               row["target_value"], _yes_no(row["target_met"]),
                               _yes_no(row["target_met_with_confidence"]), _flag(row),
                               row["note"]])
    return [
        Sheet("statistiche_item", item_header, items, formats=STATISTIC_FORMATS),
        Sheet("statistiche_dimensioni",
              ["rilevazione", "dimensione", "nome dimensione", "domande", "n", "esclusi (meno dell'80% di risposte)",
               "punteggio 0-100", "IC 95% inf", "IC 95% sup", "deviazione standard",
               "quota favorevole", "alfa di Cronbach", "alfa IC 95% inf", "alfa IC 95% sup",
               "n per alfa", "nota", "affidabilità"], dimensions, formats=STATISTIC_FORMATS),
        Sheet("indicatori",
              ["rilevazione", "indicatore", "testo indicatore", "statistica", "nome statistica",
               "n", "valore", "IC 95% inf", "IC 95% sup", "operatore", "obiettivo", "raggiunto",
               "raggiunto con tutto l'IC", "nota", "spiegazione"], indicators,
              formats=STATISTIC_FORMATS),
    ]


def _yes_no(value) -> str | None:
    return None if value is None else ("sì" if value else "no")


def comparison_sheet(payload: dict, questionnaire: Questionnaire | None = None) -> Sheet:
    """Return the sheet confronti: every test of the comparison (suppressed rows marked).

    Level, design and test are written as Italian labels; the compared item, dimension or
    indicator as its code (``voce``) and its text (``nome``).
    """
    from survey_app.exports.xlsx import Sheet

    names = {}
    if questionnaire is not None:
        names |= {i.id: i.text.get("it", i.id) for i in questionnaire.items}
        names |= questionnaire.dimension_titles()
    header = ["livello", "voce", "nome", "famiglia", "disegno", "test", "codice test", "n prima", "n dopo",
              "punteggio prima", "punteggio dopo", "quota favorevole prima",
              "quota favorevole dopo", "variazione quota", "IC 95% inf", "IC 95% sup",
              "migliorati", "stabili", "peggiorati", "statistica", "p", "p Holm", "p BH",
              "effetto", "misura dell'effetto", "IC 95% inf", "IC 95% sup", "entità",
              "lettura", "nota"]
    rows = []
    if payload.get("status") != "ok":
        reasons = "; ".join(payload.get("reasons", [])) or "meno di 5 rispondenti"
        rows.append([None] * (len(header) - 1) + [f"confronto non disponibile: {reasons}"])
        return Sheet("confronti", header, rows, formats=STATISTIC_FORMATS)
    for row in payload["tests"]:
        rows.append([LEVEL_LABELS.get(row["level"], row["level"]), row["target_id"],
                     names.get(row["target_id"], row["target_id"]), row["family"],
                     DESIGN_LABELS.get(row["design"], row["design"]),
                     TEST_LABELS.get(row["test"], row["test"]), row["test"],
                     row["n_before"], row["n_after"], row["score_before"], row["score_after"],
                     row["top_box_before"], row["top_box_after"], row["top_box_change"],
                     row["top_box_change_low"], row["top_box_change_high"], row["n_improved"],
                     row["n_same"], row["n_worsened"], row["statistic"], row["p_value"],
                     row["p_holm"], row["p_bh"], row["effect"], row["effect_name"],
                     row["effect_low"], row["effect_high"], row["effect_label"],
                     row["sentence"], SUPPRESSED if row["suppressed"] else ""])
    return Sheet("confronti", header, rows, formats=STATISTIC_FORMATS)
