"""axe-core on every page of the site, at WCAG 2.1 A and AA: zero violations.

Every HTML page of ``app.url_map`` is visited (public, respondent, operator, evaluator and
admin pages, printable documents, results reports), in some states too: a form with errors,
a failed login, the Arabic questionnaire, error pages. ``test_every_html_page_is_checked``
fails when a new page is added without an entry here.

axe is injected by the test, so these contexts bypass the app's Content-Security-Policy
(``bypass_csp=True``); every other browser test runs under the real policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from .helpers import EMAILS, axe_violations, describe_violations
from .site import INDICATOR_WITH_VALUES, SiteData


@dataclass(frozen=True)
class Page:
    name: str
    endpoint: str
    role: str | None  # None: anonymous
    path: Callable[[SiteData], str]
    locale: str = "it-IT"
    #: what to do on the page before checking it (fill a form with errors...)
    act: Callable | None = None
    #: the HTTP status the page answers with (error pages are checked too)
    status: int = 200


def _submit_empty(page, site):
    page.get_by_role("button", name="Invia le risposte").click()
    page.locator("#notice").wait_for()


def _wrong_password(page, site):
    page.get_by_label("E-mail").fill(EMAILS["operator"])
    page.get_by_label("Password", exact=True).fill("not the password at all")
    page.get_by_role("button", name="Accedi").click()
    page.locator(".field-error, .notice.error").first.wait_for()


def _submit_invalid(button: str):
    def act(page, site):
        page.get_by_role("button", name=button).click()
        page.locator(".field-error, .notice.error").first.wait_for()
    return act


def _session_details_invalid(page, site):
    """The session's details sent back without a title."""
    page.locator("#title").fill("")
    _submit_invalid("Salva i dati dell'incontro")(page, site)


def _theme_edit_invalid(page, site):
    """A theme's edit form unfolded and sent without a name."""
    editor = page.locator("details", has=page.get_by_text("Modifica o elimina il tema «Tempi di attesa»"))
    editor.locator("summary").click()
    editor.get_by_label("Nome del tema").fill("")
    _submit_invalid("Salva il tema «Tempi di attesa»")(page, site)


def _judgement_against_the_data(page, site):
    """A judgement other than the data's reading, without reasons: refused with the error shown."""
    objective = page.locator("#obiettivo")
    suggested = objective.locator(".box strong").inner_text()
    objective.get_by_label("Raggiunto" if suggested != "Raggiunto" else "Non raggiunto", exact=True).check()
    objective.get_by_label("Ragioni").fill("")
    _submit_invalid("Salva il giudizio dell'obiettivo")(page, site)


def _send_feedback(page, site):
    page.get_by_label("Che cosa non funziona?").fill("Il testo del manifesto è troppo piccolo.")
    page.get_by_role("button", name="Invia la segnalazione").click()
    page.get_by_role("heading", name="Grazie della segnalazione").wait_for()


def _conflict(page, site):
    """Submit once in the background, then again from the page with a different answer."""
    fields = page.evaluate("""() => Object.fromEntries(new FormData(document.querySelector('form[data-draft-key]')))""")
    names = page.evaluate("""() => [...new Set([...document.querySelectorAll('input[type=radio][name^=q_]')]
                                                .map(e => e.name))]""")
    data = {**fields, **{name: "4" for name in names}}
    response = page.request.post(page.url, form=data, max_redirects=0)
    assert response.status == 303, response.status
    for name in names:
        page.locator(f"input[name={name}][value='4']").check(force=True)
    page.locator(f"input[name={names[0]}][value='2']").check(force=True)
    page.evaluate("() => document.querySelector('form[data-draft-key]').requestSubmit()")
    page.get_by_role("heading", name="Queste risposte erano già state inviate").wait_for()


