# authflows: `make run` serves the site on SQLite at http://127.0.0.1:8000;
# `make test` sets up and runs the tests. Both create .venv on first use: `make run` installs
# the runtime dependencies only, the test targets add the development tools.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: run setup test test-postgres lint format e2e e2e-screenshots bench clean check-deploy deploy-check

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $(RUNTIME)

$(DEV): pyproject.toml $(RUNTIME)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(DEV)

setup: $(DEV)

run: $(RUNTIME)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

# The same suite against the local PostgreSQL and Redis.
test-postgres: $(DEV)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/authflows} \
	CACHE_URL=$${CACHE_URL:-redis://127.0.0.1:6379/1} \
	AUTHFLOWS_REQUIRE_SERVICES=1 $(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

# The browser journeys: Debian's Chromium (CHROMIUM=/usr/bin/chromium) driven by Playwright
# against a live server; screenshots in tests/artifacts/. Never downloads a browser.
e2e: $(DEV)
	$(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

# The same journeys, also refreshing the README's screenshots in docs/screenshots/.
e2e-screenshots: $(DEV)
	UPDATE_DOCS_SCREENSHOTS=1 $(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

# Sign-in throughput under gunicorn on PostgreSQL + Redis against the hashing bound; writes
# bench/results/latest.{json,md}. A few minutes; loopback only. Options: BENCH_ARGS=--help.
# The benchmark starts no task worker yet, so its site sends messages in the request
# (TASK_BACKEND=immediate); the static files it serves come from collectstatic.
bench: $(DEV)
	DEBUG=false SECRET_KEY=collectstatic-only $(PY) manage.py collectstatic --noinput -v0
	TASK_BACKEND=immediate $(PY) bench/run.py $(BENCH_ARGS)

# `manage.py check --deploy` with production settings (DEBUG off, a random SECRET_KEY), on
# DATABASE_URL when set, else on an empty database (the development one has test mode on).
check-deploy: $(RUNTIME)
	@empty=$$(mktemp -d); trap 'rm -rf "$$empty"' EXIT; \
	DEBUG=false SECRET_KEY=$$($(PY) -c "import secrets; print(secrets.token_urlsafe(50))") \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-auth.example.com} \
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$$empty/check-deploy.sqlite3} \
	$(PY) manage.py check --deploy --fail-level WARNING

# The README's deploy recipe (Procfile: release, web, worker, scheduler) on loopback with
# DEBUG off: its own PostgreSQL database, Redis and SMTP server processes; an SMTP outage
# during a sign-in on a new device, and delivery after recovery. About a minute.
deploy-check: $(DEV)
	$(PY) deploy/check.py

lint: $(DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(DEV)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
