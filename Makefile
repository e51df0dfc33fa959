# keten: `make run` installs into .venv and runs the main job on the embedded default;
# `make test` installs and runs every test (with ruff and mypy).
#
# pytest runs on PYTEST_WORKERS processes (pytest-xdist), each file on one worker so its
# module fixtures are built once (--dist loadfile); every worker has its own PostgreSQL
# cluster, chromium, demo server and temp dirs. PYTEST_ARGS is appended, e.g.
#   make test PYTEST_ARGS=-n0                    one process (pdb, print debugging)
#   make test PYTEST_ARGS="tests/api -x"         only the API tests, still on two workers
#   make test PYTEST_ARGS="--durations=40"       the slowest tests
PYTHON ?= python3
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install system-deps run test lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests need (PostgreSQL server, Chromium); installs them when missing.
system-deps:
	bash scripts/system-deps.sh

# The main job on the embedded default: the demo footprint (printed and written to out/demo),
# then the dashboard on the built-in network, demo data and the SQLite store (Ctrl+C stops it).
run: install
	$(BIN)/keten demo
	$(BIN)/keten dashboard

lint: install
	$(BIN)/ruff check src tests benchmarks scripts

typecheck: install
	$(BIN)/mypy

test: install system-deps lint typecheck
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/footprint.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache out
