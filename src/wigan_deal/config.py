"""Paths and defaults, in one place.

Every other module takes its paths and defaults from here; notebooks never build file paths
themselves. Environment variables override the locations for users whose layout differs.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Root of the repository (this file is ``src/wigan_deal/config.py``).
PROJECT_ROOT: Path = Path(os.environ.get("WIGAN_DEAL_ROOT", Path(__file__).resolve().parents[2]))

#: Committed, compact, tidy extracts built from the raw official files.
DATA_DIR: Path = PROJECT_ROOT / "data"
EXTRACTS_DIR: Path = DATA_DIR / "extracts"
PROVENANCE_FILE: Path = DATA_DIR / "provenance.json"
CLAIMS_FILE: Path = DATA_DIR / "report_claims.yml"
#: Pre-specified primary analysis per outcome (issue 9; see docs/inference.md).
ANALYSIS_PLAN_FILE: Path = DATA_DIR / "analysis_plan.yml"
#: publisher's HLE significance flags vs England, parsed from the raw files (``python -m wigan_deal.hle_ci build``)
HLE_FLAGS_FILE: Path = DATA_DIR / "hle" / "significance_flags.csv"
#: Pre-specified rule choosing the headline synthetic-control donor pool (issue 15; docs/synthetic_control.md).
SYNTH_HEADLINE_FILE: Path = DATA_DIR / "synth_headline.yml"

#: The shared raw folder beside the checkout on the team's machines (read-only, never committed).
SHARED_RAW_DIR: Path = PROJECT_ROOT.parent / "shared" / "data" / "raw"
#: Where ``make raw`` (``python -m wigan_deal.data raw``) downloads the raw files from their public
#: origins (git-ignored; same layout as ``../shared/data/raw``). Origins: ``data/raw_sources.yml``.
RAW_DOWNLOAD_DIR: Path = Path(os.environ.get("WIGAN_DEAL_RAW_DOWNLOAD_DIR", DATA_DIR / "raw" / "official"))
RAW_SOURCES_FILE: Path = DATA_DIR / "raw_sources.yml"
#: Hex map of the upper-tier councils (ODI Leeds, 2019 geography) drawn on the atlas page, in the raw folder.
HEXMAP_FILE: str = "hexmap/uk-upper-tier-local-authorities.hexjson"
#: Raw files read by report pages rather than by the build; ``make raw`` fetches them too.
PAGE_RAW_FILES: tuple[str, ...] = (HEXMAP_FILE,)
#: Raw official files read by ``make data``: ``WIGAN_DEAL_RAW_DIR`` if set, else ``../shared/data/raw``
#: if it exists, else the ``make raw`` download folder (a clean clone without ``../shared``).
RAW_DIR: Path = Path(
    os.environ.get("WIGAN_DEAL_RAW_DIR")
    or (SHARED_RAW_DIR if SHARED_RAW_DIR.is_dir() else RAW_DOWNLOAD_DIR)
)
#: Where ``python -m wigan_deal.data refresh`` downloads to (git-ignored).
DOWNLOAD_DIR: Path = Path(os.environ.get("WIGAN_DEAL_DOWNLOAD_DIR", DATA_DIR / "raw"))
#: Published example data used to validate the statistical engine.
VALIDATION_DIR: Path = (SHARED_RAW_DIR if RAW_DIR == RAW_DOWNLOAD_DIR else RAW_DIR).parent / "validation"

NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
REPORTS_DIR: Path = Path(os.environ.get("WIGAN_DEAL_REPORTS_DIR", PROJECT_ROOT / "reports"))
REPORT_CONFIG_FILE: Path = PROJECT_ROOT / "report_config.yml"
#: Results that are the same for every council (e.g. the verdict shares of every rule), computed once per
#: machine and kept here, keyed by a fingerprint of the code, data and library versions they depend on
#: (:mod:`wigan_deal.result_cache`; git-ignored). ``WIGAN_DEAL_RESULT_CACHE=off`` computes them afresh.
RESULT_CACHE_DIR: Path = Path(os.environ.get("WIGAN_DEAL_CACHE_DIR", PROJECT_ROOT / ".cache" / "results"))

# --- analysis defaults -------------------------------------------------------------------------
ENGLAND: str = "E92000001"
WIGAN: str = "E08000010"
DEFAULT_AREA: str = WIGAN
#: The Deal's start year; 2013 and 2014 are candidate alternatives (see notebooks/05_robustness).
DEFAULT_BREAK_YEAR: int = 2011
CANDIDATE_BREAK_YEARS: tuple[int, ...] = (2009, 2010, 2011, 2012, 2013, 2014)
#: Later starts named as alternatives (community investment / "Deal for Health", 2013-14).
ALTERNATIVE_BREAK_YEARS: tuple[int, ...] = (2013, 2014)
#: The data vintage contemporaneous with the King's Fund report (June 2019).
REPORT_VINTAGE: str = "2019-05"
#: HLE 95% CI half-widths (years) of the claims register's original assumption: one council estimate, England
HLE_ASSUMED_CI_HALFWIDTH: float = 1.5
HLE_ENGLAND_CI_HALFWIDTH: float = 0.2
DEFAULT_VINTAGE: str = REPORT_VINTAGE
SEXES: tuple[str, ...] = ("Male", "Female")
#: Comparator groups: 'england', 'gm' (other GM boroughs), 'nearest' (ONS similar areas), 'all', or ONS codes.
DEFAULT_COMPARATORS: tuple[str, ...] = ("england", "gm", "nearest")
DEFAULT_SEX: str = "Male"
#: How a multi-year period is assigned to pre/post (see wigan_deal.periods).
DEFAULT_POST_RULE: str = "start"
#: Worker processes of the report runner (one per core is sensible).
DEFAULT_JOBS: int = 2
#: The BLAS threads of every kernel a run's workers start (and of the test suite's processes), unless the user set
#: them: one. A run's parallelism is its workers (one kernel each); on the notebooks' small matrices OpenBLAS's own
#: threads only spin, each on a core a worker needs (recorded results byte-identical, benchmarks/bench_compute.py).
BLAS_THREADS: dict[str, str] = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

#: THE defaults of every notebook's ``parameters`` cell, the report CLI and parameter validation
#: (tests/test_defaults.py checks each notebook's parameters cell against this mapping).
DEFAULT_PARAMETERS: dict[str, object] = {
    "area_code": DEFAULT_AREA,
    "comparators": list(DEFAULT_COMPARATORS),
    "break_year": DEFAULT_BREAK_YEAR,
    "vintage": DEFAULT_VINTAGE,
    "sex": DEFAULT_SEX,
    "post_rule": DEFAULT_POST_RULE,
    "results_path": None,
}

#: The notebooks a report executes, in order (stems of files in ``NOTEBOOKS_DIR``). Nothing else in
#: that folder is run (e.g. a stray ``*.nbconvert.ipynb``). To add a notebook, add its stem here.
NOTEBOOKS: tuple[str, ...] = (
    "01_data_overview",
    "02_healthy_life_expectancy",
    "03_mortality_and_life_expectancy_its",
    "04_adult_social_care_finance",
    "05_robustness",
    "06_report_claims",
    "07_social_care_outcomes",
)
#: The order a report's workers start its notebooks: longest first (plain-Python CPU per notebook, measured by
#: benchmarks/bench_report.py), so the longest is not the last one left running on one core while the other
#: core idles. Pages, index and results keep :data:`NOTEBOOKS`' order; notebooks not listed start last, in order.
LONGEST_FIRST: tuple[str, ...] = (
    "05_robustness",
    "03_mortality_and_life_expectancy_its",
    "01_data_overview",
    "02_healthy_life_expectancy",
    "07_social_care_outcomes",
    "04_adult_social_care_finance",
    "06_report_claims",
)

#: Notebooks with parameters of their own, run on their own (never part of an area's report):
#: ``08_your_own_series`` (a user's panel CSV; ``wigan-deal its``).
STANDALONE_NOTEBOOKS: tuple[str, ...] = ("08_your_own_series",)

#: Interrupted time series minimums (used by the engine and by parameter validation): a pre-trend
#: needs at least 3 pre-break points (fewer than 8 gives a warning); a slope change needs 2 post points.
ITS_MIN_PRE_POINTS: int = 3
ITS_WARN_PRE_POINTS: int = 8
ITS_MIN_POST_POINTS: int = 2

#: The ten constituent councils of the Greater Manchester Combined Authority (ONS codes).
GREATER_MANCHESTER: tuple[str, ...] = (
    "E08000001",  # Bolton
    "E08000002",  # Bury
    "E08000003",  # Manchester
    "E08000004",  # Oldham
    "E08000005",  # Rochdale
    "E08000006",  # Salford
    "E08000007",  # Stockport
    "E08000008",  # Tameside
    "E08000009",  # Trafford
    "E08000010",  # Wigan
)
#: ONS code prefixes of aggregates that contain local areas: England/country (E92), regions (E12),
#: inner/outer London (E13) and combined authorities (E47). They are never placebo units or synthetic
#: control donors: the North West and Greater Manchester contain Wigan, so using them would leak the
#: treated area into its own counterfactual.
AGGREGATE_PREFIXES: tuple[str, ...] = ("E92", "E12", "E13", "E47")

#: Greater Manchester health and social care devolution (co-intervention), from April 2016.
GM_DEVOLUTION_YEAR: int = 2016

#: Official licence of every source used.
LICENCE: str = "Open Government Licence v3.0"
LICENCE_URL: str = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

# --- council finance in real terms (issue 8) ---------------------------------------------------
#: Financial years the HM Treasury GDP deflator (March 2020) is extracted for: OUTTURN years only.
#: Later index values are OBR forecasts and are never used (conversion outside this range is an error).
DEFLATOR_YEARS: tuple[str, str] = ("2010/11", "2018/19")
#: Default price base of real-terms figures (the deflator's own reference year).
DEFLATOR_BASE: str = "2018/19"
#: Budget (RA) vs outturn (RS) comparison window for adult social care.
BUDGET_OUTTURN_YEARS: tuple[str, str] = ("2011/12", "2017/18")
#: "Savings" window: the last year before the Deal and the last outturn before the report.
SAVINGS_YEARS: tuple[str, str] = ("2010/11", "2017/18")
#: Comparator count for kind 'deprivation' when the area has no ONS similar-areas neighbours.
DEPRIVATION_COMPARATORS_FALLBACK_N: int = 20
