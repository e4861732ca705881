# evidencekb task runner. `make` alone prints help. CI (.ci/run) calls `make test`.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist workers of `make test` (the tests that share a server or the site build stay in one worker:
# tests/conftest.py); TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= 2

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock site/package.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[test]'
	npm ci --prefix site --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP) ## Create .venv and install evidencekb with its test tools and site assets

run: install ## Main job: validate, print Tables 3-1/3-2, build the site into build/site
	$(BIN)/evidencekb build

test: install ## Lint, import layers and the whole test suite (CI runs exactly this)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

validate: install ## Validate data/ against ontology + SHACL + QC queries
	$(BIN)/evidencekb validate

site: install ## Build the site into build/site
	$(BIN)/evidencekb site build

serve: install ## Build and serve the site on http://127.0.0.1:8000
	$(BIN)/evidencekb site serve

lint: install ## ruff and the import-layer contract
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

bench: install ## Benchmarks (not part of CI); results in benchmarks/RESULTS.md
	$(BIN)/python benchmarks/run.py

lock: ## Re-resolve requirements.lock (the versions CI installs) after changing dependencies
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 -q -o requirements.lock

clean: ## Remove build output
	rm -rf build

.PHONY: help install run test validate site serve lint bench lock clean
