# authflows: `make run` serves the site on SQLite at http://127.0.0.1:8000;
# `make test` sets up and runs the tests. Both create .venv on first use: `make run` installs
# the runtime dependencies only, the test targets add the development tools.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
# The npm clients the tests run (installed by the rules below); defined before any rule names
# them, since make expands a rule's prerequisites where it reads the rule.
OIDC_PROVIDER := clients/oidc-provider/node_modules/.installed
AXE := clients/axe/node_modules/.installed

.PHONY: run setup test test-postgres test-faults lint format e2e e2e-screenshots bench scale-check \
	clean check-deploy deploy-check messages compile-messages i18n-check clerk-app e2e-clerk \
	e2e-clerk-latest

# Translations: the catalogs in locale/ (German, French, Spanish and the en_XA pseudo-locale)
# are committed; the compiled .mo files are built from them here. Both need GNU gettext
# (Debian package `gettext`).
LANGS := de fr es en_XA
MAKEMESSAGES := manage.py makemessages $(foreach l,$(LANGS),-l $(l)) --add-location=file \
	--no-obsolete --ignore='.*' --ignore='tests/*' --ignore='bench/*' --ignore='docs/*' \
	--ignore='build/*' --ignore='dist/*' --ignore='staticfiles/*' --ignore='*.egg-info/*' \
	--ignore='clients/*' --ignore='deploy/*'
COMPILEMESSAGES := manage.py compilemessages --ignore='.*' --ignore=tests --ignore=bench \
	--ignore=docs --ignore=build --ignore=dist --ignore=staticfiles --ignore=node_modules \
	--ignore=clients
NEED_GETTEXT = command -v msgfmt >/dev/null || { echo "GNU gettext is missing: apt-get install gettext"; exit 1; }

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# deploy/build-argon2.sh: argon2-cffi rebuilt with AVX2 where the CPU has it (README,
# "Password hashing"); anywhere else its wheel stays.
$(RUNTIME): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	sh deploy/build-argon2.sh $(PY)
	touch $(RUNTIME)

$(DEV): pyproject.toml $(RUNTIME)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(DEV)

setup: $(DEV)

run: $(RUNTIME)
	@if command -v msgfmt >/dev/null; then $(PY) $(COMPILEMESSAGES) --verbosity 0; \
	else echo "GNU gettext is missing (apt-get install gettext): pages are shown in English only"; fi
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(DEV) $(OIDC_PROVIDER) i18n-check compile-messages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

# Compile locale/*/LC_MESSAGES/django.po into .mo files (only those that changed).
compile-messages: $(RUNTIME)
	@$(NEED_GETTEXT)
	$(PY) $(COMPILEMESSAGES) --verbosity 0

# Regenerate the catalogs after changing marked strings: new strings arrive untranslated
# (msgstr "") or fuzzy, and the catalog test lists them until they are translated.
messages: $(DEV)
	@$(NEED_GETTEXT)
	$(PY) $(MAKEMESSAGES)
	$(PY) manage.py pseudo_locale
	$(PY) $(COMPILEMESSAGES) --verbosity 0

# Fails when `make messages` would change a catalog (apart from its POT-Creation-Date) or a
# catalog does not compile. Works on a copy of the sources, so the tree is left alone.
i18n-check: $(DEV)
	@$(NEED_GETTEXT)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp -R manage.py authflows templates locale "$$tmp"/ && \
	find "$$tmp/locale" -name '*.mo' -delete && \
	( cd "$$tmp" && $(CURDIR)/$(PY) $(MAKEMESSAGES) --verbosity 0 && \
	  $(CURDIR)/$(PY) manage.py pseudo_locale >/dev/null ) && \
	if ! diff -ru -x '*.mo' -I '^"POT-Creation-Date: ' locale "$$tmp/locale"; then \
	  echo "FAIL: the catalogs are out of date: run 'make messages', translate, commit"; exit 1; \
	fi && \
	( cd "$$tmp" && $(CURDIR)/$(PY) $(COMPILEMESSAGES) --verbosity 0 ) || \
	{ echo "FAIL: i18n-check (see above)"; exit 1; }
	@echo "i18n-check: catalogs up to date and compiled"

