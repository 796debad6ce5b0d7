# Tværs -- developer tasks.  `make` (or `make help`) lists them.
# Tools run from .venv/bin directly; no activation needed.

.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:

VENV        := .venv
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.installed
HOST        ?= 127.0.0.1
PORT        ?= 8000
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core. Whole modules go to one process, so a
# module's shared fixtures (demo data, a browser) are built once.
TEST_WORKERS ?= auto
XDIST        := -n $(TEST_WORKERS) --dist loadfile
# Tests' files (SQLite databases, throwaway PostgreSQL clusters) go to memory where the
# machine has a tmpfs: on disk, a fresh SQLite database's first syncs took ~0.1 s a test.
TEST_TMPDIR  ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo $${TMPDIR:-/tmp})
DEMO        ?= yes
LOCK_ARGS   ?=

# First interpreter >= 3.11 found (override: make venv PYTHON=/path/to/python3.12).
PYTHON ?= $(shell for p in python3 python3.11 python3.12 python3.13 python3.14; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$p; break; }; done)

.PHONY: help venv run test test-fast lint fmt openapi lock clean distclean

help: ## List the targets
	@echo "Usage: make <target> [HOST=...] [PORT=...] [PYTEST_ARGS=...]"
	@awk 'BEGIN {FS = ":.*?## "} /^[a-zA-Z_-]+:.*?## / {printf "  %-10s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)

venv: $(STAMP) ## Create .venv (Python >= 3.11) and install -e ".[dev]" pinned by constraints.txt

$(STAMP): pyproject.toml constraints.txt
	@if ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
		if [ -z "$(PYTHON)" ]; then echo "error: no python >= 3.11 found (set PYTHON=...)" >&2; exit 1; fi; \
		echo "creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"; \
		$(PYTHON) -m venv --clear $(VENV); \
	fi
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -c constraints.txt -e ".[dev]"
	@touch $@

run: venv ## Serve the web UI and API on HOST:PORT (default 127.0.0.1:8000) with the demo data (DEMO= for none)
	$(BIN)/tvaers serve --host $(HOST) --port $(PORT) $(if $(DEMO),--demo)

test: venv lint ## Lint, then run the whole test suite (extra pytest options: PYTEST_ARGS=...)
	TMPDIR=$(TEST_TMPDIR) $(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

test-fast: venv ## Unit and SQLite tests: no lint, PostgreSQL, browser or fuzzing (about a minute)
	TMPDIR=$(TEST_TMPDIR) $(BIN)/pytest $(XDIST) -m "not postgres and not fuzz" --ignore=tests/e2e $(PYTEST_ARGS)

lint: venv ## ruff check, ruff format --check, mypy, import-linter
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: venv ## Format the code and apply ruff's safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: venv ## Write docs/openapi.json anew from the served schema (a deliberate API change)
	$(BIN)/python -m docs.tools.openapi_snapshot

lock: ## Install pyproject's deps unpinned (LOCK_ARGS=--upgrade to upgrade), pin them in constraints.txt
	@test -x $(BIN)/pip || { echo "error: no $(VENV); run 'make venv' first" >&2; exit 1; }
	$(BIN)/python -m pip install $(LOCK_ARGS) -e ".[dev]"
	$(BIN)/pip freeze --exclude-editable > constraints.txt.tmp
	mv constraints.txt.tmp constraints.txt
	@if [ -f $(STAMP) ]; then touch $(STAMP); fi

clean: ## Remove caches and build artefacts (keeps .venv)
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	rm -rf .mypy_cache .ruff_cache .pytest_cache .import_linter_cache build dist *.egg-info

distclean: clean ## Also remove .venv
	rm -rf $(VENV)
