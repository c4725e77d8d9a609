# Two commands on a fresh machine:
#   make run    set up, then bring up the whole stack (Postgres, Temporal, worker, API)
#   make test   set up, then lint, format check, type check, compose check and every test
#   make bench  set up, then run the benchmarks on an embedded stack in .bench/ (benchmarks/RESULTS.md)

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.sinergi-installed
PYTHON ?= $(shell command -v python3.11 || command -v python3)

.PHONY: setup run test bench

setup: $(STAMP)

# Re-installs only when pyproject.toml changes; otherwise `make setup` does nothing.
$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "setup: Python 3.11 is needed (python3.11 or python3)" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: setup
	$(BIN)/sinergi up

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	scripts/check-compose.sh
	scripts/ensure-chromium.sh
	$(BIN)/pytest

# The issue's sizes; takes a while. A quick run: .venv/bin/python -m benchmarks --help
bench: setup
	$(BIN)/python -m benchmarks $(BENCH_ARGS)
