"""Page weight on first load, measured as ``benchmarks/page_weight.py`` does (cache disabled):
the questionnaire form is at most 30 KB transferred in at most 3 requests, and no respondent
or operator page asks anything of another host or downloads a web font."""

from __future__ import annotations

import sys

from .helpers import EMAILS, PASSWORD, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import page_weight


def test_respondent_pages_are_light_and_first_party(browser, live_server, site):
    results = page_weight.measure_site(browser, live_server.url, site.token, (EMAILS["operator"], PASSWORD))
    print(page_weight.table(results))
    by_page = {r["page"]: r for r in results}
    form = by_page["form"]
    assert form["bytes"] <= page_weight.FORM_BYTES, form
    assert form["requests"] <= page_weight.FORM_REQUESTS, form
    for result in results:
        assert result["third_party"] == 0, result
        assert result["fonts"] == 0, result
        assert result["status"] == "met", result
