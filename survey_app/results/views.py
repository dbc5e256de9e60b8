"""Evaluator pages: results of a round, of a questionnaire's rounds, comparisons, downloads.

Thin views: the numbers come from stored payloads (:mod:`survey_app.results.snapshots`),
already suppressed (:mod:`survey_app.results.compute`); the views only pick the job, turn
payloads into charts and render. Every view needs ``results.view`` (evaluators and admins)
and checks the round's Ambito (404 otherwise). Downloads are written to the audit log and
sent with ``Cache-Control: no-store``.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app import audit
from survey_app.accounts.permissions import permission_required, round_in_scope, scoped_ambito_id
from survey_app.db import get_session
from survey_app.forms.questionnaire import ROLE_LABELS
from survey_app.models import Round
from survey_app.plans.queries import measure_texts
from survey_app.questionnaires.definition import Questionnaire, localized
from survey_app.questionnaires.operations import latest_version
from survey_app.results import charts, downloads, readings, snapshots
from survey_app.results.queries import comuni_of, data_counts, rounds_in_scope
from survey_app.results.snapshots import Job
from survey_app.rounds.forms import CHANNEL_LABELS, KIND_LABELS

bp = Blueprint("results", __name__, url_prefix="/risultati")

BREAKDOWN_TITLES = {"comune": _l("Per Comune"), "service": _l("Per servizio"),
                    "role": _l("Per chi risponde"), "point": _l("Per punto di distribuzione")}
LEVEL_LABELS = {"item": _l("domanda"), "dimension": _l("dimensione"), "indicator": _l("indicatore")}
STATISTIC_LABELS = {"top_box_share": _l("quota di risposte favorevoli"),
                    "mean_score": _l("punteggio medio 0-100"),
                    "improved_share": _l("quota di persone che migliorano")}
DOWNLOAD_LINKS = (
    ("results.download_csv", _l("una riga per ogni risposta a una domanda (formato lungo), "
                                "separatore «;», si apre con Excel")),
    ("results.download_csv_wide", _l("una riga per questionario e una colonna per domanda, "
                                     "separatore «;», si apre con Excel")),
    ("results.download_csv_comma", _l("come il precedente, separatore «,» e senza BOM: per R, "
                                      "Python o l'importazione in SPSS")),
    ("results.download_xlsx", _l("cartella Excel: dati, codebook, statistiche delle domande, "
                                 "delle dimensioni e degli indicatori")),
    ("results.download_sav", _l("file SPSS con etichette delle variabili e dei valori; «non so» "
                                "= 99, mancante definito dall'utente")),
    ("results.download_codebook", _l("nome, etichetta, tipo e valori di ogni variabile")),
)
DESIGN_LABELS = {"independent": _l("Tutte le risposte delle due rilevazioni (gruppi indipendenti)"),
                 "paired": _l("Persone con tessera presenti in entrambe (dati appaiati)")}


def _language() -> str:
    return str(get_locale())


def number(value, digits: int = 1) -> str:
    """Format a number in the page's locale (``3,5`` in Italian); ``–`` when missing."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern)


def percent(share, digits: int = 0) -> str:
    """Format a 0-1 share as a percentage."""
    return "–" if share is None else number(share * 100, digits) + "%"


def p_value(p) -> str:
    """Format a p-value: three decimals, ``< 0,001`` below that."""
    if p is None:
        return "–"
    return "< " + number(0.001, 3) if p < 0.001 else number(p, 3)


@bp.context_processor
def helpers():
    return {"number": number, "percent": percent, "p_value": p_value,
            "respondent_roles": ROLE_LABELS, "channel_labels": CHANNEL_LABELS,
            "breakdown_titles": BREAKDOWN_TITLES, "level_labels": LEVEL_LABELS,
            "statistic_labels": STATISTIC_LABELS, "design_labels": DESIGN_LABELS,
            "download_links": DOWNLOAD_LINKS,
            "download_files": {endpoint: name for endpoint, (name, _fmt) in ROUND_DOWNLOADS.items()},
            "language": _language(), "here": here, "effect_reading": readings.effect_label,
            "verdict_reading": readings.verdict}


