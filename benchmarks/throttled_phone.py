"""A weak mountain connection: a phone in Chromium throttled to 400 kbit/s with a 400 ms round trip.

Issue 17 item 5. The app is served by gunicorn with the repository's ``gunicorn.conf.py`` on
127.0.0.1 (as :mod:`page_weight`), over a temporary SQLite database with an open round. A fresh
phone context (360 x 640, touch, JavaScript on, no cache) is throttled through the DevTools
protocol (``Network.emulateNetworkConditions``: 400 ms latency, 400 kbit/s down and up) and:

1. **QR link to form**: opens the round's link (what the QR code holds), taps "Inizia il
   questionario" at once, and stops the clock when the first statement of the form is on
   screen (target <= 2 s);
2. **Invia to thank-you**: answers every screen of the stepper (client-side, no request),
   waits the anti-bot minimum answering time, taps "Invia le risposte" and stops the clock
   when "Grazie!" is on screen (target <= 1.5 s).

Each figure is the median of ``--repeat`` runs, with the bytes transferred and the requests
behind it; the baseline, in the same run, is one round trip plus the form page's own bytes at
400 kbit/s: what any server would cost on that line. Prints a table, then one JSON line.

Usage: ``.venv/bin/python benchmarks/throttled_phone.py [--repeat 3]`` (Playwright and Debian's
Chromium, ``/usr/bin/chromium`` or ``SURVEY_CHROMIUM``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from page_weight import CHROMIUM, LAUNCH_ARGS, PHONE

LATENCY_MS = 400
KBIT_PER_S = 400
THROUGHPUT = KBIT_PER_S * 1000 / 8  # bytes per second, as DevTools counts them
OPEN_TARGET_S = 2.0
SEND_TARGET_S = 1.5


def _throttle(context, page):
    cdp = context.new_cdp_session(page)
    counted = {"requests": 0, "bytes": 0, "urls": []}

    def sent(event):
        counted["requests"] += 1
        counted["urls"].append(f"{event['request']['method']} {event['request']['url'].split('/', 3)[-1]}")

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished",
           lambda e: counted.__setitem__("bytes", counted["bytes"] + int(e.get("encodedDataLength", 0))))
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": LATENCY_MS,
                                                  "downloadThroughput": THROUGHPUT, "uploadThroughput": THROUGHPUT})
    return counted


def one_run(browser, base: str, token: str, minimum_seconds: float) -> dict:
    """Open the QR link, start, answer, send; return both times with their bytes and requests."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    counted = _throttle(context, page)
    began = time.perf_counter()
    page.goto(f"{base}/r/{token}", wait_until="commit")
    page.get_by_role("link", name="Inizia il questionario").click()
    page.locator("form [data-step]").first.wait_for(state="visible")
    opened = time.perf_counter() - began
    page.wait_for_load_state("networkidle")  # what the two pages cost in all, once everything arrived
    open_cost = {**counted, "urls": list(counted["urls"])}
    # every screen of the stepper answered as a person taps (client-side: no request); the
    # stepper's buttons exist once respond.js (deferred) has run
    page.locator("[data-next]").wait_for(state="visible")
    while True:
        step = page.locator("form [data-step]:not([hidden])")
        if step.locator("label.choice").count():
            labels = step.locator("label.choice")
            labels.nth(min(3, labels.count() - 1) if step.locator(".choices.scale").count() else 0).tap()
        elif step.locator("select").count():
            step.locator("select").select_option(index=1)
        next_button = page.locator("[data-next]")
        if not next_button.is_visible():
            break
        next_button.tap()
    page.wait_for_timeout(int(minimum_seconds * 1000) + 500)
    counted.update(requests=0, bytes=0, urls=[])
    began = time.perf_counter()
    page.get_by_role("button", name="Invia le risposte").tap()
    try:
        page.get_by_role("heading", name="Grazie!").wait_for(state="visible")
    except Exception:
        page.screenshot(path="/tmp/throttled-failure.png", full_page=True)
        raise
    sent = time.perf_counter() - began
    page.wait_for_load_state("networkidle")
    send_cost = dict(counted)
    context.close()
    return {"open_seconds": opened, "open_bytes": open_cost["bytes"], "open_requests": open_cost["requests"],
            "send_seconds": sent, "send_bytes": send_cost["bytes"], "send_requests": send_cost["requests"],
            "open_urls": open_cost["urls"], "send_urls": send_cost["urls"]}


def measure(repeat: int = 3) -> dict:
    import servers
    from playwright.sync_api import sync_playwright

    from survey_app.respond.antibot import minimum_seconds

    env = servers.base_environment()
    with tempfile.TemporaryDirectory(prefix="throttled-") as work:
        url = f"sqlite:///{Path(work) / 'throttled.sqlite3'}"
        token = servers.survey_database(url, env)
        app_env = {**env, "SURVEY_DATABASE_URL": url, "SECRET_KEY": "throttled-benchmark", "GUNICORN_WORKERS": "1"}
        with servers.gunicorn("survey_app:create_app()", app_env, Path(work)) as base, sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            try:
                from page_weight import measure as page_cost

                context = browser.new_context(**PHONE)
                form = page_cost(context, f"{base}/r/{token}/questionario")
                context.close()
                definition = json.loads((servers.ROOT / "questionnaires" / "persona-al-centro.json").read_text("utf-8"))
                items = sum(len(d["items"]) for d in definition["dimensions"])
                runs = [one_run(browser, str(base), token, minimum_seconds(items, 5)) for _ in range(repeat)]
            finally:
                browser.close()
    line_floor = LATENCY_MS / 1000 + form["bytes"] / THROUGHPUT
    figures = {key: statistics.median(r[key] for r in runs) for key in runs[0] if not key.endswith("_urls")}
    figures["open_urls"], figures["send_urls"] = runs[0]["open_urls"], runs[0]["send_urls"]
    figures["line_floor_seconds"] = line_floor
    figures["form_page_bytes"] = form["bytes"]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"throttled_phone.py: Chromium not found at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 2
    f = measure(args.repeat)
    print(f"QR link to form on screen: {f['open_seconds']:.2f} s ({f['open_bytes']:,} bytes, {f['open_requests']} "
          f"requests) - target <= {OPEN_TARGET_S} s - {'met' if f['open_seconds'] <= OPEN_TARGET_S else 'MISSED'}")
    print(f"Invia to thank-you:        {f['send_seconds']:.2f} s ({f['send_bytes']:,} bytes, {f['send_requests']} "
          f"requests) - target <= {SEND_TARGET_S} s - {'met' if f['send_seconds'] <= SEND_TARGET_S else 'MISSED'}")
    print(f"line floor (one round trip + the form page's {f['form_page_bytes']:,} bytes at {KBIT_PER_S} kbit/s): "
          f"{f['line_floor_seconds']:.2f} s")
    print(f"requests: {'; '.join(f['open_urls'])} | {'; '.join(f['send_urls'])}")
    print(json.dumps(f))
    return 0


if __name__ == "__main__":
    sys.exit(main())
