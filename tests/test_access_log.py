"""The development server (``make run`` → ``flask run``) logs requests as privately as gunicorn."""

from __future__ import annotations

import logging
import re
import threading
import urllib.error
import urllib.request

from werkzeug.serving import make_server

from survey_app.access_log import redact_request_line


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def _serve_and_log(app, paths):
    """Serve *app* with Werkzeug's development server and return its access-log lines for *paths*."""
    records = _Records()
    logger = logging.getLogger("werkzeug")
    logger.addHandler(records)
    level = logger.level
    logger.setLevel(logging.INFO)
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in paths:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=10).read()
            except urllib.error.HTTPError:
                pass
    finally:
        server.shutdown()
        thread.join(timeout=10)
        logger.removeHandler(records)
        logger.setLevel(level)
    return records.lines


def test_dev_server_log_has_no_address_token_query_or_exact_time_for_respondents(app, make_round):
    round_ = make_round()
    lines = _serve_and_log(app, [f"/r/{round_.token}/questionario?lang=en&x=secret", "/c/ABCD-EFGH-JKMN-PQ",
                                 "/accesso?next=/gestione/"])
    assert len(lines) == 3, lines
    text = "\n".join(lines)
    for secret in ("127.0.0.1", round_.token, "ABCD-EFGH", "lang=en", "secret", "next="):
        assert secret not in text, (secret, text)
    respondent, card, staff = lines
    assert '"GET /r/-/questionario HTTP/1.1" 200' in respondent
    assert re.match(r"^\[\d\d/\w{3}/\d{4}:\d\d:00:00 [+-]\d{4}\] ", respondent), respondent
    assert '"GET /c/- HTTP/1.1"' in card
    assert '"GET /accesso HTTP/1.1" 200' in staff


def test_one_redaction_for_both_servers():
    line, path = redact_request_line("\x1b[33mGET /r/AbCdEf/questionario?x=1 HTTP/1.1\x1b[0m")
    assert (line, path) == ("GET /r/-/questionario HTTP/1.1", "/r/-/questionario")
    assert redact_request_line("garbage") == ("-", "-")