def here(retry: bool = False) -> str:
    """Return the current page's URL (with ``riprova=1`` to retry a failed computation)."""
    args = {k: v for k, v in request.args.items() if k != "riprova"}
    if retry:
        args["riprova"] = "1"
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def _result(job: Job) -> snapshots.Result:
    return snapshots.result_for(
        get_session(), job,
        inline_max_responses=current_app.config.get("RESULTS_INLINE_MAX_RESPONSES",
                                                    snapshots.DEFAULT_INLINE_MAX_RESPONSES),
        retry=request.args.get("riprova") == "1")


def _ambito_id() -> int | None:
    return scoped_ambito_id()


# --- index -------------------------------------------------------------------------------------

@bp.get("/")
@permission_required("results.view")
def index():
    """Questionnaires and their rounds in the user's Ambito, with response counts."""
    rounds = rounds_in_scope(get_session(), _ambito_id())
    counts = data_counts(get_session(), [r.id for r in rounds])
    groups: dict[str, list[Round]] = {}
    for round_ in rounds:
        groups.setdefault(round_.questionnaire_version.questionnaire_id, []).append(round_)
    return render_template("results/index.html", groups=groups,
                           counts={i: c for i, (c, _largest) in counts.items()})


# --- one round ---------------------------------------------------------------------------------

@bp.get("/rilevazioni/<int:round_id>")
@permission_required("results.view")
def round_results(round_id: int):
    """A round's results: items, dimensions, indicators, breakdowns; one filter at a time."""
    round_ = round_in_scope(round_id)
    questionnaire = round_.questionnaire_version.questionnaire
    comuni = {c.code: c.name for c in comuni_of(get_session(), round_.ambito_id)}
    comune_code = request.args.get("comune") or None
    service = request.args.get("servizio") or None
    if comune_code and service:
        result = _result(Job.round(round_id))
        context = _round_context(round_, questionnaire, result, comuni, comune_code, service)
        context["filter_error"] = _("Si può usare un filtro alla volta: il Comune oppure il servizio.")
        return render_template("results/round.html", **context)
    services = {o["id"] for o in (questionnaire.context_question("service") or {"options": []})
                ["options"]}
    if (comune_code and comune_code not in comuni) or (service and service not in services):
        # an unknown value selects nobody: the same answer as a group too small to show
        result = _result(Job.round(round_id))
        result = snapshots.Result(result.state, {
            "status": "suppressed", "reason": "filter", "n": None,
            "filter": {"column": "comune" if comune_code else "service", "value": None},
            "filter_options": (result.payload or {}).get("filter_options", {})})
    elif comune_code:
        result = _result(Job.round(round_id, "comune", comuni[comune_code]))
    elif service:
        result = _result(Job.round(round_id, "service", service))
    else:
        result = _result(Job.round(round_id))
    return render_template("results/round.html", **_round_context(
        round_, questionnaire, result, comuni, comune_code, service))


def _round_context(round_: Round, questionnaire: Questionnaire, result: snapshots.Result,
                   comuni: dict[str, str], comune_code: str | None, service: str | None) -> dict:
    payload = result.payload or {}
    language = _language()
    options = payload.get("filter_options") or {}
    names_to_codes = {name: code for code, name in comuni.items()}
    comune_options = [(names_to_codes[name], name) for name in options.get("comune", [])
                      if name in names_to_codes]
    service_options = [(sid, questionnaire.service_label(sid, language))
                       for sid in options.get("service", [])]
    items = {item.id: item for item in questionnaire.items}
    return {
        "round": round_, "questionnaire": questionnaire, "result": result, "payload": payload,
        "items": items, "dimension_titles": questionnaire.dimension_titles(language),
        "indicator_texts": _indicator_texts(round_),
        "comune_options": comune_options, "service_options": service_options,
        "selected_comune": comune_code, "selected_service": service,
        "filter_label": _filter_label(payload, questionnaire, language),
        "item_charts": _item_charts(payload, questionnaire, language),
        "largest_scale": max((item.scale.points for item in questionnaire.items), default=5),
        "filter_error": None,
    }


def _indicator_texts(round_: Round) -> dict[str, str]:
    """The texts of the indicators the round's questionnaire measures, in the round's plan."""
    return measure_texts(get_session(), round_.plan_id, round_.questionnaire_version.questionnaire_id)