# The same suite against the local PostgreSQL and Redis; the package tests (tests/package/:
# build the wheel, install it into a new virtualenv, embed it in a new project on SQLite) run
# in `make test` only, since nothing in them depends on the site's database.
test-postgres: $(DEV) $(OIDC_PROVIDER) compile-messages
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/authflows} \
	CACHE_URL=$${CACHE_URL:-redis://127.0.0.1:6379/1} \
	AUTHFLOWS_REQUIRE_SERVICES=1 $(PY) -m pytest -m "not e2e and not package" $(PYTEST_ARGS)

# panva's oidc-provider for the SSO tests (a real OpenID Provider on loopback), at the exact
# version in clients/oidc-provider/package-lock.json. Needs node and npm (Debian nodejs, npm).
$(OIDC_PROVIDER): clients/oidc-provider/package.json clients/oidc-provider/package-lock.json
	npm ci --prefix clients/oidc-provider --no-audit --no-fund
	touch $(OIDC_PROVIDER)

# axe-core for the browser journeys, at the exact version in clients/axe/package-lock.json.
$(AXE): clients/axe/package.json clients/axe/package-lock.json
	npm ci --prefix clients/axe --no-audit --no-fund
	touch $(AXE)

# The browser journeys: Debian's Chromium (CHROMIUM=/usr/bin/chromium) driven by Playwright
# against a live server, every page checked with axe-core; screenshots in tests/artifacts/.
# Never downloads a browser.
e2e: $(DEV) $(AXE) $(OIDC_PROVIDER) compile-messages
	$(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

# The same journeys, also refreshing the README's screenshots in docs/screenshots/.
e2e-screenshots: $(DEV) $(AXE) $(OIDC_PROVIDER) compile-messages
	UPDATE_DOCS_SCREENSHOTS=1 $(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

# Clerk's own JavaScript SDK against the Frontend API (/__clerk/v1/): the seeds' pages in
# clients/clerk-react at the exact versions of its package-lock.json, built into its dist/
# (served at /static/clerk-app/), driven in Debian's Chromium; session tokens verified with
# @clerk/backend (node). Downloads npm packages only.
CLERK_APP := clients/clerk-react
CLERK_NPM := $(CLERK_APP)/node_modules/.installed
$(CLERK_NPM): $(CLERK_APP)/package.json $(CLERK_APP)/package-lock.json
	npm ci --prefix $(CLERK_APP) --no-audit --no-fund
	touch $(CLERK_NPM)

clerk-app: $(CLERK_NPM)
	npm run --prefix $(CLERK_APP) build

e2e-clerk: $(DEV) clerk-app compile-messages
	$(PY) -m pytest -m e2e tests/e2e_clerk $(PYTEST_ARGS)

# Drift canary: the same journeys on the newest @clerk/* releases on the registry (in a copy
# of clients/clerk-react under build/); reports what passed and never fails.
e2e-clerk-latest: $(DEV) compile-messages
	@bash $(CLERK_APP)/drift-canary.sh "$(PY)"

# Sign-in throughput under gunicorn on PostgreSQL + Redis, side by side with django-allauth
# (the peer in ../shared/bench/allauth-peer, or BENCH_PEER_DIR; its virtualenv is built in
# /tmp when missing) and against the hashing bound; writes bench/results/latest.{json,md}.
# The site runs as in production: gunicorn and the task worker (Procfile); the static files
# it serves come from collectstatic. About fifteen minutes; loopback only; its own databases
# (authflows_bench, authflows_bench_peer) and redis-server. Options: BENCH_ARGS=--help.
bench: $(DEV)
	DEBUG=false SECRET_KEY=collectstatic-only $(PY) manage.py collectstatic --noinput -v0
	$(PY) bench/run.py $(BENCH_ARGS)

# Two app hosts (gunicorn on 127.0.0.2 and 127.0.0.3) behind HAProxy, sharing one PostgreSQL
# database and one redis-server of their own: throughput of two hosts against one, a host
# killed mid-run, and sessions, client trust, lockout, rate limits and a Dashboard change across
# hosts. Writes bench/results/scale.{json,md}; two to three minutes; loopback only. Needs HAProxy
# and redis-server (Debian packages haproxy, redis-server; installed here when missing and
# run as root). Options: SCALE_ARGS=--help.
scale-check: $(DEV)
	@command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy; \
	  else echo "HAProxy is missing: sudo apt-get install haproxy"; exit 1; fi; }
	$(PY) bench/scale.py $(SCALE_ARGS)

# The fault tests alone (they are part of `make test-postgres` too): each starts its own
# redis-server, SMTP server, gunicorn and message worker on a PostgreSQL database of its own.
test-faults: $(DEV) compile-messages
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/authflows} \
	CACHE_URL=$${CACHE_URL:-redis://127.0.0.1:6379/1} \
	AUTHFLOWS_REQUIRE_SERVICES=1 $(PY) -m pytest tests/faults $(PYTEST_ARGS)

# `manage.py check --deploy` with production settings (DEBUG off, a random SECRET_KEY), on
# DATABASE_URL when set, else on an empty database (the development one has test mode on).
check-deploy: $(RUNTIME)
	@empty=$$(mktemp -d); trap 'rm -rf "$$empty"' EXIT; \
	DEBUG=false SECRET_KEY=$$($(PY) -c "import secrets; print(secrets.token_urlsafe(50))") \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-auth.example.com} \
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$$empty/check-deploy.sqlite3} \
	CACHE_URL=$${CACHE_URL:-redis://127.0.0.1:6379/0} \
	$(PY) manage.py check --deploy --fail-level WARNING

# The README's deploy recipe (Procfile: release, web, worker, scheduler) on loopback with
# DEBUG off: its own PostgreSQL database, Redis and SMTP server processes; an SMTP outage
# during a sign-in on a new device, and delivery after recovery. About a minute.
deploy-check: $(DEV)
	$(PY) deploy/check.py

lint: $(DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(DEV)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles locale/*/LC_MESSAGES/*.mo clients/axe/node_modules \
		build dist authflows.egg-info clients/clerk-react/node_modules clients/clerk-react/dist \
		clients/oidc-provider/node_modules
