"""The survey app as the submit benchmark serves it: ``gunicorn ... bench_wsgi:app``.

The same ``create_app`` as production, with nothing turned off: the anti-bot minimum answering
time and the per-address rate limits run as they do for people. The benchmark's respondents
meet them the way people do: each comes from an address of its own, forwarded by the trusted
proxy (``SURVEY_PROXY_COUNT=1``), and posts its form only once the form's stamp is older than
the minimum answering time (``bench_submit.py`` keeps each client's forms waiting meanwhile).
"""

from __future__ import annotations

# The burst detector's store imports the redis client while the app is created when Redis is
# configured; with memory storage it is never needed. Imported here so that no request thread
# ever imports it halfway (`limits`' version check of a half-imported module fails).
import redis  # noqa: F401

from survey_app import create_app

app = create_app()
