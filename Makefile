# PRIMA: `make run` for the demo site, `make test` for the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements
TEST_STAMP := $(VENV)/.installed-test-requirements
# Development defaults; production sets its own environment (see README).
DEV_ENV := DEBUG=1
# Where `make run` and `make run-celery` serve (PORT=8001 make run); links in volunteers' emails follow.
PORT ?= 8000
RUN_ENV := $(DEV_ENV) SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}

.PHONY: venv run test migrate stop-db chaos screenshots bench-venv

venv: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

# The test tools (requirements-test.txt) only where tests run.
$(TEST_STAMP): $(STAMP) requirements-test.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	@touch $(TEST_STAMP)

migrate: venv
	$(DEV_ENV) $(PY) manage.py migrate --noinput

run: migrate
	$(DEV_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) $(PY) manage.py create_local_admin
	@$(RUN_ENV) $(PY) manage.py webhook_urls
	@echo "Serving http://127.0.0.1:$(PORT)/admin/ with the scheduler loop beside it; Ctrl-C stops both."
	@$(RUN_ENV) $(PY) manage.py send_reminders --loop & loop=$$!; \
	trap 'kill $$loop 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(TEST_STAMP)
	$(DEV_ENV) $(PY) manage.py check
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(DEV_ENV) $(PY) -m pytest

# The README's pictures (docs/screenshots/), taken in headless Chromium by the browser test's
# visit (tests/admin/screenshots.py); `make test` writes its own to a temporary folder.
screenshots: $(TEST_STAMP)
	$(DEV_ENV) $(PY) -m pytest tests/admin/screenshots.py

# The reliability harness: kills, provider failures, a database restart (bench/chaos.py).
chaos: venv
	$(DEV_ENV) $(PY) bench/chaos.py

# The benches' own venv (.venv-bench): the project's requirements and the peer queue that
# bench/peers.py compares against (bench/requirements.txt). Run a bench with .venv-bench/bin/python.
bench-venv: .venv-bench/.installed
.venv-bench/.installed: requirements.txt bench/requirements.txt
	@test -x .venv-bench/bin/python || $(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	@touch $@

# Stop the embedded PostgreSQL (it otherwise keeps running between commands).
stop-db: venv
	$(PY) -c "from prima.embedded_db import stop_embedded_server; stop_embedded_server('.data/pg')"

# --- Celery scale-out (docs/operations.md): web, one worker and beat on a local Redis. ---------
# Uses the redis-server answering on REDIS_PORT, or starts the distribution's binary there with
# its data in .data/redis. Ctrl-C stops everything it started.
REDIS_PORT ?= 6379
CELERY_ENV := $(RUN_ENV) CELERY_BROKER_URL=redis://127.0.0.1:$(REDIS_PORT)/0

.PHONY: run-celery
run-celery: migrate
	$(DEV_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) $(PY) manage.py create_local_admin
	@mkdir -p .data/redis
	@$(RUN_ENV) $(PY) manage.py webhook_urls
	@echo "Serving http://127.0.0.1:$(PORT)/admin/ with a Celery worker and beat (Redis on port $(REDIS_PORT)); Ctrl-C stops them."
	@pids=""; trap 'kill $$pids 2>/dev/null' EXIT INT TERM; \
	if ! redis-cli -p $(REDIS_PORT) ping >/dev/null 2>&1; then \
	  command -v redis-server >/dev/null || { echo "redis-server is not installed (apt-get install redis-server)"; exit 1; }; \
	  redis-server --port $(REDIS_PORT) --bind 127.0.0.1 --dir .data/redis --logfile redis.log & pids="$$pids $$!"; \
	  until redis-cli -p $(REDIS_PORT) ping >/dev/null 2>&1; do sleep 0.1; done; \
	fi; \
	$(CELERY_ENV) $(VENV)/bin/celery -A prima worker --concurrency=1 --loglevel=INFO & pids="$$pids $$!"; \
	$(CELERY_ENV) $(VENV)/bin/celery -A prima beat --schedule=.data/celerybeat-schedule --loglevel=INFO & pids="$$pids $$!"; \
	$(CELERY_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# --- The production shape on one machine (docs/operations.md#deployment) ----------------------
# deploy/run-prod.sh: migrate, collectstatic, check --deploy, then supervisord running the Procfile
# (redis-server on REDIS_PORT, gunicorn on PORT, a Celery worker, beat) with DEBUG off, each
# restarted if it dies. Needs SECRET_KEY and ALLOWED_HOSTS; DATABASE_URL defaults to the embedded
# server's. Over plain HTTP (no TLS proxy in front), also SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0.
# Ctrl-C stops everything gracefully; `.venv/bin/supervisorctl -c deploy/supervisord.conf status`.
.PHONY: run-prod
run-prod: venv
	@DATABASE_URL="$${DATABASE_URL:-$$($(PY) -c 'from pathlib import Path; from prima.embedded_db import embedded_database_url; print(embedded_database_url(Path(".data")))')}" \
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" exec deploy/run-prod.sh
