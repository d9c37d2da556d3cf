# Two commands do all set-up on a fresh machine:
#   make report   # create the environment if needed, execute every notebook, write HTML to reports/
#   make test     # create the environment if needed, run the whole test suite
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

ifeq ($(CONDA_DEFAULT_ENV),$(ENV_NAME))
PY    := python
STAMP :=
else
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
endif

.PHONY: help env report atlas test lab data bench lint clean

help:
	@echo "make report [AREA=E08000010] [BREAK_YEAR=2013]  execute all notebooks, write reports/<AREA>[--variant]/"
	@echo "make atlas                                     every English upper-tier council + reports/atlas/index.html"
	@echo "make test                                      run the whole test suite"
	@echo "make lab                                       JupyterLab with the wigan-deal kernel"
	@echo "make data                                      rebuild data/ extracts from ../shared/data/raw"
	@echo "make bench                                     print engine and report timings"
	@echo "make clean                                     remove .venv, caches and generated reports"

env: $(STAMP)

$(VENV)/.installed: pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e ".[dev]"
	$(VENV)/bin/python -m ipykernel install --prefix "$(CURDIR)/$(VENV)" --name $(ENV_NAME) \
		--display-name "Python (wigan-deal)" > /dev/null
	@touch $@

report: $(STAMP)
	$(PY) -m wigan_deal.report $(if $(AREA),--area "$(AREA)") $(if $(BREAK_YEAR),--break-year "$(BREAK_YEAR)") $(REPORT_ARGS)

atlas: $(STAMP)
	$(PY) -m wigan_deal.report.atlas $(ATLAS_ARGS)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lab: $(STAMP)
	$(PY) -m jupyter lab --notebook-dir="$(CURDIR)/notebooks"

data: $(STAMP)
	$(PY) -m wigan_deal.data build

bench: $(STAMP)
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_synth.py --real
	$(PY) benchmarks/bench_report.py
	$(PY) benchmarks/bench_atlas.py

lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist src/*.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find reports -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
