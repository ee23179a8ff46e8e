# Two commands set everything up on a fresh machine: `make run` and `make test`.
# Without DATABASE_URL an embedded PostgreSQL (pgserver) keeps its data in var/pgdata.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Local development defaults; production sets its own environment (README).
DEV_ENV := DEBUG=$${DEBUG:-true}
# `make run` also points the links in the mail it prints at this server.
RUN_ENV := $(DEV_ENV) SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)}

.PHONY: install run test schemathesis lint migrate demo clean css

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

# USWDS (its fonts, images and scripts served by whitenoise from node_modules, see
# STATICFILES_DIRS; its Sass packages for `make css`), sass and axe-core (tests).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.package-lock.json

install: $(INSTALLED) node_modules/.package-lock.json

# Rebuild static/css/uswds.css (committed) from assets/uswds.scss: only the USWDS
# parts the templates use, compiled by dart-sass (the `css` script in package.json).
# tests/miao_site/test_uswds_css.py fails when the committed file is out of date.
css: node_modules/.package-lock.json
	npm run --silent css -- static/css/uswds.css

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(DEV_ENV) $(BIN)/python manage.py seed_demo

# The mail workers run beside the server: alerts are prepared every minute and
# the mail outbox is delivered every few seconds, to the console in development.
run: demo
	@$(RUN_ENV) $(BIN)/python manage.py send_alerts --loop & alerts=$$!; \
	$(RUN_ENV) $(BIN)/python manage.py send_mail_outbox --loop --interval 5 & outbox=$$!; \
	trap 'kill $$alerts $$outbox 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The suite runs in TEST_WORKERS processes (pytest-xdist), each with its own
# test database (test_<name>_gw0, _gw1, ...) and its own live server; an idle
# worker takes tests queued for the other (worksteal: browser tests are long).
TEST_WORKERS ?= auto
test: install
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(DEV_ENV) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The long property-based run of the API against its OpenAPI schema (200
# examples an operation, boundary values, longer stateful runs); `make test`
# runs a short pass of the same tests. .ci/run runs it after `make test`.
schemathesis: install
	$(DEV_ENV) SCHEMATHESIS_RUN=long $(BIN)/python -m pytest tests/api/test_schemathesis.py $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var staticfiles
