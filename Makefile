# authflows: `make run` serves the site on SQLite at http://127.0.0.1:8000;
# `make test` sets up and runs the tests. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run setup test test-postgres lint format e2e e2e-screenshots bench clean check-deploy

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

# The same suite against the local PostgreSQL and Redis.
test-postgres: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/authflows} \
	CACHE_URL=$${CACHE_URL:-redis://127.0.0.1:6379/1} \
	AUTHFLOWS_REQUIRE_SERVICES=1 $(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

# axe-core for the browser journeys, at the exact version in clients/axe/package-lock.json.
AXE := clients/axe/node_modules/.installed
$(AXE): clients/axe/package.json clients/axe/package-lock.json
	npm ci --prefix clients/axe --no-audit --no-fund
	touch $(AXE)

# The browser journeys: Debian's Chromium (CHROMIUM=/usr/bin/chromium) driven by Playwright
# against a live server, every page checked with axe-core; screenshots in tests/artifacts/.
# Never downloads a browser.
e2e: $(STAMP) $(AXE)
	$(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

# The same journeys, also refreshing the README's screenshots in docs/screenshots/.
e2e-screenshots: $(STAMP) $(AXE)
	UPDATE_DOCS_SCREENSHOTS=1 $(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

# Sign-in throughput under gunicorn on PostgreSQL + Redis against the hashing bound; writes
# bench/results/latest.{json,md}. A few minutes; loopback only. Options: BENCH_ARGS=--help.
bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles clients/axe/node_modules