def _rounds_indicator_texts(rounds: list[Round]) -> dict[str, str]:
    """Indicator texts for rounds of several plans: the latest round's plan first."""
    texts: dict[str, str] = {}
    for plan_id in dict.fromkeys(r.plan_id for r in reversed(rounds)):
        for measure, text in measure_texts(get_session(), plan_id,
                                           rounds[0].questionnaire_version.questionnaire_id).items():
            texts.setdefault(measure, text)
    return texts


def _home_objective_title(version, rounds: list[Round]) -> str | None:
    """The title of the questionnaire's home objective in the latest round's plan, if it has it."""
    from survey_app.models import Objective

    for plan_id in dict.fromkeys(r.plan_id for r in reversed(rounds)):
        objective = get_session().get(Objective, (plan_id, version.objective_id))
        if objective is not None:
            return objective.title
    return None


def _filter_label(payload: dict, questionnaire: Questionnaire, language: str) -> str | None:
    selected = payload.get("filter")
    if not selected:
        return None
    if selected["column"] == "service":
        if selected["value"] is None:
            return _("Servizio: %(name)s", name="–")
        return _("Servizio: %(name)s", name=questionnaire.service_label(selected["value"], language))
    return _("Comune: %(name)s", name=selected["value"] or "–")


def _item_charts(payload: dict, questionnaire: Questionnaire, language: str) -> list[dict]:
    """Return one diverging bar chart per dimension (and per scale within it)."""
    if payload.get("status") != "ok":
        return []
    rows_by_item = {row["item_id"]: row for row in payload["items"]}
    charts_out = []
    for d, dimension in enumerate(questionnaire.dimensions):
        items = [i for i in questionnaire.items if i.dimension_id == dimension["id"]]
        for s, scale_id in enumerate(dict.fromkeys(i.scale.id for i in items)):
            scale_items = [i for i in items if i.scale.id == scale_id]
            scale = scale_items[0].scale
            title = localized(dimension["title"], language)
            rows = [charts.BarRow(localized(item.text, language)
                                  + (" " + _("(invertita)") if item.reverse else ""),
                                  rows_by_item[item.id]["pct"])
                    for item in scale_items if item.id in rows_by_item]
            description = _("Barre divergenti: per ogni domanda la percentuale di ciascuna "
                            "risposta; a sinistra del centro le risposte sfavorevoli, a destra "
                            "quelle favorevoli. Gli stessi numeri sono nella tabella delle domande.")
            charts_out.append({"title": title, "svg": charts.diverging_bars(
                f"chart-d{d}-{s}", rows, [localized(label, language) for label in scale.labels],
                title=_("Distribuzione delle risposte: %(title)s", title=title),
                description=description, suppressed_text=_("n<5"))})
    return charts_out


# --- all rounds of a questionnaire -----------------------------------------------------------

@bp.get("/questionari/<questionnaire_id>")
@permission_required("results.view")
def questionnaire_results(questionnaire_id: str):
    """Every round of one questionnaire side by side: respondents, dimensions, indicators."""
    session = get_session()
    version = latest_version(session, questionnaire_id)
    if version is None:
        abort(404)
    rounds = rounds_in_scope(session, _ambito_id(), questionnaire_id)
    questionnaire = version.questionnaire
    language = _language()
    result = _result(Job.questionnaire(questionnaire_id, [r.id for r in rounds], _ambito_id())) \
        if rounds else None
    payload = (result.payload if result else None) or {}
    by_round = {entry["round_id"]: entry for entry in payload.get("rounds", [])}
    indicator_charts = []
    if rounds:
        for m, measure in enumerate(questionnaire.measures):
            indicator_charts.append(_indicator_chart(m, measure, rounds, by_round, language))
    plan, designated = _plan_designations(questionnaire_id)
    return render_template(
        "results/questionnaire.html", version=version, questionnaire=questionnaire,
        rounds=rounds, result=result, by_round=by_round, plan=plan, designated=designated,
        dimension_titles=questionnaire.dimension_titles(language),
        indicator_texts=_rounds_indicator_texts(rounds) if rounds else {},
        objective_title=_home_objective_title(version, rounds),
        indicator_charts=indicator_charts)


