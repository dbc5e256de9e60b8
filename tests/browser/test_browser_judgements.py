"""An evaluator reads the data's reading of an objective, writes a judgement against it with reasons,
strengths and recommendations, and finds it at the top of the objective's report."""

from __future__ import annotations

from .helpers import axe_violations, describe_violations, shoot


def test_evaluator_writes_a_judgement_and_the_report_opens_with_it(site, staff_page, artifacts):
    page = staff_page("evaluator", bypass_csp=True)
    page.goto("/rapporti/")
    page.get_by_role("link", name="Giudizi di valutazione").click()
    page.locator("table a").first.click()
    page.get_by_role("heading", name="L'obiettivo").wait_for()
    objective = page.locator("#obiettivo")
    suggested = objective.locator(".box strong").inner_text()
    other = "Raggiunto" if suggested != "Raggiunto" else "Non raggiunto"
    objective.get_by_label(other, exact=True).check()
    objective.get_by_label("Punti di forza").fill("La rete tra sportello e servizi.")
    objective.get_by_label("Raccomandazioni per il prossimo piano").fill("Aprire lo sportello il sabato.\n"
                                                                         "Ridurre l'attesa della prima visita.")
    objective.get_by_role("button", name="Salva il giudizio dell'obiettivo").click()
    page.get_by_text("Il giudizio è diverso da quello che suggeriscono i dati: scrivi le ragioni.").wait_for()
    shoot(page, artifacts, "01-reasons-needed")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    page.locator("#obiettivo").get_by_label("Ragioni").fill("I focus group mostrano un miglioramento che i "
                                                            "questionari, con poche risposte, non colgono.")
    page.locator("#obiettivo").get_by_role("button", name="Salva il giudizio dell'obiettivo").click()
    page.get_by_text("Giudizio salvato.").wait_for()
    page.locator("#obiettivo details summary").click()
    shoot(page, artifacts, "02-saved-with-history")
    page.get_by_role("link", name="Rapporto dell'obiettivo").click()
    page.get_by_role("heading", name="Il giudizio di valutazione").wait_for()
    report = page.locator("article").inner_text()
    assert report.index("Il giudizio di valutazione") < report.index("L'obiettivo nel Piano")
    assert "BOZZA – giudizio di valutazione da rivedere" in report and "Aprire lo sportello il sabato." in report
    shoot(page, artifacts, "03-report")
