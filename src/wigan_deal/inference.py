"""The coverage study at the project's real designs, its committed table, and the primary method.

``python -m wigan_deal.inference build`` runs :func:`wigan_deal.its.coverage.run_coverage` at the
real designs (under-75 preventable cancer mortality 2001-03..2015-17 with the three post rules; life
expectancy at birth 2001-03..2016-18), with the error scale and the AR(1) coefficient taken from the
cross-council residuals of the real series, and writes ``data/coverage/coverage_table.csv`` and
``data/coverage/residual_scale.csv`` (deterministic: fixed seeds). ``... check`` recomputes and
compares; ``... --reduced`` is the seconds-long version the tests use. How the primary method was
chosen from the table is recorded in ``docs/inference.md``.

Calibration from the real series (:func:`residual_scale`): for every council the segmented OLS
model (break 2011, rule "start") is fitted; the error SD is the median residual SD across councils
(it converts minimal detectable effects to real units). The observed median lag-1 autocorrelation
of the OLS residuals is compared with what each error process produces at the same design (raw
residual autocorrelation is strongly biased downwards at n = 15: -0.26 for independent errors):
``phi_calibrated`` is the annual AR(1) coefficient of the ``"ma2_ar1"`` process that reproduces it.
The committed study uses ``"ma2"`` (phi = 0, close to the calibrated values) and two stress
processes, period-scale AR(1) with rho = 0.5 and averaged annual AR(1) with phi = 0.5.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass as dataclass_plain
from dataclasses import replace
from functools import lru_cache

import numpy as np
import pandas as pd

from wigan_deal import config, fmt
from wigan_deal import data as wd
from wigan_deal.its import coverage as cv
from wigan_deal.its.hac import newey_west

COVERAGE_DIR = config.DATA_DIR / "coverage"
TABLE_FILE = COVERAGE_DIR / "coverage_table.csv"
SCALE_FILE = COVERAGE_DIR / "residual_scale.csv"

#: the series that define the real designs: (key, indicator, sex, vintage)
SERIES: tuple[tuple[str, str, str, str | None], ...] = (
    ("u75_cancer", "u75_prev_cancer_mortality", "Persons", None),
    ("le_male", "le_birth", "Male", "2019-12"),
    ("le_female", "le_birth", "Female", "2019-12"),
)
#: design name -> (series key, post rule)
DESIGNS: dict[str, tuple[str, str]] = {
    "u75_cancer_start": ("u75_cancer", "start"),
    "u75_cancer_mid": ("u75_cancer", "mid"),
    "u75_cancer_end": ("u75_cancer", "end"),
    "le_birth_start": ("le_male", "start"),
}
PRIMARY_DESIGN = "u75_cancer_start"
#: the rule of docs/inference.md
COVERAGE_FLOOR = 0.93
COVERAGE_TARGET = 0.95


def council_panel(indicator: str, sex: str, vintage: str | None) -> pd.DataFrame:
    """Wide frame (period_start x council) of complete series, aggregates removed."""
    f = wd.load_indicator(indicator, sex=sex, vintage=vintage)
    f = f[~f["area_code"].astype(str).str.startswith(config.AGGREGATE_PREFIXES)]
    return f.pivot(index="period_start", columns="area_code", values="value").dropna(axis=1).sort_index()


def _resid_acf1(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    beta, _ = newey_west(X, Y, 0)
    r = Y - X @ beta
    return (r[1:] * r[:-1]).sum(0) / (r**2).sum(0)


def calibrate_phi(X: np.ndarray, target_acf1: float, seed: int = 7, reps: int = 2000) -> float:
    """Annual AR(1) coefficient of ``"ma2_ar1"`` errors whose simulated median OLS-residual lag-1
    autocorrelation is ``target_acf1`` (0 if even independent annual errors give more)."""
    grid = np.round(np.arange(0.0, 0.951, 0.05), 3)
    rng = np.random.default_rng(seed)
    med = np.array([np.median(_resid_acf1(X, cv.simulate_errors(rng, X.shape[0], reps, "ma2_ar1",
                                                                 phi=p))) for p in grid])
    med = np.maximum.accumulate(med)  # Monte Carlo wiggles: the curve is increasing in phi
    return float(np.interp(target_acf1, med, grid))


@wd.data_cache(maxsize=1)
def residual_scale() -> pd.DataFrame:
    """Per real series: councils, n, median residual SD, median residual lag-1 autocorrelation, rho."""
    rows = []
    for key, indicator, sex, vintage in SERIES:
        w = council_panel(indicator, sex, vintage)
        d = cv.Design(key, int(w.index.min()), int(w.index.max()))
        X, Y = d.matrix(), w.to_numpy(float)
        beta, _ = newey_west(X, Y, 0)
        r = Y - X @ beta
        sd = np.sqrt((r**2).sum(0) / (X.shape[0] - X.shape[1]))
        acf = _resid_acf1(X, Y)
        rows.append({"series": key, "indicator": indicator, "sex": sex, "vintage": vintage or "",
                     "first": d.first, "last": d.last, "councils": Y.shape[1],
                     "resid_sd": float(np.median(sd)), "resid_acf1": float(np.median(acf)),
                     "phi_calibrated": calibrate_phi(X, float(np.median(acf)))})
    return pd.DataFrame(rows)


def study_config(reduced: bool = False) -> cv.CoverageConfig:
    """The committed study (``reduced``: the seconds-long version for tests)."""
    scale = residual_scale().set_index("series")
    designs = []
    for name, (key, rule) in DESIGNS.items():
        designs.append(cv.Design(name, int(scale.loc[key, "first"]), int(scale.loc[key, "last"]),
                                 config.DEFAULT_BREAK_YEAR, rule))
    controls = int(scale.loc["u75_cancer", "councils"]) - 1
    cfg = cv.CoverageConfig(designs=designs, rho=0.5, phi=0.5, n_controls=controls)
    if reduced:
        cfg = replace(cfg, designs=designs[:1], reps=400, ml_reps=100, perm_reps=150)
    return cfg


def build(reduced: bool = False) -> pd.DataFrame:
    """Run the study and attach real-unit minimal detectable effects (``mde80_real``)."""
    cfg = study_config(reduced)
    table = cv.run_coverage(cfg)
    scale = residual_scale().set_index("series")["resid_sd"]
    sd = table["design"].map(lambda d: scale[DESIGNS[d][0]])
    table["resid_sd"] = sd
    table["mde80_real"] = table["mde80"] * sd
    return table


def load_table() -> pd.DataFrame:
    """The committed coverage table."""
    return pd.read_csv(TABLE_FILE)


def primary_method(table: pd.DataFrame | None = None) -> tuple[str, pd.DataFrame]:
    """The method the documented rule picks from the committed table, and the ranking."""
    table = load_table() if table is None else table
    return cv.choose_primary(table, PRIMARY_DESIGN, COVERAGE_FLOOR, COVERAGE_TARGET)


#: readable names of the simulated error processes (``its.coverage.ERRORS``) for report tables
ERROR_LABELS: dict[str, str] = {"ma2": "MA(2)", "ar1": "AR(1)", "ma2_ar1": "MA(2) + AR(1)"}


def coverage_summary(table: pd.DataFrame | None = None, design: str = PRIMARY_DESIGN) -> pd.DataFrame:
    """Wide table for reports: one row per method, coverage by error process and target, MDE."""
    table = load_table() if table is None else table
    sub = table[table["design"] == design]
    wide = sub.pivot_table(index="method", columns=["target", "error"], values="coverage")
    wide.columns = [f"coverage {t} ({ERROR_LABELS.get(e, e)})" for t, e in wide.columns]
    mde = sub.pivot_table(index="method", columns="target", values="mde80_real", aggfunc="max")
    mde.columns = [f"MDE80 {t} (worst error)" for t in mde.columns]
    out = wide.join(mde).reindex([m for m in cv.METHODS if m in wide.index])
    out.insert(0, "method description", [cv.DESCRIPTIONS[m] for m in out.index])
    reason = (f"80% power is not reached within the simulated effects (up to {cv.DELTA_GRID[-1]:g} error SDs) "
              "under any error process")
    return fmt.explain_missing(out, {c: reason for c in mde.columns})


def markdown_table(table: pd.DataFrame | None = None, design: str = PRIMARY_DESIGN) -> str:
    """Coverage (level / slope, each error process) and worst-case MDE per method, as markdown."""
    table = load_table() if table is None else table
    wide = coverage_summary(table, design).drop(columns="method description")
    cols = list(wide.columns)
    lines = ["| method | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for method, row in wide.iterrows():
        cells = [("n/a" if pd.isna(v) else f"{fmt.number(v, 3)}" if c.startswith("coverage") else f"{fmt.number(v, 2)}")
                 for c, v in row.items()]
        lines.append(f"| `{method}` | " + " | ".join(cells) + " |")
    chosen, _ = primary_method(table)
    lines.append("")
    lines.append(f"Primary method by the rule: **`{chosen}`** ({cv.DESCRIPTIONS[chosen]}).")
    return "\n".join(lines)


def permutation_interval(space_table: pd.DataFrame, treated: str, statistic: str = "level",
                         alpha: float = 0.05) -> dict[str, float]:
    """Interval for the treated area by inverting the placebo-in-space test of the studentised statistic.

    ``space_table`` is :attr:`PlaceboInSpaceResult.table`: the interval is ``estimate +/- q * se`` with
    ``q`` the ``1 - alpha`` quantile (order statistic ``ceil((1 - alpha)(C + 1))``) of the controls' |t|.
    """
    est_col, se_col, t_col = f"{statistic}_change", f"{statistic}_se", f"{statistic}_t"
    is_treated = (space_table["area_code"] == treated).to_numpy()
    if not is_treated.any():
        raise ValueError(f"permutation_interval: treated area {treated!r} is not in the placebo-in-space table.")
    i = int(np.flatnonzero(is_treated)[0])  # plain arrays: ~30 of these per council report
    ctrl = np.sort(np.abs(space_table[t_col].to_numpy(float)[~is_treated]))
    c = ctrl.size
    k = int(np.ceil((1 - alpha) * (c + 1)))
    q = float(ctrl[min(k, c) - 1])
    est, se = float(space_table[est_col].to_numpy(float)[i]), float(space_table[se_col].to_numpy(float)[i])
    p = (1 + np.sum(ctrl >= abs(est / se))) / (1 + c)
    return {"estimate": est, "se": se, "q": q, "lower": est - q * se, "upper": est + q * se,
            "p_value": float(p), "n_controls": c}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wigan_deal.inference",
                                     description="Coverage study of ITS inference at the real designs.")
    parser.add_argument("command", choices=["build", "check", "show"])
    parser.add_argument("--reduced", action="store_true", help="small, seconds-long version")
    args = parser.parse_args(argv)
    if args.command == "show":
        print(coverage_summary().round(3).to_string())
        print("primary method:", primary_method()[0])
        return 0
    start = time.perf_counter()
    table = build(args.reduced)
    secs = time.perf_counter() - start
    if args.command == "build":
        if args.reduced:
            print(table.round(4).to_string())
        else:
            COVERAGE_DIR.mkdir(parents=True, exist_ok=True)
            table.to_csv(TABLE_FILE, index=False, float_format="%.6g")
            residual_scale().to_csv(SCALE_FILE, index=False, float_format="%.6g")
            print(f"wrote {TABLE_FILE.relative_to(config.PROJECT_ROOT)} ({len(table)} rows)")
        print(f"coverage study: {fmt.number(secs, 1)} s; primary method: {cv.choose_primary(table, PRIMARY_DESIGN)[0]}")
        return 0
    committed = load_table()
    same = committed.shape == table.shape and np.allclose(
        committed["coverage"], table["coverage"], atol=1e-9)
    print(f"coverage study: {fmt.number(secs, 1)} s; committed table {'matches' if same else 'DIFFERS'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())


# --- the pre-specified primary analysis (data/analysis_plan.yml) --------------------------------


def file_stamp(path) -> tuple[str, int, int]:
    """``(path, mtime_ns, size)``: the key of a memoised read of a file (an edited file is re-read)."""
    from pathlib import Path

    st = Path(path).stat()
    return str(path), st.st_mtime_ns, st.st_size


def indicators_stamp() -> tuple[str, int, int]:
    """:func:`file_stamp` of the indicators extract (``config.EXTRACTS_DIR``): the version key of every memoised
    frame built from indicator data, so ``make data`` in a running kernel is seen (the data layer's own cache keys
    on the file the same way). A missing file gets ``(path, -1, -1)``: the data layer then says it is missing."""
    from pathlib import Path

    path = Path(wd.store.extracts_dir()) / "indicators.csv"
    return file_stamp(path) if path.exists() else (str(path), -1, -1)


@lru_cache(maxsize=4)
def _parsed_plan(path: str, _mtime_ns: int, _size: int) -> dict:
    import yaml

    with open(path) as fh:
        return yaml.safe_load(fh)


def analysis_plan() -> dict:
    """The committed analysis plan (``data/analysis_plan.yml``); a fresh copy each call.

    Parsed once per process and file version (a report asks for it about 100 times, and an atlas
    worker's kernel keeps the parsed plan across councils); callers may modify their copy."""
    import copy

    return copy.deepcopy(_parsed_plan(*file_stamp(config.ANALYSIS_PLAN_FILE)))


def primary_spec(indicator: str) -> dict:
    """The primary specification of ``indicator`` (a clear error if the plan has none); a fresh copy of that
    specification only (a report asks ~35 times: copying the whole plan each time was most of the cost)."""
    import copy

    plan = _parsed_plan(*file_stamp(config.ANALYSIS_PLAN_FILE))["outcomes"]
    if indicator not in plan:
        raise KeyError(
            f"data/analysis_plan.yml has no primary specification for {indicator!r}; outcomes with "
            f"one: {sorted(plan)}. Add one (with date and reason) before computing its results."
        )
    return copy.deepcopy(plan[indicator])


@wd.data_cache(maxsize=64)
def higher_is_better(indicator: str) -> bool:
    """Whether a higher value of ``indicator`` is better (from the data layer's catalogue)."""
    return bool(wd.indicators().set_index("indicator").loc[indicator, "higher_is_better"])


def reference_panel(indicator: str, sex: str, vintage: str | None, area: str,
                    pool: str = "all_non_gm") -> pd.DataFrame:
    """Tidy panel of ``area`` plus the reference councils of ``pool`` (aggregates removed).

    ``all_non_gm``: every council except the Greater Manchester boroughs (the area itself is kept);
    ``all``: every council.
    """
    return _reference_panel(indicator, sex, vintage, area, pool, indicators_stamp()).copy()


@lru_cache(maxsize=16)
def _reference_panel(indicator: str, sex: str, vintage: str | None, area: str,
                     pool: str, _extract_stamp: tuple) -> pd.DataFrame:
    """:func:`reference_panel`, once per version of ``indicators.csv`` (``_extract_stamp``: :func:`indicators_stamp`)."""
    if pool not in ("all_non_gm", "all"):
        raise ValueError(f"Unknown reference pool {pool!r}: valid are 'all_non_gm' and 'all'.")
    f = wd.load_indicator(indicator, sex=sex, vintage=vintage)
    codes = f["area_code"].astype(str)
    drop = codes.str.startswith(config.AGGREGATE_PREFIXES)
    if pool == "all_non_gm":
        drop |= codes.isin(config.GREATER_MANCHESTER)
    drop &= codes != area
    return f[~drop].reset_index(drop=True)


@dataclass_plain
class PrimaryITS:
    """The v1 primary ITS (until the amendment of 2026-12-06): the area's OWN break, national changes
    included, with the permutation interval of its studentised break among councils. Description
    only; the primary quantity is now the area minus its comparison (:mod:`wigan_deal.panel_coverage`)."""

    indicator: str
    sex: str
    area: str
    spec: dict
    level: dict
    slope: dict
    space: object  # PlaceboInSpaceResult

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for name, d in (("level_change", self.level), ("slope_change", self.slope)):
            rows.append({"quantity": name, **{k: d[k] for k in ("estimate", "se", "lower", "upper",
                                                                  "p_value", "n_controls")}})
        return pd.DataFrame(rows)

    def effect_summary(self, unit: str = "") -> tuple[pd.DataFrame, str]:
        """(table, plain-English text), labelled as description: own break, national changes included."""
        u = f" {unit}" if unit else ""
        lv, sl = self.level, self.slope

        def ci(d):
            verdict = "excludes zero" if d["lower"] > 0 or d["upper"] < 0 else "includes zero"
            return (f"{fmt.number(d['estimate'], 2, signed=True)}{u} (95% permutation CI {fmt.number(d['lower'], 2, signed=True)} to {fmt.number(d['upper'], 2, signed=True)}, "
                    f"{fmt.p_text(d['p_value'])}; the interval {verdict})")

        text = (f"DESCRIPTION, not primary: {self.area}'s own break, national changes included: level "
                f"change {ci(lv)}; slope change {ci(sl).replace(u + ' (', u + ' per year (', 1)}. "
                f"Intervals invert the placebo-in-space test of the studentised own break against "
                f"{lv['n_controls']} reference councils ({self.spec.get('reference_pool')}): they "
                "ask whether this break looks like other councils' breaks, not whether the area "
                "changed more than they did (that is the primary analysis, docs/inference.md).")
        return self.to_frame(), text


@lru_cache(maxsize=16)
def _space_panel(indicator: str, sex: str, vintage: str | None, area: str, pool: str,
                 _extract_stamp: tuple):
    """The reference panel pivoted for placebo in space, once per outcome, area and ``indicators.csv``
    version (a specification curve refits it at 9 breaks and rules); shared, never modified."""
    from wigan_deal.its import space_panel

    return space_panel(_reference_panel.__wrapped__(indicator, sex, vintage, area, pool, _extract_stamp), area)


def primary_its(area: str, indicator: str, sex: str, *, break_year: int | None = None,
                post_rule: str | None = None, vintage: str | None = None) -> PrimaryITS:
    """The v1 specification for ``area``: own break with permutation intervals (description since the
    amendment of 2026-12-06; break/rule/vintage overridable for sensitivity)."""
    from wigan_deal.its import placebo_in_space

    spec = primary_spec(indicator)
    brk = spec["break_year"] if break_year is None else break_year
    rule = spec["post_rule"] if post_rule is None else post_rule
    vint = spec.get("vintage") if vintage is None else vintage
    panel = _space_panel(indicator, sex, vint, area, spec.get("reference_pool", "all_non_gm"), indicators_stamp())
    hib = higher_is_better(indicator)
    res = placebo_in_space(panel, area, brk, post_rule=rule, higher_is_better=hib,
                           hac_lags=spec.get("hac_lags", 2))
    return PrimaryITS(indicator, sex, area, {**spec, "break_year": brk, "post_rule": rule},
                      permutation_interval(res.table, area, "level"),
                      permutation_interval(res.table, area, "slope"), res)


def primary_placebo_in_time(area: str, indicator: str, sex: str) -> pd.DataFrame:
    """Placebo breaks inside the pre-period, each with the primary (permutation) inference.

    The panel is cut to the real pre-period; every fake break leaving >= 3 points either side is
    tested for every council at once. Columns: fake_break, level/slope estimate, lower, upper,
    excludes_zero.
    """
    from wigan_deal.its import ShortPreperiodWarning, placebo_in_space, space_panel
    from wigan_deal.periods import is_post

    spec = primary_spec(indicator)
    panel = reference_panel(indicator, sex, spec.get("vintage"), area, spec.get("reference_pool"))
    pre = panel[~is_post(panel["period_start"], panel["period_end"], spec["break_year"],
                         spec["post_rule"])]
    hib = higher_is_better(indicator)
    starts = np.sort(pre["period_start"].unique())
    rows, pivoted = [], None
    for fake in range(int(starts.min()) + 1, int(starts.max()) + 1):
        post = is_post(starts, starts + 2, fake, spec["post_rule"])
        if (~post).sum() < 3 or post.sum() < 3:
            continue
        pivoted = space_panel(pre, area) if pivoted is None else pivoted  # checked and pivoted once for every break
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ShortPreperiodWarning)
            res = placebo_in_space(pivoted, area, fake, post_rule=spec["post_rule"],
                                   higher_is_better=hib, hac_lags=spec.get("hac_lags", 2))
        row = {"fake_break": fake}
        for what in ("level", "slope"):
            d = permutation_interval(res.table, area, what)
            row.update({f"{what}_change": d["estimate"], f"{what}_lower": d["lower"],
                        f"{what}_upper": d["upper"], f"{what}_p": d["p_value"],
                        f"{what}_excludes_zero": d["lower"] > 0 or d["upper"] < 0})
        rows.append(row)
    return pd.DataFrame(rows)


