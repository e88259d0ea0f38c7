# Ledgerline: `make demo` serves the demo, `make test` runs lint and the tests.
# Both set everything up first (virtualenv, PostgreSQL + TimescaleDB, browser).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BOOTSTRAP := bash deploy/local/bootstrap.sh
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install db-start db-stop db-reset migrate seed demo serve serve-production scheduler lint test test-fast e2e-deps bench clean

help:
	@echo "make demo      set up everything and serve the demo at http://$(HOST):$(PORT)"
	@echo "make test      set up everything, run lint and the whole test suite"
	@echo "make lint      ruff check, ruff format --check, mypy, import contracts, makemigrations --check"
	@echo "make bench     benchmarks (figures and ratios against a baseline of the same run)"
	@echo "make serve-production   the production server (gunicorn, a worker per core) locally"
	@echo "make db-start | db-stop | db-reset   this checkout's PostgreSQL + TimescaleDB"

$(STAMP): pyproject.toml
	@echo "[setup] virtualenv and Python packages"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@echo "[setup] front-end libraries from the npm registry (uPlot, ECharts)"
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else echo "npm is missing: install Node.js and npm" >&2; exit 1; fi; }
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

db-start:
	@$(BOOTSTRAP) start

db-stop:
	@$(BOOTSTRAP) stop

db-reset:
	@$(BOOTSTRAP) reset

migrate: $(STAMP) $(NODE_STAMP) db-start
	@$(PY) manage.py migrate --noinput -v 0

seed: migrate
	@$(PY) manage.py seed_demo

# The demo's site shows times in this zone with UTC beside (README, "Site time zone").
demo serve: export LEDGERLINE_SITE_TIME_ZONE ?= Europe/Zurich

# The live line: line L2 simulated in real time, published to Mosquitto (the machine's, or one
# started here), forwarded by a collector (README, "Collectors") into the running historian.
MQTT_PORT ?= 1883
demo: seed
	@echo "[demo] scheduler (checkpoints, verifications) in the background; log in .data/scheduler.log"
	@echo "[demo] live line L2: simulator -> MQTT (port $(MQTT_PORT)) -> collector -> historian; logs .data/line.log, .data/collector.log"
	@echo "[demo] serving Ledgerline at http://$(HOST):$(PORT) (Ctrl-C stops them all)"
	@$(PY) manage.py scheduler > .data/scheduler.log 2>&1 & scheduler=$$!; \
	  broker=; collector=; line=; \
	  if ! (exec 3<>/dev/tcp/127.0.0.1/$(MQTT_PORT)) 2>/dev/null; then \
	    mosquitto=$$(command -v mosquitto || echo /usr/sbin/mosquitto); \
	    if [ -x "$$mosquitto" ]; then "$$mosquitto" -p $(MQTT_PORT) > .data/mosquitto.log 2>&1 & broker=$$!; sleep 0.5; \
	    else echo "[demo] no MQTT broker (apt-get install mosquitto): the live line is off"; fi; \
	  fi; \
	  if (exec 3<>/dev/tcp/127.0.0.1/$(MQTT_PORT)) 2>/dev/null; then \
	    LEDGERLINE_COLLECTOR_TOKEN=$$(cat $${LEDGERLINE_STATE_DIR:-.state}/demo-collector.token) \
	      $(PY) manage.py collect mqtt --broker mqtt://127.0.0.1:$(MQTT_PORT) --topics 'plant/#' \
	      --name demo-collector --buffer .data/collector --historian http://$(HOST):$(PORT) \
	      > .data/collector.log 2>&1 & collector=$$!; \
	    $(PY) manage.py simulate_line --line L2 --speed realtime --hours 24 --via mqtt \
	      --broker mqtt://127.0.0.1:$(MQTT_PORT) --quiet > .data/line.log 2>&1 & line=$$!; \
	  fi; \
	  trap 'kill $$scheduler $$collector $$line $$broker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

serve: migrate
	@$(PY) manage.py runserver $(HOST):$(PORT)

# The production application server (deploy/production/gunicorn.conf.py: a worker per core),
# here with the local cluster: DEBUG off, static files collected and served by WhiteNoise.
serve-production: migrate
	@DJANGO_DEBUG=false $(PY) manage.py collectstatic --noinput -v0
	@echo "[serve] gunicorn at http://$(HOST):$(PORT), $$(nproc) workers (Ctrl-C stops it)"
	@DJANGO_SETTINGS_MODULE=config.settings.local DJANGO_DEBUG=false \
	  LEDGERLINE_BIND=$(HOST):$(PORT) $(VENV)/bin/gunicorn -c deploy/production/gunicorn.conf.py

scheduler: migrate
	@$(PY) manage.py scheduler

lint: $(STAMP)
	@echo "[lint] ruff check"
	@$(VENV)/bin/ruff check .
	@echo "[lint] ruff format --check"
	@$(VENV)/bin/ruff format --check .
	@echo "[lint] mypy"
	@$(VENV)/bin/mypy .
	@echo "[lint] import contracts (.importlinter: layers, a Django-free verifier, no cycles)"
	@$(VENV)/bin/lint-imports --no-cache
	@echo "[lint] makemigrations --check"
	@$(PY) manage.py makemigrations --check --dry-run -v 0

e2e-deps:
	@test -x $(CHROMIUM) || { \
	  echo "[setup] installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" != 0 ]; then echo "chromium is missing: run 'sudo apt-get install chromium'" >&2; exit 1; fi; \
	  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v pdftoppm >/dev/null || { \
	  echo "[setup] installing Debian's poppler-utils (pdftoppm) for the report tests"; \
	  if [ "$$(id -u)" != 0 ]; then echo "pdftoppm is missing: run 'sudo apt-get install poppler-utils'" >&2; exit 1; fi; \
	  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }
	@test -x /usr/sbin/mosquitto || command -v mosquitto >/dev/null || { \
	  echo "[setup] installing Debian's mosquitto (an MQTT broker the collector tests start)"; \
	  if [ "$$(id -u)" != 0 ]; then echo "mosquitto is missing: run 'sudo apt-get install mosquitto'" >&2; exit 1; fi; \
	  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null; }

# Each phase prints its duration ([time] …), so growth toward CI's limit shows; pytest adds
# one line per test folder (tests/conftest.py).
test:
	@t=$$(date +%s); $(MAKE) --no-print-directory install; \
	  echo "[time] install (virtualenv, Python and npm packages) $$(( $$(date +%s) - t )) s"
	@t=$$(date +%s); $(MAKE) --no-print-directory db-start; \
	  echo "[time] database bootstrap $$(( $$(date +%s) - t )) s"
	@t=$$(date +%s); $(MAKE) --no-print-directory e2e-deps; \
	  echo "[time] browser for the e2e tests $$(( $$(date +%s) - t )) s"
	@t=$$(date +%s); $(MAKE) --no-print-directory lint; \
	  echo "[time] lint $$(( $$(date +%s) - t )) s"
	@echo "[test] pytest against the real PostgreSQL + TimescaleDB"
	@t=$$(date +%s); CHROMIUM=$(CHROMIUM) $(PY) -m pytest -q; \
	  echo "[time] tests $$(( $$(date +%s) - t )) s"

test-fast: $(STAMP) db-start
	@$(PY) -m pytest -q -m "not e2e" -x

bench: $(STAMP) db-start e2e-deps
	@CHROMIUM=$(CHROMIUM) $(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache staticfiles
