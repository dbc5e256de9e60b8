# survey_app: every set-up step is a dependency of `run` or `test`, so both work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PORT
FLASK := $(BIN)/flask --app survey_app
CATALOGS := $(patsubst %.po,%.mo,$(wildcard survey_app/translations/*/LC_MESSAGES/messages.po))
# axe-core from the npm registry, injected into the pages by the browser tests (tests/browser/)
AXE := tests/browser/node_modules/axe-core/axe.min.js

.PHONY: run test install install-test translations extract-messages database serve production-environment bench clean

run: install translations database ## set up and serve the demo on http://127.0.0.1:$(PORT)
	$(FLASK) demo create
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install-test translations $(AXE) ## run the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# without npm (or without the registry) the axe tests skip, saying so; .ci/run makes them required
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error && touch $@ \
	  || echo "make: npm ci failed: the accessibility (axe) browser tests will be skipped" >&2; \
	else echo "make: npm not found: the accessibility (axe) browser tests will be skipped" >&2; fi

translations: $(CATALOGS)

%.mo: %.po | $(BIN)/python
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

extract-messages: install ## refresh the message catalogs after changing interface texts
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k _p:1c,2 --no-location --sort-output \
		--project survey_app -o survey_app/translations/messages.pot .
	$(BIN)/pybabel update -i survey_app/translations/messages.pot -d survey_app/translations --width 100

database: install ## migrate the database and load the plan and questionnaires
	$(FLASK) db upgrade
	$(FLASK) questionnaires load

# Production on this host: gunicorn (gunicorn.conf.py) with SURVEY_ENV=production, against the
# PostgreSQL and Redis given by SURVEY_DATABASE_URL and SURVEY_REDIS_URL (see README, Production).
serve: production-environment install translations database ## run the production server
	SURVEY_ENV=production $(BIN)/gunicorn -c gunicorn.conf.py

production-environment:
	@case "$$SURVEY_DATABASE_URL" in postgresql*) ;; \
	  *) echo "make serve: SURVEY_DATABASE_URL must be a PostgreSQL URL, e.g. postgresql+psycopg://survey@127.0.0.1/survey" >&2; \
	     echo "  (SQLite serves one host only: run gunicorn -c gunicorn.conf.py there, see README)" >&2; exit 1;; esac
	@case "$$SURVEY_REDIS_URL" in redis://*|rediss://*|redis+*) ;; \
	  *) echo "make serve: SURVEY_REDIS_URL must be set, e.g. redis://127.0.0.1:6379/0 (counters shared by every process)" >&2; exit 1;; esac
	@test -n "$$SECRET_KEY" || { echo "make serve: SECRET_KEY must be set (the same on every instance)" >&2; exit 1; }
	@case "$$SURVEY_PUBLIC_URL" in https://*) ;; \
	  *) echo "make serve: SURVEY_PUBLIC_URL must be the public https:// address" >&2; exit 1;; esac

bench: install-test translations ## run every benchmark and print one table (BENCH_ARGS=--quick to try)
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
