"""The survey app as the submit benchmark serves it: ``gunicorn ... bench_wsgi:app``.

The same ``create_app`` as production, with two settings changed so that 20 clients sharing
one address and answering at machine speed are measured rather than refused:

- ``MIN_COMPLETION_SECONDS = 0``: the anti-bot minimum answering time would send back every
  form posted a few milliseconds after it was shown;
- ``RATELIMIT_ENABLED = False``: the per-address limits (120 submissions a minute) would
  answer 429 to a load that comes from 127.0.0.1 alone.

Everything else on the submit path runs: form building and validation, the CSRF token, the
idempotent submission id, the burst detector, the commit (SQLite ``synchronous=FULL``).
"""

from __future__ import annotations

# With the limiter on (production), its Redis storage imports the redis client while the app
# is created; with it off, the burst detector would import it lazily inside concurrent request
# threads, where `limits`' version check of a half-imported module fails. Import it here.
import redis  # noqa: F401

from survey_app import create_app

BENCH_OVERRIDES = {"MIN_COMPLETION_SECONDS": 0, "RATELIMIT_ENABLED": False}

app = create_app(BENCH_OVERRIDES)
