# Fulcrum: `make run` for the demo, `make test` for the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Two test processes: the suite's browser, worker and database tests overlap well on two cores.
PYTEST_ARGS ?= -n 2
# The Django templates: the project's own folder and every app's.
TEMPLATES := templates $(wildcard */templates)

.PHONY: run test lint typecheck format check pytest worker beat bench load probe audit clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev lint check pytest

lint: $(VENV)/.dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/djlint --lint $(TEMPLATES)
	$(BIN)/djlint --check $(TEMPLATES)
	$(BIN)/bandit -q -r config toolkit teachers coaching learning cycles calendars reports subscriptions programs -x '*/tests/*,*/migrations/*' 2>&1 | grep -v "WARNING" ; \
		exit $${PIPESTATUS[0]}
	$(MAKE) --no-print-directory typecheck

# Static types: mypy --strict with the django-stubs plugin over the whole project; pyproject.toml
# says what is checked and what is not yet (tests, migrations, coaching, cycles).
typecheck: $(VENV)/.dev
	$(BIN)/mypy .

# Known vulnerabilities in the pinned dependencies. It needs the vulnerability service online;
# --strict makes an unreachable service a failure instead of a silent pass.
audit: $(VENV)/.dev
	$(BIN)/pip-audit --strict -r requirements.txt

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(VENV)/.dev
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

pytest: $(VENV)/.dev
	$(BIN)/pytest $(PYTEST_ARGS)

worker: $(VENV)/.runtime
	$(BIN)/celery -A config worker --loglevel=INFO

beat: $(VENV)/.runtime
	$(BIN)/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache

# The benchmark seeds about 2.5 million log entries into its own PostgreSQL database.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fulcrum_bench
bench: $(VENV)/.dev
	psql "$(dir $(BENCH_DATABASE_URL))postgres" -tc "SELECT 1 FROM pg_database WHERE datname = '$(notdir $(BENCH_DATABASE_URL))'" | grep -q 1 \
		|| psql "$(dir $(BENCH_DATABASE_URL))postgres" -c "CREATE DATABASE $(notdir $(BENCH_DATABASE_URL))"
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_SETTINGS_MODULE=config.settings.test \
		$(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_SETTINGS_MODULE=config.settings.test \
		$(PY) manage.py bench_reports $(BENCH_ARGS)

# The privacy and abuse attacks, replayed against gunicorn on 127.0.0.1 behind one "proxy", on a
# throwaway SQLite database holding the demo; prints what each attack got (exit 1 if one got through).
PROBE_DB := $(CURDIR)/.probe.sqlite3
probe: $(VENV)/.runtime
	rm -f $(PROBE_DB)
	DATABASE_URL=sqlite:///$(PROBE_DB) REDIS_URL= $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=sqlite:///$(PROBE_DB) REDIS_URL= $(PY) manage.py load_demo > /dev/null
	DATABASE_URL=sqlite:///$(PROBE_DB) REDIS_URL= $(PY) manage.py probe
	rm -f $(PROBE_DB)

# A bounded load test against gunicorn on 127.0.0.1 (its own users, in the bench database).
load: $(VENV)/.dev
	psql "$(dir $(BENCH_DATABASE_URL))postgres" -tc "SELECT 1 FROM pg_database WHERE datname = '$(notdir $(BENCH_DATABASE_URL))'" | grep -q 1 \
		|| psql "$(dir $(BENCH_DATABASE_URL))postgres" -c "CREATE DATABASE $(notdir $(BENCH_DATABASE_URL))"
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py load_test $(LOAD_ARGS)