def _plan_designations(questionnaire_id: str):
    """The current plan of the user's Ambito and the designated rounds of its indicators that
    *questionnaire_id* measures (``None, []`` without a plan)."""
    from survey_app.accounts.permissions import current_ambito
    from survey_app.plans.context import NoPlan, current_plan
    from survey_app.plans.queries import designated_rounds

    try:
        plan = current_plan(current_ambito())
    except NoPlan:
        return None, []
    rows = designated_rounds(get_session(), plan)
    return plan, [row for row in rows.values() if questionnaire_id in row.questionnaire_ids]


def _indicator_chart(m: int, measure: dict, rounds: list[Round], by_round: dict,
                     language: str) -> dict:
    share = measure["statistic"] != "mean_score"
    rows = []
    for round_ in rounds:
        row = (by_round.get(round_.id) or {}).get("indicators", {}).get(measure["indicator"])
        dot = charts.Dot(0, None)
        if row and not row["suppressed"] and row["value"] is not None:
            dot = charts.Dot(0, row["value"], row["low"], row["high"])
        rows.append(charts.DotRow(f"{round_.display_label} ({round_.id})", [dot]))
    target = measure.get("target")
    svg = charts.dot_plot(
        f"chart-i{m}", rows, [_("Valore con intervallo di confidenza al 95%")],
        title=_("Indicatore %(id)s per rilevazione", id=measure["indicator"]),
        description=_("Un punto per rilevazione con il suo intervallo; la linea tratteggiata "
                      "è l'obiettivo. Gli stessi numeri sono nella tabella degli indicatori."),
        axis_max=1 if share else 100, percent=share,
        target=target["value"] if target else None,
        target_label=localized(target.get("label"), language) if target else "",
        suppressed_text=_("n<5 o non calcolabile"))
    return {"indicator": measure["indicator"], "svg": svg}


# --- comparison ------------------------------------------------------------------------------

def _round_arg(name: str) -> Round | None:
    value = request.args.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        abort(400)
    return round_in_scope(int(value))


@bp.get("/confronto")
@permission_required("results.view")
def comparison():
    """Pick two rounds of one questionnaire and compare them (independent and paired)."""
    session = get_session()
    rounds = rounds_in_scope(session, _ambito_id())
    before, after = _round_arg("prima"), _round_arg("dopo")
    context = {"rounds": rounds, "before": before, "after": after, "result": None,
               "error": None, "payload": {}}
    if before and after:
        error = _comparison_error(before, after)
        if error:
            context["error"] = error
        else:
            result = _result(Job.comparison(before.id, after.id))
            context |= _comparison_context(before, after, result)
    elif (before or after) and "prima" in request.args and "dopo" in request.args:
        context["error"] = _("Scegli entrambe le rilevazioni.")
    return render_template("results/comparison.html", **context)


def _comparison_error(before: Round, after: Round) -> str | None:
    if before.id == after.id:
        return _("Scegli due rilevazioni diverse.")
    if (before.questionnaire_version.questionnaire_id
            != after.questionnaire_version.questionnaire_id):
        return _("Si possono confrontare solo due rilevazioni dello stesso questionario.")
    return None


def _comparison_context(before: Round, after: Round, result: snapshots.Result) -> dict:
    language = _language()
    questionnaire = after.questionnaire_version.questionnaire
    payload = result.payload or {}
    labels = _target_labels(questionnaire, before.questionnaire_version.questionnaire, language)
    chart = None
    if payload.get("status") == "ok":
        rows = []
        for row in payload["intervals"]:
            dots = [charts.Dot(i, (row[when] or {}).get("score"), (row[when] or {}).get("low"),
                               (row[when] or {}).get("high"))
                    for i, when in enumerate(("before", "after"))]
            prefix = "" if row["level"] == "item" else _("Dimensione") + ": "
            rows.append(charts.DotRow(prefix + labels.get(row["target_id"], row["target_id"]),
                                      dots))
        chart = charts.dot_plot(
            "chart-compare", rows,
            [_("Prima: %(kind)s (%(id)d)", kind=_short_kind(before), id=before.id),
             _("Dopo: %(kind)s (%(id)d)", kind=_short_kind(after), id=after.id)],
            title=_("Punteggi 0-100 prima e dopo, con intervalli al 95%"),
            description=_("Per ogni domanda e dimensione due punti: il cerchio vuoto è la "
                          "prima rilevazione, il pieno la seconda; le linee sono gli intervalli "
                          "di confidenza al 95%. Gli stessi numeri sono nella tabella sotto."),
            suppressed_text=_("n<5"))
    return {"result": result, "payload": payload, "labels": labels, "chart": chart,
            "questionnaire": questionnaire,
            "indicator_texts": _indicator_texts(after),
            "dimension_titles": questionnaire.dimension_titles(language)}


