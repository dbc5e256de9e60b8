"""An operator uploads a new version of a questionnaire as XLSForm, reads its preview at phone width
in each language and its differences from the published version, and publishes it."""

from __future__ import annotations

import copy
import json

from survey_app.questionnaires.definition import DEFAULT_DIRECTORY
from survey_app.questionnaires.xlsform import write_xlsform

from .helpers import axe_violations, describe_violations, shoot

PERSONA = json.loads((DEFAULT_DIRECTORY / "persona-al-centro.json").read_text(encoding="utf-8"))


def test_operator_previews_compares_and_publishes_an_xlsform(site, live_server, staff_page, artifacts, tmp_path):
    from tests.plans.helpers import ALTO_SEBINO

    imported = live_server.app.test_cli_runner().invoke(
        args=["plans", "import", str(ALTO_SEBINO), "--ambito", "alto-sebino"])
    assert imported.exit_code == 0, imported.output
    # a questionnaire of Alto Sebino's own (the shipped ones are shared with Basso Sebino here)
    first = copy.deepcopy(PERSONA)
    first.update(id="sportello-lovere", indicators=["persona-al-centro.outcome-1"])
    first["measures"] = [{**first["measures"][0], "indicator": "persona-al-centro.outcome-1"}]
    first["title"] = {"it": "Lo sportello sociale di Lovere", "en": "The Lovere social desk"}
    changed = copy.deepcopy(first)
    changed["version"] = 2
    changed["dimensions"][1]["items"][0]["text"] = {
        "it": "Le persone dello sportello mi hanno spiegato bene cosa fare.",
        "en": "The people at the desk explained clearly what to do."}
    changed["dimensions"][1]["items"].append({"id": "pc-ascolto", "text": {
        "it": "Mi sono sentito ascoltato.", "en": "I felt listened to."}})
    (tmp_path / "v1.xlsx").write_bytes(write_xlsform(first))
    upload = tmp_path / "v2.xlsx"
    upload.write_bytes(write_xlsform(changed))

    page = staff_page("operator", bypass_csp=True)
    page.goto("/gestione/")
    page.get_by_role("link", name="Questionari").click()
    page.get_by_label("File del questionario (XLSForm .xlsx o .json)").set_input_files(str(tmp_path / "v1.xlsx"))
    shoot(page, artifacts, "01-questionnaires")
    page.get_by_role("button", name="Controlla e mostra l'anteprima").click()
    page.get_by_text("È un questionario nuovo: non c'è una versione precedente.").wait_for()
    page.get_by_role("button", name="Pubblica").click()
    page.get_by_text("Pubblicato: sportello-lovere v1.").wait_for()
    page.get_by_role("link", name="Questionari").first.click()
    page.get_by_label("File del questionario (XLSForm .xlsx o .json)").set_input_files(str(upload))
    page.get_by_role("button", name="Controlla e mostra l'anteprima").click()
    page.get_by_role("heading", name="Differenze dalla versione pubblicata").wait_for()
    row = page.locator("tr.diff-added", has_text="Mi sono sentito ascoltato.")
    assert "aggiunta" in row.inner_text()
    changed_row = page.locator("tr.diff-changed", has_text="mi hanno spiegato bene")
    assert "Prima" in changed_row.inner_text()
    frame = page.frame_locator("iframe.phone")
    frame.get_by_text("Mi sono sentito ascoltato.").first.wait_for()
    box = page.locator("iframe.phone").bounding_box()
    assert 350 <= box["width"] <= 380
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    shoot(page, artifacts, "02-draft-italian")
    page.get_by_role("link", name="English").last.click()
    page.frame_locator("iframe.phone").get_by_text("I felt listened to.").first.wait_for()
    shoot(page, artifacts, "03-draft-english")
    page.get_by_role("button", name="Pubblica").click()
    page.get_by_text("Pubblicato: sportello-lovere v2.").wait_for()
    assert page.get_by_role("cell", name="2", exact=True).count() == 1
    shoot(page, artifacts, "04-published")