PAGES = [
    # public and respondent pages
    Page("home", "core.home", None, lambda s: "/"),
    Page("home-en", "core.home", None, lambda s: "/", locale="en-GB"),
    Page("accessibility-statement", "core.accessibility", None, lambda s: "/accessibilita"),
    Page("accessibility-feedback", "core.accessibility_feedback", None, lambda s: "/accessibilita/segnalazione"),
    Page("accessibility-feedback-errors", "core.accessibility_feedback", None,
         lambda s: "/accessibilita/segnalazione", act=_submit_invalid("Invia la segnalazione")),
    Page("accessibility-feedback-sent", "core.accessibility_feedback", None,
         lambda s: "/accessibilita/segnalazione", act=_send_feedback),
    Page("login", "accounts.login", None, lambda s: "/accesso"),
    Page("login-failed", "accounts.login", None, lambda s: "/accesso", act=_wrong_password),
    Page("landing", "respond.landing", None, lambda s: f"/r/{s.token}"),
    Page("landing-en", "respond.landing", None, lambda s: f"/r/{s.token}", locale="en-GB"),
    Page("form", "respond.form", None, lambda s: f"/r/{s.token}/questionario"),
    Page("form-en", "respond.form", None, lambda s: f"/r/{s.token}/questionario", locale="en-GB"),
    Page("form-errors", "respond.submit", None, lambda s: f"/r/{s.token}/questionario", act=_submit_empty),
    Page("form-conflict", "respond.submit", None, lambda s: f"/r/{s.token}/questionario", act=_conflict),
    Page("thanks", "respond.thanks", None, lambda s: f"/r/{s.token}/grazie"),
    Page("landing-ar", "respond.landing", None, lambda s: f"/r/{s.arabic_token}", locale="ar"),
    Page("form-ar", "respond.form", None, lambda s: f"/r/{s.arabic_token}/questionario", locale="ar"),
    Page("form-ar-errors", "respond.submit", None, lambda s: f"/r/{s.arabic_token}/questionario?lang=ar",
         act=lambda page, site: (page.locator("button[type=submit]").click(), page.locator("#notice").wait_for())),
    Page("thanks-ar", "respond.thanks", None, lambda s: f"/r/{s.arabic_token}/grazie", locale="ar"),
    Page("closed-round", "respond.landing", None, lambda s: f"/r/{s.closed_token}"),
    Page("panel-card", "respond.panel_entry", None, lambda s: f"/c/{s.panel_code}"),
    Page("panel-card-unknown", "respond.panel_entry", None, lambda s: "/c/0000-0000-0000-00", status=404),
    Page("not-found", "(error 404)", None, lambda s: "/r/questo-link-non-esiste", status=404),
    Page("forbidden", "(error 403)", "operator", lambda s: "/amministrazione/utenti", status=403),
    # operators
    Page("dashboard", "manage.dashboard", "operator", lambda s: "/gestione/"),
    Page("dashboard-en", "manage.dashboard", "operator", lambda s: "/gestione/?lang=en"),
    Page("choose-questionnaire", "manage.choose_questionnaire", "operator", lambda s: "/gestione/rilevazioni/nuova"),
    Page("new-round", "manage.new_round", "operator", lambda s: "/gestione/rilevazioni/nuova/persona-al-centro"),
    Page("new-round-errors", "manage.new_round", "operator", lambda s: "/gestione/rilevazioni/nuova/persona-al-centro",
         act=lambda page, site: (page.get_by_label("Persone che pensate di raggiungere").fill("-3"),
                                 _submit_invalid("Crea e apri la rilevazione")(page, site))),
    Page("round", "manage.round_detail", "operator", lambda s: f"/gestione/rilevazioni/{s.round_id}"),
    Page("panel-round", "manage.round_detail", "operator", lambda s: f"/gestione/rilevazioni/{s.panel_round_id}"),
    Page("set-asides", "set_asides.page", "operator", lambda s: f"/gestione/rilevazioni/{s.round_id}/messe-da-parte"),
    Page("set-asides-errors", "set_asides.create", "operator",
         lambda s: f"/gestione/rilevazioni/{s.round_id}/messe-da-parte", act=_submit_invalid("Metti da parte")),
    Page("entry", "entry.enter", "operator", lambda s: f"/gestione/rilevazioni/{s.round_id}/inserimento"),
    Page("entry-errors", "entry.enter", "operator", lambda s: f"/gestione/rilevazioni/{s.round_id}/inserimento",
         act=_submit_invalid("Salva il questionario")),
    Page("import-offline", "manage.import_offline", "operator",
         lambda s: f"/gestione/rilevazioni/{s.round_id}/importa-offline"),
    Page("poster", "printouts.poster", "operator", lambda s: f"/gestione/punti/{s.point_id}/manifesto"),
    Page("cards", "printouts.cards", "operator", lambda s: f"/gestione/punti/{s.point_id}/biglietti"),
    Page("round-poster", "printouts.round_poster", "operator", lambda s: f"/gestione/rilevazioni/{s.round_id}/manifesto"),
    Page("round-cards", "printouts.round_cards", "operator", lambda s: f"/gestione/rilevazioni/{s.round_id}/biglietti"),
    Page("confirm-close", "manage.confirm_close", "operator", lambda s: f"/gestione/rilevazioni/{s.round_id}/chiudi"),
    Page("paper", "printouts.paper", "operator", lambda s: f"/gestione/rilevazioni/{s.round_id}/cartaceo"),
    Page("indicators", "indicators.index", "operator", lambda s: "/indicatori/"),
    Page("indicators-objective", "indicators.objective", "operator", lambda s: f"/indicatori/obiettivo?id={s.objective_id}"),
    Page("indicators-record", "indicators.record", "operator", lambda s: "/indicatori/registra"),
    Page("indicators-correct", "indicators.record", "operator",
         lambda s: f"/indicatori/registra?indicatore={INDICATOR_WITH_VALUES}&semestre=2022-H2&comune="),
    Page("indicators-import", "indicators.import_file", "operator", lambda s: "/indicatori/importa"),
    # evaluators: results reports
    Page("results", "results.index", "evaluator", lambda s: "/risultati/"),
    Page("round-results", "results.round_results", "evaluator", lambda s: f"/risultati/rilevazioni/{s.closed_round_id}"),
    Page("round-results-filtered", "results.round_results", "evaluator",
         lambda s: f"/risultati/rilevazioni/{s.closed_round_id}?comune=lovere"),
    Page("questionnaire-results", "results.questionnaire_results", "evaluator",
         lambda s: "/risultati/questionari/persona-al-centro"),
    Page("comparison-choose", "results.comparison", "evaluator", lambda s: "/risultati/confronto"),
    Page("comparison", "results.comparison", "evaluator",
         lambda s: f"/risultati/confronto?prima={s.earlier_round_id}&dopo={s.closed_round_id}"),
    # evaluators: reports for the Piano di Zona
    Page("reports", "reports.index", "evaluator", lambda s: "/rapporti/"),
    Page("report-objective", "reports.objective_report", "evaluator", lambda s: f"/rapporti/obiettivo?id={s.objective_id}"),
    Page("report-objective-print", "reports.objective_print", "evaluator",
         lambda s: f"/rapporti/obiettivo/stampa?id={s.objective_id}"),
    Page("report-not-ready", "reports.final_html", "evaluator", lambda s: "/rapporti/finale.html", status=409),
    Page("report-comments", "reports.review_comments", "evaluator",
         lambda s: f"/rapporti/commenti/rilevazioni/{s.closed_round_id}"),
    Page("judgements", "judgements.index", "evaluator", lambda s: "/rapporti/giudizi"),
    Page("judgement", "judgements.objective", "evaluator", lambda s: f"/rapporti/giudizi/obiettivo?id={s.objective_id}"),
    Page("judgement-errors", "judgements.objective", "evaluator",
         lambda s: f"/rapporti/giudizi/obiettivo?id={s.objective_id}", act=_judgement_against_the_data),
    # qualitative evaluation: sessions, codebook, coding, themes
    Page("qualitative", "qualitative.index", "evaluator", lambda s: "/qualitativa/"),
    Page("qualitative-objective", "qualitative.objective", "evaluator",
         lambda s: f"/qualitativa/piani/{s.plan_id}/obiettivi/{s.objective_id}"),
    Page("qualitative-objective-operator", "qualitative.objective", "operator",
         lambda s: f"/qualitativa/piani/{s.plan_id}/obiettivi/{s.objective_id}"),
    Page("qualitative-theme-errors", "qualitative.add_theme", "evaluator",
         lambda s: f"/qualitativa/piani/{s.plan_id}/obiettivi/{s.objective_id}", act=_submit_invalid("Aggiungi il tema")),
    Page("qualitative-theme-edit-errors", "qualitative.update_theme", "evaluator",
         lambda s: f"/qualitativa/piani/{s.plan_id}/obiettivi/{s.objective_id}", act=_theme_edit_invalid),
    Page("qualitative-new-session", "qualitative.new_session", "evaluator",
         lambda s: f"/qualitativa/piani/{s.plan_id}/obiettivi/{s.objective_id}/incontri/nuovo"),
    Page("qualitative-new-session-errors", "qualitative.new_session", "evaluator",
         lambda s: f"/qualitativa/piani/{s.plan_id}/obiettivi/{s.objective_id}/incontri/nuovo",
         act=_submit_invalid("Registra l'incontro")),
    Page("qualitative-session", "qualitative.session_page", "evaluator",
         lambda s: f"/qualitativa/incontri/{s.qualitative_session_id}"),
    Page("qualitative-session-errors", "qualitative.code_passage", "evaluator",
         lambda s: f"/qualitativa/incontri/{s.qualitative_session_id}", act=_submit_invalid("Codifica il passaggio")),
    Page("qualitative-session-edit-errors", "qualitative.update_session", "evaluator",
         lambda s: f"/qualitativa/incontri/{s.qualitative_session_id}", act=_session_details_invalid),
    Page("qualitative-comments", "qualitative.comments", "evaluator",
         lambda s: f"/qualitativa/piani/{s.plan_id}/obiettivi/{s.objective_id}/commenti"),
    Page("qualitative-comments-errors", "qualitative.code_comment", "evaluator",
         lambda s: f"/qualitativa/piani/{s.plan_id}/obiettivi/{s.objective_id}/commenti",
         act=_submit_invalid("Codifica il commento 1")),
    Page("qualitative-themes", "qualitative.themes", "evaluator",
         lambda s: f"/qualitativa/piani/{s.plan_id}/obiettivi/{s.objective_id}/temi"),
    # admins
    Page("ambiti", "results.ambiti_index", "evaluator", lambda s: "/risultati/confronto-ambiti"),
    Page("ambiti-version", "results.ambiti_version", "evaluator",
         lambda s: f"/risultati/confronto-ambiti/{s.shared_version_id}/ex-post"),
    Page("designations", "designation.designations", "evaluator", lambda s: f"/piani/{s.plan_id}/designazioni"),
    Page("questionnaires", "questionnaires.index", "operator", lambda s: "/gestione/questionari"),
    Page("questionnaire", "questionnaires.detail", "operator", lambda s: "/gestione/questionari/persona-al-centro"),
    Page("questionnaire-draft", "questionnaires.draft", "operator", lambda s: f"/gestione/questionari/bozze/{s.draft_id}"),
    Page("questionnaire-draft-en", "questionnaires.draft", "operator",
         lambda s: f"/gestione/questionari/bozze/{s.draft_id}?lingua=en"),
    Page("questionnaire-preview", "questionnaires.preview", "operator",
         lambda s: f"/gestione/questionari/bozze/{s.draft_id}/anteprima"),
    Page("plans", "plans.index", "admin", lambda s: "/amministrazione/piani"),
    Page("users", "accounts.users", "admin", lambda s: "/amministrazione/utenti"),
    Page("edit-user", "accounts.edit_user", "admin", lambda s: f"/amministrazione/utenti/{s.user_ids['operator']}"),
    Page("audit-log", "accounts.audit_log", "admin", lambda s: "/amministrazione/registro"),
]
#: endpoints that answer with something other than an HTML page (files, JSON, redirects)
NOT_HTML = {
    "static", "core.healthz", "accounts.logout", "printouts.qr", "printouts.round_qr", "manage.monitoring_download",
    "manage.monitoring_json", "manage.new_point", "manage.change_status", "printouts.panel_cards",
    # redirects to the correction page ("indicators-correct") or to the objective page
    "indicators.delete",
    # redirects to the set-aside page ("set-asides")
    "set_asides.revoke",
    "indicators.template_download_csv", "indicators.template_download_xlsx", "results.comparison_download",
    "results.download_codebook", "results.download_csv_wide", "results.download_csv_comma",
    "results.download_csv", "results.download_sav", "results.download_xlsx",
    # files; when not generated yet they answer the page checked as "report-not-ready"
    "reports.final_pdf", "reports.final_docx", "reports.objective_pdf", "reports.objective_docx",
    "reports.request_final", "reports.request_objective",
    # plan files, and forms that redirect to the designation page ("designations")
    "plans.export_plan_json", "plans.export_plan_xlsx", "plans.template",
    "designation.change_designation", "designation.change_predecessor",
    # the granted Ambiti of a user: a form of the user page ("edit-user") that redirects to it
    "accounts.user_grants",
    # questionnaire files, and forms that redirect to the questionnaire's page or the list
    "questionnaires.export", "questionnaires.translation_sheet", "questionnaires.publish", "questionnaires.discard",
    # a session's text and the plan's REFI-QDA project (files); forms of the session and comments
    # pages that redirect to them ("qualitative-session", "qualitative-comments")
    "qualitative.session_text", "qualitative.export_qdpx", "qualitative.publish", "qualitative.uncode",
    "qualitative.delete_session",
    # deleting a theme redirects to the objective's page ("qualitative-objective")
    "qualitative.delete_theme",
}


def test_every_html_page_is_checked(live_server):
    endpoints = {rule.endpoint for rule in live_server.app.url_map.iter_rules()}
    checked = {page.endpoint for page in PAGES}
    missing = endpoints - checked - NOT_HTML
    assert not missing, f"pages without an axe check in {__name__}.PAGES: {sorted(missing)}"
    assert len(PAGES) >= 40


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_no_axe_violations(spec: Page, site, new_context, staff_page):
    options = {"bypass_csp": True, "locale": spec.locale}
    page = staff_page(spec.role, **options) if spec.role else new_context(**options).new_page()
    response = page.goto(spec.path(site))
    assert response is not None and response.status == spec.status, (spec.name, response.status)
    if spec.act:
        spec.act(page, site)
    violations = axe_violations(page)
    assert not violations, f"{spec.name} ({page.url}):\n{describe_violations(violations)}"
