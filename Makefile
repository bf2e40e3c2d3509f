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

.PHONY: help install test test-slow check demo eval-default bench clean

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

test: install ## Run the test suite (slow tests excluded)
	$(BIN)/pytest -m "not slow"

test-slow: install ## Run every test, slow ones included
	$(BIN)/pytest

check: install ## Lint with ruff
	$(BIN)/ruff check transenc tests examples bench

demo: install ## Bootstrap the embedded model on 1000 STS-B train pairs (1 round) and show before/after
	$(BIN)/transenc bootstrap --pairs stsb:train --data-dir "$(STS_DATA)" --recipe demo \
		--eval-data "$(STS_DATA)" --out runs/demo

eval-default: install ## Evaluate the embedded all-MiniLM-L6-v2 on the seven STS tasks
	$(BIN)/transenc eval-sts default --data-dir "$(STS_DATA)"

bench: install ## Run the benchmark scripts under bench/
	$(BIN)/python -m bench.eval_speed --data-dir "$(STS_DATA)"

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
