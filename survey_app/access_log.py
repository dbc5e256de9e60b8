"""What the access log may say: one set of privacy rules for gunicorn (``gunicorn.conf.py``) and
for the development server that ``make run`` starts (Werkzeug's, through ``flask run``).

Never a client address, user agent, referrer or query string; respondents' links are bearer
secrets (panel codes, round and distribution-point tokens), so ``/r/<token>`` and ``/c/<code>``
are logged as ``/r/-`` and ``/c/-``; and respondents' pages carry the hour only, as responses
are stored. gunicorn applies these in ``PrivacyLogger``; Werkzeug, which writes the address and
the exact time into its message, gets :class:`DevServerPrivacyFilter` on its logger.
"""

from __future__ import annotations

import logging
import re
import time
from urllib.parse import urlsplit

#: respondents' pages, logged with the hour only
RESPONDENT_PATH = re.compile(r"^/(r|c)/")
#: the secret part of respondents' links (the log keeps which page, not which link)
SECRET_PATH_PART = re.compile(r"^/(c|r)/[^/]+")
#: Werkzeug's "ADDRESS - - [TIME] " prefix, and the colours it gives the request line
_WERKZEUG_PREFIX = re.compile(r"^\S+ - - \[[^\]]*\] ")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def redact_path(target: str) -> str:
    """Return the path of *target* (a path or request target) without query string or secrets."""
    path = urlsplit(target).path if target else ""
    return SECRET_PATH_PART.sub(lambda match: f"/{match.group(1)}/-", path)


def log_time(path: str, now: float | None = None) -> str:
    """Return the ``[day/month/year:time zone]`` stamp of a request to *path*: the hour only
    for respondents' pages."""
    pattern = "[%d/%b/%Y:%H:00:00 %z]" if RESPONDENT_PATH.match(path) else "[%d/%b/%Y:%H:%M:%S %z]"
    return time.strftime(pattern, time.localtime(now))


def redact_request_line(line: str) -> tuple[str, str]:
    """Return (request line, path) of ``METHOD TARGET PROTOCOL`` with the target redacted."""
    parts = _ANSI.sub("", line).split(" ")
    if len(parts) != 3:  # a malformed request line: keep nothing a client chose
        return "-", "-"
    method, target, protocol = parts
    path = redact_path(target)
    return f"{method} {path} {protocol}", path


class DevServerPrivacyFilter(logging.Filter):
    """Rewrite the development server's records as the production access log would write them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else str(record.msg)
        if not _WERKZEUG_PREFIX.match(message):
            return True
        rest = _WERKZEUG_PREFIX.sub("", message, count=1)
        args = record.args if isinstance(record.args, tuple) else ()
        if rest.startswith('"%s" %s %s') and len(args) == 3:  # log_request: line, status, size
            line, path = redact_request_line(str(args[0]))
            record.msg, record.args = f'{log_time(path, record.created)} "%s" %s %s', (line, *args[1:])
        else:  # errors and other messages: no address, and no time finer than the hour
            record.msg = f"{log_time('/r/', record.created)} {rest}"
        return True


def init_app(app) -> None:
    """Put :class:`DevServerPrivacyFilter` on the ``werkzeug`` logger (once per process)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, DevServerPrivacyFilter) for f in logger.filters):
        logger.addFilter(DevServerPrivacyFilter())
