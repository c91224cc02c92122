# Two commands on a fresh machine: `make demo` and `make test`. Everything local lives in .local/.
SHELL := /bin/bash
ROOT := $(abspath .)
LOCAL := $(ROOT)/.local
VENV := $(LOCAL)/venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell command -v python3.11 || command -v python3)
ODBC_PACKAGES := unixodbc libsqliteodbc odbc-postgresql
# Debian's own browser and its driver: the ops console's browser test runs them headless (nothing downloaded).
BROWSER_PACKAGES := chromium chromium-driver

export AIRFLOW_HOME := $(LOCAL)/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(ROOT)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(ROOT)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__PARALLELISM := 4
export AIRFLOW__PROVIDERS_ODBC__ALLOW_DRIVER_IN_EXTRA := True
export PYTHONPATH := $(ROOT):$(ROOT)/plugins
export GX_ANALYTICS_ENABLED := false
export NO_PROXY := 127.0.0.1,localhost

.PHONY: help setup system-deps venv demo test airflow sandbox dlq migrate bench chaos clean

help:
	@echo "make demo     set up (venv, ODBC drivers) and run every flow of the default pair against the sandbox"
	@echo "make test     set up and run the test suite"
	@echo "make airflow  local Airflow UI on http://localhost:8080 with every sandbox the pairs need, the alert sink and"
	@echo "              the ops console (/storesync/); keeps the demo's state (ARGS=--reset: afresh; ARGS=--paused)"
	@echo "make sandbox  run only the sandbox systems in the foreground"
	@echo "make dlq ARGS=\"list\"  inspect, resolve or replay the local dead-letter queue"
	@echo "make migrate  apply the sync store's pending schema migrations (ARGS=current|history|check)"
	@echo "make bench    benchmarks (SIZE=small for the CI-sized run); report in .local/bench/"
	@echo "make chaos    the orders flow under injected faults and a killed run (PAIR=xcart-acumatica or all; ARGS=...)"
	@echo "make clean    remove .local/ (venv, Airflow home, databases, outputs)"

setup: system-deps venv

system-deps:
	@if odbcinst -q -d 2>/dev/null | grep -q '^\[SQLite3\]' && odbcinst -q -d | grep -q '^\[PostgreSQL Unicode\]'; then \
		exit 0; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "installing ODBC drivers: $(ODBC_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(ODBC_PACKAGES) >/dev/null; \
	else \
		echo "ODBC drivers missing. Run:  sudo apt-get install -y $(ODBC_PACKAGES)"; exit 1; \
	fi
	@# The browser is only for the ops console's browser test: without it that test skips (fails in CI).
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
		exit 0; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "installing the test browser: $(BROWSER_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	else \
		echo "note: the browser test needs  sudo apt-get install -y $(BROWSER_PACKAGES)"; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@mkdir -p $(LOCAL)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check uv==0.13.8
	@echo "installing Python dependencies from requirements.lock into $(VENV)"
	@$(VENV)/bin/uv pip install -q --python $(PY) -r requirements.lock
	@$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	@touch $@

demo: setup
	@$(PY) scripts/demo.py $(if $(PAIR),--pair $(PAIR))

test: setup
	@$(PY) -m pytest $(PYTEST_ARGS)

airflow: setup
	@$(PY) scripts/local_airflow.py $(ARGS)

sandbox: setup
	@$(PY) -m include.sandbox

chaos: setup
	@$(PY) scripts/chaos.py $(if $(PAIR),--pair $(PAIR)) $(ARGS)

# Work the local dead-letter queue, e.g. make dlq ARGS="list" / ARGS="replay --ids 3 --by me --run-now"
dlq: setup
	@$(PY) -m storesync.dlq --store-url sqlite:///$(LOCAL)/data/sync.db $(ARGS)

# Sync store schema migrations (the store also applies them on start-up), e.g. make migrate ARGS=current
migrate: setup
	@$(PY) -m storesync.store.migrate $(or $(ARGS),upgrade) --store-url sqlite:///$(LOCAL)/data/sync.db

# Benchmarks: report in .local/bench/report.{md,json}. dlt (the peer of item a) lives in its own venv.
SIZE ?= full
BENCH_VENV := $(LOCAL)/bench-venv

$(BENCH_VENV)/.installed: requirements-bench.lock $(VENV)/.installed
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	@$(VENV)/bin/uv pip install -q --python $(BENCH_VENV)/bin/python -r requirements-bench.lock
	@touch $@

bench: setup $(BENCH_VENV)/.installed
	@$(PY) -m scripts.bench --size $(SIZE) $(ARGS)

clean:
	rm -rf $(LOCAL)
