# Two commands on a fresh machine: `make serve` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: install serve build test lint typecheck pytest check pdf bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: install ## set up and serve the handbook on http://127.0.0.1:8000
	$(BIN)/mkdocs serve -a 127.0.0.1:8000

build: install ## build the site into site/ (fails on error-level findings)
	$(BIN)/mkdocs build --strict

check: install ## run opsbook's checks on this handbook
	$(BIN)/opsbook check

test: install lint typecheck pytest ## set up and run linters, type checks and tests

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

pdf: install ## print the handbook and every runbook to pdf/
	$(BIN)/opsbook pdf

bench: install ## benchmarks at handbook scale (~5 min; BENCH_50K=0 skips the 50k run)
	$(BIN)/python -m bench

clean:
	rm -rf site pdf build .pytest_cache .mypy_cache .ruff_cache