def _short_kind(round_: Round) -> str:
    """Return "In itinere" for "In itinere (a metà percorso)"."""
    return str(KIND_LABELS[round_.kind]).split(" (")[0]


def _target_labels(questionnaire: Questionnaire, before: Questionnaire, language: str) -> dict:
    labels = {item.id: localized(item.text, language) for item in before.items}
    labels |= before.dimension_titles(language)
    labels |= {item.id: localized(item.text, language) for item in questionnaire.items}
    labels |= questionnaire.dimension_titles(language)
    return labels


# --- downloads -------------------------------------------------------------------------------

#: endpoint -> (URL file name, format name)
ROUND_DOWNLOADS = {
    "download_csv": ("risposte.csv", "csv"),
    "download_csv_wide": ("risposte-per-questionario.csv", "csv-wide"),
    "download_csv_comma": ("risposte-virgola.csv", "csv-comma"),
    "download_xlsx": ("risultati.xlsx", "xlsx"),
    "download_sav": ("risposte.sav", "sav"),
    "download_codebook": ("codebook.csv", "codebook"),
}


@permission_required("results.view")
def download(round_id: int):
    """A round's data in the format of the endpoint (see :data:`ROUND_DOWNLOADS`)."""
    round_ = round_in_scope(round_id)
    fmt = downloads.FORMATS[ROUND_DOWNLOADS[request.endpoint.split(".", 1)[1]][1]]
    statistics = None
    if fmt.name == "xlsx":
        result = _result(Job.round(round_id))
        if not result.ready:
            return _not_ready(result, round_)
        statistics = [(round_, result.payload)]
    return _send(fmt, [round_], statistics=statistics)


for _endpoint, (_file, _format) in ROUND_DOWNLOADS.items():
    bp.add_url_rule(f"/rilevazioni/<int:round_id>/{_file}", endpoint=_endpoint,
                    view_func=download, methods=["GET"])


@bp.get("/confronto.xlsx")
@permission_required("results.view")
def comparison_download():
    """Both rounds' data, codebook, statistics and the comparison tests, as one XLSX."""
    before, after = _round_arg("prima"), _round_arg("dopo")
    if not before or not after or _comparison_error(before, after):
        abort(400)
    results = [_result(Job.round(before.id)), _result(Job.round(after.id)),
               _result(Job.comparison(before.id, after.id))]
    waiting = next((r for r in results if not r.ready), None)
    if waiting is not None:
        return _not_ready(waiting, after)
    return _send(downloads.FORMATS["xlsx"], [before, after],
                 statistics=[(before, results[0].payload), (after, results[1].payload)],
                 comparison=results[2].payload)


def _not_ready(result: snapshots.Result, round_: Round):
    """Answer a download whose statistics are still being computed (409, with a page)."""
    return render_template("results/not_ready.html", result=result, round=round_), 409


def _send(fmt: downloads.Format, rounds: list[Round], **sheets) -> Response:
    session = get_session()
    ids = [r.id for r in rounds]
    data = downloads.dataset(session, ids)
    content = downloads.body(fmt, data, **sheets)
    name = downloads.filename(ids, fmt)
    detail = {"format": fmt.name, "responses": len(data.responses), "filename": name}
    if len(rounds) == 2:
        detail["compared_with"] = rounds[0].id
    audit.record(session, current_user, fmt.action, rounds[-1], **detail)
    session.commit()
    # CSV files stream from the frames already in memory: no request context or database needed
    return Response(content, mimetype=fmt.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    })
