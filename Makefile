# Two commands do all set-up on a fresh machine:
#   make report   # create the environment if needed, execute every notebook, write HTML to reports/
#   make test     # create the environment if needed, run the whole test suite (across the cores)
#
# Environment: a conda environment made from environment.yml is used when it is active
# (CONDA_DEFAULT_ENV=wigan-deal); otherwise a local .venv is made with `python3 -m venv` + pip, and
# re-made when pyproject.toml is newer than the last install.

PYTHON      ?= python3
VENV        := .venv
ENV_NAME    := wigan-deal
# Empty = the default from src/wigan_deal/config.py (or report_config.yml, if it overrides it).
AREA        ?=
BREAK_YEAR  ?=
REPORT_ARGS ?=
ATLAS_ARGS  ?=
PYTEST_ARGS ?=
# pytest-xdist workers for make test / test-fast: auto = one per core; TEST_WORKERS=0 = no workers (one
# process). Readers of a shared rendered report run on the worker that rendered it (tests/conftest.py).
TEST_WORKERS ?=
override XDIST := -n auto --dist loadgroup
# the unit tier: everything not marked integration, slow or browser (markers: pyproject.toml)
override FAST_TIER := not integration and not slow and not browser
# make test: everything but the breadth tier, which make test-councils runs (.ci/run runs both): the every_council
# marker (the all-council run beyond a pre-specified sample of councils, tests/test_every_council.py) and the variants
# marker (the tests reading the rendered reports of other councils and variant parameters, conftest.report_sweep)
override FULL_TIER := not every_council and not variants
override BREADTH_TIER := every_council or variants

# Variables reach Python as data, never as shell text: each one the user gave (command line or environment,
# even empty) is exported unexpanded as WIGAN_DEAL_MAKE_<NAME>, and `python -m wigan_deal.make_args MODULE
# NAME=--flag LIST_NAME` turns them into MODULE's arguments (an empty AREA is an error, not Wigan). They are
# never exported under their own names: make would expand them (running any $(shell ...) inside) to do so.
RUN_VARS := AREA BREAK_YEAR REPORT_ARGS ATLAS_ARGS PYTEST_ARGS TEST_WORKERS
unexport $(RUN_VARS)
$(foreach v,$(RUN_VARS),$(if $(filter command environment override,$(origin $(v))),\
  $(eval export WIGAN_DEAL_MAKE_$(v) = $$(value $(v)))))
RUN := -m wigan_deal.make_args

ifeq ($(CONDA_DEFAULT_ENV),$(ENV_NAME))
PY    := python
STAMP :=
else
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
endif

.PHONY: help env bytecode report atlas test test-fast test-councils lab raw data bench bench-tests lint lock sync-notebooks clean

help:
	@echo "make report [AREA=E08000010] [BREAK_YEAR=2013]  execute all notebooks, write reports/<AREA>[--variant]/"
	@echo "make atlas                                     every English upper-tier council + reports/atlas/index.html"
	@echo "make test                                      the whole suite but the breadth tier, across the cores (budget 2 min, see make bench-tests)"
	@echo "make test-fast                                 the unit tier only: no integration/slow/browser tests (budget 30 s)"
	@echo "make test-councils                             the breadth tier: every council, rendered variant reports (CI runs it too)"
	@echo "make lab                                       JupyterLab from the environment (kernel python3 = this env)"
	@echo "make raw                                       download the raw files from their public origins (verified)"
	@echo "make data                                      rebuild data/ extracts from ../shared/data/raw (else from make raw's folder)"
	@echo "make bench                                     print engine, report and test-suite timings"
	@echo "make lint                                      the quick checks CI runs (ruff, notebooks, pairs, sizes)"
	@echo "make lock                                      re-pin requirements.lock + binder/requirements.txt (exact versions)"
	@echo "make sync-notebooks                            regenerate the jupytext pairs notebooks/py/*.py"
	@echo "make clean                                     remove .venv, caches and generated reports"

env: $(STAMP)

# exact versions from the lock file (`make lock` regenerates it; tests/test_lock.py keeps it in step with
# pyproject.toml), then the package itself without touching them
$(VENV)/.installed: pyproject.toml requirements.lock
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements.lock
	$(VENV)/bin/python -m pip install --quiet --no-deps -e .
	@# one kernel name everywhere: notebooks declare `python3`, which Jupyter started from this environment
	@# (make lab, papermill, Binder, an editor using .venv) runs with this environment's Python
	rm -rf $(VENV)/share/jupyter/kernels/$(ENV_NAME)
	@touch $@

