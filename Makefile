# Two commands on a fresh machine: `make serve` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: install serve build test test-fast lint typecheck pytest check pdf bench clean
.PHONY: sarif site-zip system-deps release fuzz review-issue engine-test zensical-gate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)
	@# On GitHub Actions, later steps of the job find opsbook, mkdocs and ruff on PATH.
	@if [ -n "$$GITHUB_PATH" ]; then echo "$(CURDIR)/$(BIN)" >> "$$GITHUB_PATH"; fi

serve: install ## set up and serve the handbook on http://127.0.0.1:8000
	@# --dirty: a save re-renders only the pages it affects (the opsbook plugin finds them).
	$(BIN)/mkdocs serve --dirty -a 127.0.0.1:8000

build: install ## build the site into site/ (fails on error-level findings)
	$(BIN)/mkdocs build --strict

check: install ## run opsbook's checks on this handbook
	$(BIN)/opsbook check

test: install lint typecheck pytest ## set up and run linters, type checks and tests

test-fast: ## the same without the tests marked slow (whole-handbook prints, pre-commit install)
	$(MAKE) --no-print-directory lint typecheck pytest \
		PYTEST_ARGS='-n auto --dist loadfile -m "not slow"'

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

# Tests write only to temporary directories: anything new in the clone after pytest (ignored
# files included; Python's own __pycache__ aside) fails the run and is named.
# One worker per core; a file's tests stay on one worker, so its module fixtures (a printed
# handbook, built sites) are made once.
PYTEST_ARGS ?= -n auto --dist loadfile
CLONE_STATE = git status --porcelain --ignored 2>/dev/null | grep -v '__pycache__/$$' | sort
pytest: install
	@before="$$($(CLONE_STATE))"; \
	$(BIN)/pytest $(PYTEST_ARGS); status=$$?; \
	after="$$($(CLONE_STATE))"; \
	new="$$(printf '%s\n' "$$after" | grep -vxF -e "$$before" || true)"; \
	if [ -n "$$new" ]; then echo "the tests wrote into the clone:" >&2; echo "$$new" >&2; exit 1; fi; \
	exit $$status

fuzz: install ## property-based fuzzing of the check path: >= 10,000 generated cases (~10 min)
	OPSBOOK_HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -p no:cacheprovider tests/unit/test_fuzz.py \
		--hypothesis-show-statistics

pdf: install ## print the handbook and every runbook to pdf/
	$(BIN)/opsbook pdf

bench: install ## benchmarks at handbook scale (~5 min; BENCH_50K=0 skips the 50k run)
	$(BIN)/python -m bench

# --- CI (.github/workflows): every workflow step is one of these targets or an opsbook command.

ENGINE ?= mkdocs
ENGINE_TESTS := tests/integration/test_end_to_end.py tests/integration/test_engines.py \
	tests/integration/test_confine.py tests/integration/test_site_marker_gate.py \
	tests/unit/test_engine_choice.py
engine-test: install ## the site engine tests with sites built by ENGINE=mkdocs|properdocs
	@# Under ProperDocs the tests run in an environment with no mkdocs module at all.
	OPSBOOK_TEST_ENGINE=$(ENGINE) $(BIN)/pytest -p no:cacheprovider $(ENGINE_TESTS)

ZENSICAL_VENV := .venv-zensical
ZENSICAL_SITE := build/zensical-site
zensical-gate: install ## show that a Zensical build (no plugins) fails `opsbook check --site`
	@# Zensical ignores the opsbook plugin: its build is green but carries no runbook checks,
	@# so the gate must reject the site it wrote (exit 1), and say why.
	test -x $(ZENSICAL_VENV)/bin/zensical || { $(PYTHON) -m venv $(ZENSICAL_VENV) && \
	  $(ZENSICAL_VENV)/bin/python -m pip install --quiet 'zensical>=0.0.73'; }
	rm -rf site $(ZENSICAL_SITE) && mkdir -p build
	$(ZENSICAL_VENV)/bin/zensical build --clean -f mkdocs.yml
	mv site $(ZENSICAL_SITE)
	$(BIN)/opsbook check --site $(ZENSICAL_SITE) 2> build/zensical-gate.log; \
	  status=$$?; cat build/zensical-gate.log; \
	  if [ $$status -ne 1 ] || ! grep -q "built without opsbook" build/zensical-gate.log; then \
	    echo "zensical-gate: expected opsbook check --site to reject the Zensical build" >&2; \
	    exit 1; \
	  fi

sarif: install ## findings as SARIF 2.1.0 in opsbook.sarif, for GitHub code scanning
	@# Exit 1 only means "there are findings": code scanning shows them; 2 is a real failure.
	$(BIN)/opsbook check --format sarif --output opsbook.sarif || [ $$? -eq 1 ]

review-issue: install ## keep one GitHub issue listing the runbooks overdue for review (needs gh)
	PATH="$(CURDIR)/$(BIN):$$PATH" sh .github/scripts/review-issue.sh

site-zip: build ## the built site as dist/handbook-site.zip (opens from file://, no network)
	rm -f dist/handbook-site.zip
	mkdir -p dist
	$(BIN)/python -m zipfile -c dist/handbook-site.zip site/

# Debian/Ubuntu packages (make, python3-venv, git, fonts and Pango for PDFs, chromium for the
# browser tests), installed when missing: the one list is in .ci/system-deps, which .ci/run and
# the GitHub workflows use too. OPSBOOK_CHROMIUM names another browser to use instead.
system-deps: ## install the system packages opsbook and its tests use (needs root or sudo)
	sh .ci/system-deps

release: ## attach dist/handbook-site.zip and dist/pdf/ to the GitHub release $TAG (needs gh)
	@# TAG is read by the shell, not expanded by make, so a tag name cannot inject commands.
	@test -n "$$TAG" || { echo "usage: make release TAG=v1.2.3" >&2; exit 2; }
	@test -f dist/handbook-site.zip || { echo "dist/handbook-site.zip missing" >&2; exit 2; }
	gh release view "$$TAG" >/dev/null 2>&1 || \
	  gh release create "$$TAG" --verify-tag --title "Handbook $$TAG" \
	    --notes "Offline site (unzip, open site/index.html) and printable PDF runbooks."
	@# .opsbook-pdf/ holds what a second `opsbook pdf` reuses: not for the release.
	find dist/pdf -name '*.pdf' -not -path '*/.opsbook-pdf/*' -print0 | \
	  xargs -0 gh release upload "$$TAG" --clobber dist/handbook-site.zip

clean:
	rm -rf site pdf build dist opsbook.sarif .pytest_cache .mypy_cache .ruff_cache .venv-zensical