# --- generated README block ----------------------------------------------------------------------

#: outcomes of the README's ITS block: (indicator, sex, label, unit)
README_OUTCOMES: tuple[tuple[str, str, str, str], ...] = (
    ("u75_prev_cancer_mortality", "Persons", "under-75 preventable cancer mortality", "per 100,000"),
    ("le_birth", "Male", "male life expectancy at birth", "years"),
    ("le_birth", "Female", "female life expectancy at birth", "years"),
)


def plot_coverage(table: pd.DataFrame | None = None, design: str = PRIMARY_DESIGN, axes=None):
    """Coverage of each method's 95% intervals (level and slope, one marker per error process)."""
    import matplotlib.pyplot as plt

    table = load_table() if table is None else table
    sub = table[table["design"] == design]
    methods = [m for m in cv.METHODS if m in set(sub["method"])]
    if axes is None:
        import hashlib

        from wigan_deal import plots

        fig, axes = plt.subplots(1, 2, figsize=(11, 5.5), sharey=True)
        # the same for every area: an atlas worker draws it once (for its first council), not once per council
        plots.same_for_every_area(fig, f"coverage study {design} {hashlib.sha256(sub.to_csv().encode()).hexdigest()}")
    markers = dict(zip(cv.ERRORS, ("o", "s", "^"), strict=False))
    for ax, target in zip(axes, cv.TARGETS, strict=True):
        for error in cv.ERRORS:
            s = sub[(sub.target == target) & (sub.error == error)].set_index("method").reindex(methods)
            ax.scatter(s["coverage"], range(len(methods)), marker=markers[error], s=22, label=error)
        ax.axvline(COVERAGE_TARGET, color="#333333", lw=0.8)
        ax.axvspan(COVERAGE_FLOOR, 1.0, color="#2ca02c", alpha=0.08, lw=0)
        ax.set_xlabel(f"coverage of 95% CI, {target} change")
        ax.set_xlim(0.3, 1.0)
    axes[0].set_yticks(range(len(methods)))
    axes[0].set_yticklabels(methods, fontsize=8)
    axes[0].invert_yaxis()
    axes[1].legend(title="errors", fontsize=8, frameon=False)
    axes[0].figure.suptitle(f"Coverage study, design {design} (shaded: >= {fmt.percent(100 * COVERAGE_FLOOR, 0)})")
    return axes


def primary_estimates(result: PrimaryITS):
    """The primary level and slope changes as :class:`wigan_deal.its.Estimate` objects (for recording)."""
    from wigan_deal.its import Estimate

    out = []
    for name, d in (("level_change", result.level), ("slope_change", result.slope)):
        out.append(Estimate(d["estimate"], d["se"], d["lower"], d["upper"], d["p_value"], 0.05, name))
    return tuple(out)