# The package's bytecode, compiled once before a run: every kernel, worker and test process imports the package,
# and where PYTHONDONTWRITEBYTECODE is set (CI images often set it) each of them compiled it again (~0.3 CPU-s per
# kernel). Only changed files are compiled; a source folder that cannot be written is not an error.
bytecode: $(STAMP)
	@$(PY) -m compileall -q src > /dev/null 2>&1 || true

report: $(STAMP) bytecode
	$(PY) $(RUN) wigan_deal.report AREA=--area BREAK_YEAR=--break-year REPORT_ARGS

atlas: $(STAMP) bytecode
	$(PY) $(RUN) wigan_deal.report.atlas ATLAS_ARGS

# pytest keeps its assertion-rewritten test modules in tests/__pycache__ (git-ignored) even where
# PYTHONDONTWRITEBYTECODE is set: otherwise every xdist worker parses and rewrites all ~80 test modules on every run
# (about 2 s of make test-fast's wall time). Only the pytest run is told so (an empty value is "unset").
PYTEST_CACHE := PYTHONDONTWRITEBYTECODE=

test: $(STAMP) bytecode
	$(PYTEST_CACHE) $(PY) $(RUN) pytest $(XDIST) TEST_WORKERS=-n -m "$(FULL_TIER)" PYTEST_ARGS

test-councils: $(STAMP) bytecode
	$(PYTEST_CACHE) $(PY) $(RUN) pytest $(XDIST) TEST_WORKERS=-n -m "$(BREADTH_TIER)" PYTEST_ARGS

test-fast: $(STAMP) bytecode
	$(PYTEST_CACHE) $(PY) $(RUN) pytest $(XDIST) TEST_WORKERS=-n -m "$(FAST_TIER)" PYTEST_ARGS

lab: $(STAMP)
	$(PY) -m jupyter lab --notebook-dir="$(CURDIR)/notebooks"

raw: $(STAMP)
	$(PY) -m wigan_deal.data raw

data: $(STAMP)
	$(PY) -m wigan_deal.data build

bench: $(STAMP)
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_synth.py --real
	$(PY) benchmarks/bench_inference.py
	$(PY) benchmarks/bench_report.py
	$(PY) benchmarks/bench_atlas.py --floor
	$(PY) benchmarks/bench_sweep.py
	$(PYTEST_CACHE) $(PY) benchmarks/bench_tests.py --xdist="$(XDIST)" --fast-tier="$(FAST_TIER)" --full-tier="$(FULL_TIER)" \
	  --breadth-tier="$(BREADTH_TIER)"

# only the test-suite timings: make test and make test-fast against their budgets
bench-tests: $(STAMP)
	$(PYTEST_CACHE) $(PY) benchmarks/bench_tests.py --xdist="$(XDIST)" --fast-tier="$(FAST_TIER)" --full-tier="$(FULL_TIER)" \
	  --breadth-tier="$(BREADTH_TIER)"

# the same checks CI runs (they are tests), in a few seconds: ruff on code and notebooks, notebooks without
# outputs, jupytext pairs in sync, file sizes / no raw data, citation, environment and Binder agree
LINT_TESTS := tests/test_lint.py tests/test_notebooks_clean.py tests/test_notebook_pairs.py \
	tests/test_repo_hygiene.py tests/test_citation.py tests/test_environment.py tests/test_binder.py \
	tests/test_raw_sources.py tests/test_architecture.py

lint: $(STAMP)
	$(PY) -m pytest -q $(LINT_TESTS)

# the lock files: exact versions of this environment (a constraint), resolved by uv for Linux x86-64, Python 3.11
LOCK_ARGS := --python-version 3.11.5 --python-platform x86_64-unknown-linux-gnu --no-annotate \
	--custom-compile-command "make lock" --constraint .lock-constraints.txt

lock: $(STAMP)
	$(PY) -m pip freeze --exclude-editable > .lock-constraints.txt
	$(PY) -m uv pip compile pyproject.toml --extra dev $(LOCK_ARGS) -o requirements.lock
	$(PY) -m uv pip compile pyproject.toml $(LOCK_ARGS) -o binder/requirements.txt
	rm -f .lock-constraints.txt

# after merging notebook changes: safe ruff fixes in the notebooks, then regenerate notebooks/py/*.py
sync-notebooks: $(STAMP)
	$(PY) -m ruff check --fix --exit-zero --quiet notebooks
	$(PY) -m wigan_deal.report.pairs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist src/*.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find reports -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
