"""Page weight: bytes and requests of the respondents' pages (and the operators' dashboard) on
first load, in Chromium with the cache disabled.

The app is served by gunicorn with the repository's ``gunicorn.conf.py`` on 127.0.0.1 (as the
other benchmarks), over a temporary SQLite database with an open round and an operator. Each
page is loaded in a fresh browser context (no cache, no cookies; the dashboard after logging
in) and measured through the DevTools protocol: every request the page makes, and the bytes
that crossed the network for it (compressed bodies plus response headers, as DevTools'
"transferred"). Chromium asks for gzip, deflate and br; over plain HTTP it gets gzip.

Targets for the questionnaire form: <= 30 KB (30,000 bytes) transferred, <= 3 requests, no
request to another host, no web font. Prints a table, then one JSON line (a list with one object
per page: ``page``, ``bytes``, ``requests``, ``third_party``, ``fonts``, ``decoded_bytes``,
``target``, ``status``) that ``run_all.py`` reads. Exits with 0 once the pages are measured,
whatever the figures (a missed target shows as ``MISSED``; the browser tests enforce them).

Usage: ``.venv/bin/python benchmarks/page_weight.py`` (needs Playwright and Debian's Chromium,
``/usr/bin/chromium`` or ``SURVEY_CHROMIUM``).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("SURVEY_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
#: the respondent's form page on first load
FORM_BYTES = 30_000
FORM_REQUESTS = 3
PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "it-IT"}
OPERATOR = ("pagine@altosebino.example", "page weight benchmark password")


def measure(context, url: str) -> dict:
    """Load *url* in a new page of *context* with the cache disabled; return what it cost.

    ``bytes``: transferred over the network (compressed bodies and response headers);
    ``decoded_bytes``: the same resources uncompressed; ``requests``: every HTTP(S) request;
    ``third_party``: requests to another host than *url*'s; ``fonts``: font requests.
    """
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    requests: dict[str, dict] = {}

    def sent(event):
        if event["request"]["url"].startswith(("http://", "https://")):
            requests.setdefault(event["requestId"], {"url": event["request"]["url"], "bytes": 0, "decoded": 0,
                                                     "type": event.get("type", "")})

    def received(event):
        if event["requestId"] in requests:
            requests[event["requestId"]]["decoded"] += event.get("dataLength", 0)

    def finished(event):
        if event["requestId"] in requests:
            requests[event["requestId"]]["bytes"] = int(event.get("encodedDataLength", 0))

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.dataReceived", received)
    cdp.on("Network.loadingFinished", finished)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    cdp.detach()
    page.close()
    host = urlsplit(url).netloc
    return {
        "bytes": sum(r["bytes"] for r in requests.values()),
        "decoded_bytes": sum(r["decoded"] for r in requests.values()),
        "requests": len(requests),
        "third_party": sum(1 for r in requests.values() if urlsplit(r["url"]).netloc != host),
        "fonts": sum(1 for r in requests.values() if r["type"] == "Font"),
        "urls": sorted(r["url"].replace(f"http://{host}", "") for r in requests.values()),
    }


def measure_site(browser, base: str, token: str, login: tuple[str, str] | None) -> list[dict]:
    """Measure the respondent landing, form and thank-you pages, and the dashboard after *login*."""
    pages = [("landing", f"/r/{token}"), ("form", f"/r/{token}/questionario"), ("thank-you", f"/r/{token}/grazie")]
    results = []
    for name, path in pages:
        context = browser.new_context(**PHONE)
        results.append({"page": name, **measure(context, base + path)})
        context.close()
    if login:
        context = browser.new_context(locale="it-IT")
        page = context.new_page()
        page.goto(base + "/accesso")
        page.fill("input[name=email]", login[0])
        page.fill("input[name=password]", login[1])
        page.click("button[type=submit]")
        page.wait_for_url("**/gestione/")
        page.close()
        results.append({"page": "dashboard (operator)", **measure(context, base + "/gestione/")})
        context.close()
    for result in results:
        if result["page"] == "form":
            ok = (result["bytes"] <= FORM_BYTES and result["requests"] <= FORM_REQUESTS
                  and result["third_party"] == 0 and result["fonts"] == 0)
            result["target"] = f"<= {FORM_BYTES:,} B, <= {FORM_REQUESTS} requests, 0 third-party, 0 fonts"
            result["status"] = "met" if ok else "MISSED"
        else:
            result["target"] = "0 third-party"
            result["status"] = "met" if result["third_party"] == 0 else "MISSED"
    return results


def table(results: list[dict]) -> str:
    lines = [f"{'page':<22} {'transferred':>12} {'uncompressed':>13} {'requests':>9} {'3rd party':>10} {'fonts':>6}  status",
             "-" * 88]
    for r in results:
        lines.append(f"{r['page']:<22} {r['bytes']:>10,} B {r['decoded_bytes']:>11,} B {r['requests']:>9} "
                     f"{r['third_party']:>10} {r['fonts']:>6}  {r['status']} ({r['target']})")
        lines.append(f"{'':<22} {', '.join(r['urls'])}")
    return "\n".join(lines)


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import servers

    if not Path(CHROMIUM).exists():
        print(f"page_weight.py: Chromium not found at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 2
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("page_weight.py: Playwright is not installed (pip install -e '.[test]')", file=sys.stderr)
        return 2
    env = servers.base_environment()
    with tempfile.TemporaryDirectory(prefix="page-weight-") as work:
        url = f"sqlite:///{Path(work) / 'pages.sqlite3'}"
        token = servers.survey_database(url, env)
        app_env = {**env, "SURVEY_DATABASE_URL": url, "SECRET_KEY": "page-weight-benchmark",
                   "GUNICORN_WORKERS": "1"}
        servers.flask("users", "create", OPERATOR[0], "--role", "operator", "--password", OPERATOR[1], env=app_env)
        with servers.gunicorn("survey_app:create_app()", app_env, Path(work)) as base, sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            try:
                results = measure_site(browser, str(base), token, OPERATOR)
            finally:
                browser.close()
    print(table(results))
    print(json.dumps([{k: v for k, v in r.items() if k != "urls"} for r in results]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
