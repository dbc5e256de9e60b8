# survey_app: every set-up step is a dependency of `run` or `test`, so both work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PORT
FLASK := $(BIN)/flask --app survey_app
CATALOGS := $(patsubst %.po,%.mo,$(wildcard survey_app/translations/*/LC_MESSAGES/messages.po))

.PHONY: run test install install-test translations extract-messages database bench clean

run: install translations database ## set up and serve the demo on http://127.0.0.1:$(PORT)
	$(FLASK) demo create
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install-test translations ## run the whole test suite
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

translations: $(CATALOGS)

%.mo: %.po | $(BIN)/python
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

extract-messages: install ## refresh the message catalogs after changing interface texts
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project survey_app -o survey_app/translations/messages.pot .
	$(BIN)/pybabel update -i survey_app/translations/messages.pot -d survey_app/translations --width 100

database: install ## migrate the database and load the plan and questionnaires
	$(FLASK) db upgrade
	$(FLASK) questionnaires load

bench: install-test translations ## run the benchmarks and print their figures
	$(BIN)/python benchmarks/bench_analysis.py

clean:
	rm -rf $(VENV) instance .pytest_cache
