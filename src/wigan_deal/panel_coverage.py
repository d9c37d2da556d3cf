"""The comparative primary analysis: real-panel coverage study, the pre-specified selection, the result.

``python -m wigan_deal.panel_coverage build`` runs the injected-effect study
(:mod:`wigan_deal.its.panel_study`) on every outcome of ``data/analysis_plan.yml`` ``comparative.pools``
(every non-GM council in turn pseudo-treated against the rest) and writes
``data/coverage/panel_coverage.csv``; ``... check`` recomputes and compares; ``... show`` prints the
table and the candidate the committed rule picks. :func:`primary_comparative` then computes an area's
primary comparative estimate ("Wigan minus the non-GM council average: level change ...").
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import lru_cache

import numpy as np
import pandas as pd

from wigan_deal import config, fmt
from wigan_deal import data as wd
from wigan_deal.inference import COVERAGE_DIR, analysis_plan, indicators_stamp
from wigan_deal.its import panel as pn
from wigan_deal.its import panel_study as ps
from wigan_deal.periods import period_midpoint

PANEL_FILE = COVERAGE_DIR / "panel_coverage.csv"
SIM_FILE = COVERAGE_DIR / "panel_simulation.csv"
#: the extended simulation: outcomes calibrated, candidates (v1 own-break method included), reps, seed
SIM_OUTCOMES: tuple[str, ...] = ("le_male", "u75_cancer")
SIM_CHEAP: tuple[str, ...] = ("own_t", "poolmean_raw", "poolmean_t", "england_raw", "england_t")
SIM_WEIGHTED: tuple[str, ...] = ("sc_raw", "sdid")
SIM_REPS: dict[str, int] = {"cheap": 200, "weighted": 30}
SIM_SEED = 20261206
#: readable comparison names (for estimand labels)
COMPARISON_NAMES: dict[str, str] = {
    "poolmean_raw": "the non-GM council average", "poolmean_t": "the non-GM council average",
    "england_raw": "England", "england_t": "England",
    "sc_raw": "its synthetic control (non-GM councils)", "sdid": "its synthetic DiD comparison (non-GM councils)",
    "conformal_sc": "its synthetic control (non-GM councils)",
}
BEFORE_AFTER_CANDIDATES: tuple[str, ...] = ("poolmean_raw", "england_raw")


def plan() -> dict:
    """The ``comparative:`` block of the analysis plan."""
    return analysis_plan()["comparative"]


@lru_cache(maxsize=32)
def _wide(indicator: str, sex: str, vintage: str, _extract_stamp: tuple) -> pd.DataFrame:
    """Periods x councils of one series, once per version of ``indicators.csv`` (``_extract_stamp``:
    :func:`wigan_deal.inference.indicators_stamp`); shared, never modified."""
    f = wd.load_indicator(indicator, sex=sex, vintage=vintage)
    return f.pivot(index="period_start", columns="area_code", values="value").sort_index()


def outcome_panel(key: str, area: str | None = None):
    """(pool wide frame, England series, area series or None, spec) for one outcome of the plan.

    The pool: councils outside GM with a complete series (aggregates and ``area`` removed)."""
    pools = plan()["pools"]
    if key not in pools:
        raise ValueError(f"{key!r} has no comparative primary specification in data/analysis_plan.yml; "
                         f"outcomes with one: {', '.join(pools)}.")
    spec = pools[key]
    w = _wide(spec["indicator"], spec["sex"], spec["vintage"], indicators_stamp())
    if spec["design"] == "before_after":
        w = w.loc[list(spec["periods"])]
    codes = pd.Index(w.columns.astype(str))
    keep = ~codes.str.startswith(config.AGGREGATE_PREFIXES) & ~codes.isin(config.GREATER_MANCHESTER)
    if area is not None:
        keep &= codes != area
    pool = w.loc[:, keep].dropna(axis=1)
    england = w[config.ENGLAND].to_numpy(float)
    y = None if area is None or area not in w.columns else w[area].to_numpy(float)
    return pool, england, y, spec


def key_for(indicator: str, sex: str) -> str | None:
    """The plan's outcome key for an indicator and sex (None if it has no comparative primary)."""
    for key, spec in plan()["pools"].items():
        if spec["indicator"] == indicator and spec["sex"] == sex:
            return key
    return None


def primary_records(area: str) -> list[tuple[str, object, str, str]]:
    """``(key, Estimate, unit, label)`` of every primary comparative number of ``area`` (for a notebook's
    results file: the index cards show the label, which names the estimand)."""
    from wigan_deal.its import Estimate

    out = []
    for key, label, unit in README_OUTCOMES:
        try:
            r = primary_comparative(area, key)
        except ValueError:
            continue
        for t, d in r.estimates.items():
            per = " per year" if t == "slope" else ""
            calib = "" if "NOT CALIBRATED" not in r.note else "; interval NOT calibrated"
            out.append((f"primary_{key}_{t}", Estimate(d["estimate"], float("nan"), d["lower"], d["upper"],
                                                        d["p_value"], r.alpha, t),
                        unit + per, f"PRIMARY: {r.estimand(t)} ({label}), placebo-in-space interval{calib}"))
    return out


def design(pool: pd.DataFrame, break_year: int = config.DEFAULT_BREAK_YEAR):
    """(X, post) of the pool's periods: segmented (rule 'start', slope_start 0) or before/after."""
    starts = pool.index.to_numpy(int)
    post = starts >= break_year
    return pn.segmented_matrix(period_midpoint(starts, starts + 2), post), post


def candidates_for(spec: dict) -> tuple[str, ...]:
    cands = tuple(plan()["candidates"])
    return BEFORE_AFTER_CANDIDATES if spec["design"] == "before_after" else cands


def build() -> pd.DataFrame:
    """The real-panel study for every outcome of the plan (one row per outcome x candidate x scenario x target)."""
    frames = []
    for key in plan()["pools"]:
        pool, england, _, spec = outcome_panel(key)
        X, post = design(pool)
        Y = pool.to_numpy(float)
        sd = ps.residual_sd(Y, X)
        low = sd < np.median(sd) if np.isfinite(sd).all() else None
        t = ps.run_panel_study(Y, X, post, england, candidates_for(spec), low_noise=low)
        t.insert(0, "outcome", key)
        t.insert(1, "design", spec["design"])
        frames.append(t)
    return pd.concat(frames, ignore_index=True)


def load_panel_table() -> pd.DataFrame:
    return pd.read_csv(PANEL_FILE)


def build_simulation() -> pd.DataFrame:
    """Extended simulation calibrated on each of ``SIM_OUTCOMES`` (common national break, factor
    structure, unequal noise; the pseudo-treated units at Wigan's own noise level)."""
    frames = []
    for i, key in enumerate(SIM_OUTCOMES):
        pool, _, y, _ = outcome_panel(key, config.WIGAN)
        X, post = design(pool)
        cal = ps.calibrate(pool.to_numpy(float), X, post, y)
        for j, (tier, cands) in enumerate((("cheap", SIM_CHEAP), ("weighted", SIM_WEIGHTED))):
            t = ps.run_simulation(cal, cands, SIM_REPS[tier], SIM_SEED + 10 * i + j, iters_sc=300)
            t.insert(0, "outcome", key)
            t["treated_sigma"] = cal.treated_sigma
            t["median_sigma"] = float(np.median(cal.sigma))
            frames.append(t)
    return pd.concat(frames, ignore_index=True)


def load_simulation() -> pd.DataFrame:
    return pd.read_csv(SIM_FILE)


#: readable names of the study's outcomes (table headers)
OUTCOME_LABELS: dict[str, str] = {
    "u75_cancer": "cancer mortality", "le_male": "LE male", "le_female": "LE female",
    "le65_male": "LE at 65 male", "le65_female": "LE at 65 female", "hle_male": "HLE male",
    "hle_female": "HLE female",
}


def _coverage_header(outcome: str) -> str:
    return f"coverage, {OUTCOME_LABELS.get(outcome, outcome.replace('_', ' '))}"


def _cov_cell(s: pd.DataFrame) -> str:
    """Worst coverage (farthest from 0.95) with its MC SE, and the range."""
    k = np.argmax(np.abs(s.coverage.to_numpy() - 0.95))
    w = s.iloc[k]
    return f"{fmt.number(s.coverage.min(), 3)}-{fmt.number(s.coverage.max(), 3)} (worst {fmt.number(w.coverage, 3)} ± {fmt.number(w.coverage_mcse, 3)})"


def markdown_panel(table: pd.DataFrame | None = None) -> str:
    """The real-panel table for docs/inference.md: per design and candidate, coverage by outcome
    (range over targets and injected effects, worst with its MC SE), size, power at 2x MDE, width."""
    table = load_panel_table() if table is None else table
    sel = select(table)
    lines = []
    for dsg in ("its", "before_after"):
        sub = table[table.design == dsg]
        outcomes = list(dict.fromkeys(sub.outcome))
        lines += [f"**{'ITS outcomes' if dsg == 'its' else 'HLE before/after'}** (rule's choice: "
                  f"`{sel[dsg]['choice']}`)", "",
                  "| candidate | " + " | ".join(_coverage_header(o) for o in outcomes)
                  + " | size (zero effect) | power at 2x MDE | median width / MDE"
                  + (" | coverage, quieter half of councils" if dsg == "its" else "") + " | eligible |",
                  "|---" * (len(outcomes) + 5 + (dsg == "its")) + "|"]
        rank = sel[dsg]["ranking"].set_index("candidate")
        for cand in [c for c in plan()["candidates"] if c in set(sub.candidate)]:
            s = sub[sub.candidate == cand]
            cells = [_cov_cell(s[s.outcome == o]) for o in outcomes]
            zero = s[s.scenario == "zero"]
            pw = s[s.scenario.str.endswith("2x") & (s.effect.abs() > 1e-9)]
            cells += [f"{fmt.number(zero.reject.min(), 3)}-{fmt.number(zero.reject.max(), 3)}",
                      f"{fmt.number(pw.reject.min(), 2)}-{fmt.number(pw.reject.max(), 2)}",
                      "inf" if np.isinf(rank.loc[cand, "score"]) else f"{fmt.number(rank.loc[cand, 'score'], 2)}"]
            if dsg == "its":
                cells.append(f"{fmt.number(s.coverage_low_noise.min(), 3)}-{fmt.number(s.coverage_low_noise.max(), 3)}")
            cells.append("yes" if rank.loc[cand, "eligible"] else "**no**")
            lines.append(f"| `{cand}` | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines).rstrip()


def markdown_verdicts(table: pd.DataFrame | None = None) -> str:
    """One bullet per candidate and design: eligible or not, and where its coverage leaves the band."""
    table = load_panel_table() if table is None else table
    lo, hi = plan()["selection"]["coverage_band"]
    out = []
    for dsg, sel in select(table).items():
        for _, r in sel["ranking"].iterrows():
            s = table[(table.design == dsg) & (table.candidate == r.candidate)]
            bad = s[(s.coverage < lo) | (s.coverage > hi)]
            if bad.empty:
                out.append(f"* `{r.candidate}` ({dsg}): passes, coverage {fmt.number(s.coverage.min(), 3)} to "
                           f"{fmt.number(s.coverage.max(), 3)}" + (" - **chosen**" if r.candidate == sel["choice"] else ""))
                continue
            where = [OUTCOME_LABELS.get(o, o) for o in sorted(set(bad.outcome))]
            out.append(f"* `{r.candidate}` ({dsg}): fails, coverage outside [{lo}, {hi}] for "
                       f"{', '.join(where)} (from {fmt.number(bad.coverage.min(), 3)} to {fmt.number(bad.coverage.max(), 3)})")
    return "\n".join(out)


def markdown_simulation(table: pd.DataFrame | None = None) -> str:
    """The extended-simulation table for docs/inference.md (coverage of the injected effect for a
    pseudo-treated unit at Wigan's noise level; range over targets and effects)."""
    table = load_simulation() if table is None else table
    outcomes = list(dict.fromkeys(table.outcome))
    lines = ["| candidate | " + " | ".join(_coverage_header(o) for o in outcomes)
             + " | size (zero effect) | reps x treated units |", "|---" * (len(outcomes) + 3) + "|"]
    for cand in dict.fromkeys(table.candidate):
        s = table[table.candidate == cand]
        cells = [_cov_cell(s[s.outcome == o]) for o in outcomes]
        zero = s[s.scenario == "zero"]
        cells += [f"{fmt.number(zero.reject.min(), 3)}-{fmt.number(zero.reject.max(), 3)}",
                  f"{int(s.reps.iloc[0])} x {int(s.units.iloc[0] // s.reps.iloc[0])}"]
        lines.append(f"| `{cand}` | " + " | ".join(cells) + " |")
    ratio = (table.groupby("outcome").treated_sigma.first() / table.groupby("outcome").median_sigma.first())
    lines += ["", "Wigan's idiosyncratic noise SD relative to the median council's: "
              + ", ".join(f"{o} {fmt.number(ratio[o], 2)}" for o in outcomes) + "."]
    return "\n".join(lines)


def select(table: pd.DataFrame | None = None) -> dict[str, dict]:
    """The committed rule applied to the study: per design, the eligible candidates and the choice.

    Without ``table``: the committed study table, the rule applied once per process and version of the
    table and plan files (a fresh copy each call)."""
    if table is None:
        import copy

        from wigan_deal.inference import file_stamp

        return copy.deepcopy(_select_committed(file_stamp(PANEL_FILE), file_stamp(config.ANALYSIS_PLAN_FILE)))
    return _select(table)


@lru_cache(maxsize=4)
def _select_committed(_table_stamp: tuple, _plan_stamp: tuple) -> dict[str, dict]:
    return _select(load_panel_table())


def _select(table: pd.DataFrame) -> dict[str, dict]:
    lo, hi = plan()["selection"]["coverage_band"]
    order = list(plan()["candidates"])
    out = {}
    for dsg, sub in table.groupby("design"):
        ranking = []
        for cand, s in sub.groupby("candidate"):
            ok = bool(((s.coverage >= lo - 1e-12) & (s.coverage <= hi + 1e-12)).all())
            zero = s[s.scenario == "zero"]
            score = float((zero.median_width / zero.mde).mean())
            worst = s.coverage.iloc[np.argmax(np.abs(s.coverage - 0.95).to_numpy())]
            ranking.append({"candidate": cand, "eligible": ok, "score": score, "worst_coverage": worst,
                            "min_coverage": float(s.coverage.min()), "max_coverage": float(s.coverage.max()),
                            "order": order.index(cand)})
        r = pd.DataFrame(ranking).sort_values(["eligible", "score", "order"], ascending=[False, True, True])
        el = r[r.eligible]
        if el.empty:
            choice = None
        else:
            best = el.score.min()
            choice = el[el.score <= best + 0.01].sort_values("order").candidate.iloc[0]
        out[dsg] = {"choice": choice, "ranking": r.reset_index(drop=True)}
    return out


def chosen(design_name: str, table: pd.DataFrame | None = None) -> tuple[str, bool]:
    """(candidate, calibrated) for a design: the rule's choice, or - if no candidate passed - the first
    candidate of the committed list, flagged as not calibrated (``if_none_passes`` in the plan)."""
    sel = select(table)[design_name]
    if sel["choice"] is None:
        first = BEFORE_AFTER_CANDIDATES[0] if design_name == "before_after" else plan()["candidates"][0]
        return first, False
    return sel["choice"], True


def primary_comparative(area: str, key: str, alpha: float = 0.05) -> pn.ComparativeResult:
    """The area's primary comparative estimate for outcome ``key`` of the plan (method from the study).

    Computed once per area, outcome, alpha and version of the plan, the study table and ``indicators.csv``
    (a report asks for each outcome several times: the primary table, its records, the specification
    curves); each call returns a fresh copy, which the caller may modify."""
    import copy

    from wigan_deal.inference import file_stamp

    return copy.deepcopy(_primary_comparative(
        area, key, alpha, file_stamp(config.ANALYSIS_PLAN_FILE), file_stamp(PANEL_FILE), indicators_stamp()))


@lru_cache(maxsize=64)
def _primary_comparative(area: str, key: str, alpha: float, _plan_stamp: tuple, _table_stamp: tuple,
                         _extract_stamp: tuple) -> pn.ComparativeResult:
    pool, england, y, spec = outcome_panel(key, area)
    if y is None or not np.isfinite(y).all():  # absent or incomplete
        raise ValueError(f"{area!r} has no complete {spec['indicator']} ({spec['sex']}) series in "
                         f"vintage {spec['vintage']}: no comparative estimate.")
    X, post = design(pool)
    method, calibrated = chosen(spec["design"])
    res = run_candidate(method, y, pool, england, X, post, alpha, area)
    if spec["design"] == "before_after":
        a, b = (int(p) for p in spec["periods"])
        res.labels = {"level": f"before/after change {a}-{str(a + 2)[2:]} to {b}-{str(b + 2)[2:]}"}
    if not calibrated:
        res.note = ("INTERVAL NOT CALIBRATED: no candidate met the coverage criterion of the analysis "
                    "plan for this design. " + res.note)
    return res


def primary_placebo_in_time(area: str, key: str, alpha: float = 0.05) -> pd.DataFrame:
    """The primary comparative method at every fake break inside the real pre-period (>= 3 periods
    either side): columns fake_break, level/slope estimate, lower, upper, p, excludes_zero."""
    pool, england, y, spec = outcome_panel(key, area)
    if y is None or spec["design"] != "its":
        raise ValueError(f"No placebo-in-time for {key!r}: it needs an ITS outcome with the area's series.")
    method, _ = chosen("its")
    brk = config.DEFAULT_BREAK_YEAR
    pre = pool.index.to_numpy(int) < brk
    rows = []
    for fake in range(int(pool.index.min()) + 1, brk):
        post = pool.index.to_numpy(int)[pre] >= fake
        if (~post).sum() < 3 or post.sum() < 3:
            continue
        X, p = design(pool.loc[pre], fake)
        r = run_candidate(method, y[pre], pool.loc[pre], england[pre], X, p, alpha, area)
        row = {"fake_break": fake}
        for t, d in r.estimates.items():
            row.update({f"{t}_change": d["estimate"], f"{t}_lower": d["lower"], f"{t}_upper": d["upper"],
                        f"{t}_p": d["p_value"], f"{t}_excludes_zero": d["lower"] > 0 or d["upper"] < 0})
        rows.append(row)
    return pd.DataFrame(rows)


def run_candidate(method: str, y, pool: pd.DataFrame, england, X, post, alpha: float = 0.05,
                  area: str = "treated") -> pn.ComparativeResult:
    """One candidate estimator on the area and its pool."""
    name = wd.area_name(area) if area != "treated" else area
    comp = COMPARISON_NAMES[method]
    P = pool.to_numpy(float)
    names = list(pool.columns)
    if method.startswith("poolmean"):
        return pn.poolmean(y, P, X, method.endswith("_t"), alpha, names, name, comp)
    if method.startswith("england"):
        return pn.versus_reference(y, england, P, X, method.endswith("_t"), alpha, names, name, comp)
    if method == "sc_raw":
        return pn.synthetic_control(y, P, X, post, alpha, names, name, comp)
    if method == "sdid":
        return pn.sdid(y, P, post, alpha, names, name, comp)
    return pn.conformal_sc(y, P, post, alpha, treated=name, comparison=comp)


#: outcomes of the README's primary block: (plan key, label, unit)
README_OUTCOMES: tuple[tuple[str, str, str], ...] = (
    ("u75_cancer", "under-75 preventable cancer mortality", "per 100,000"),
    ("le_male", "male life expectancy at birth", "years"),
    ("le_female", "female life expectancy at birth", "years"),
    ("le65_male", "male life expectancy at 65", "years"),
    ("le65_female", "female life expectancy at 65", "years"),
    ("hle_male", "male healthy life expectancy at birth", "years"),
    ("hle_female", "female healthy life expectancy at birth", "years"),
)


def _interval(d: dict, unit: str, per: str = "") -> str:
    return (f"{fmt.number(d['estimate'], 2, signed=True)} {unit}{per} (95% interval {fmt.number(d['lower'], 2, signed=True)} to {fmt.number(d['upper'], 2, signed=True)}, "
            f"{fmt.p_text(d['p_value'])})")


def primary_table(area: str = config.WIGAN) -> pd.DataFrame:
    """One row per primary outcome and target: estimand (named), estimate, interval, p, method."""
    rows = []
    for key, label, unit in README_OUTCOMES:
        try:
            r = primary_comparative(area, key)
        except ValueError as exc:
            rows.append({"outcome": label, "estimand": str(exc)})
            continue
        for t, d in r.estimates.items():
            rows.append({"outcome": label, "estimand": r.estimand(t), "unit": unit, **d,
                         "method": r.method, "calibrated": "NOT CALIBRATED" not in r.note})
    return pd.DataFrame(rows)


def coverage_line(table: pd.DataFrame | None = None) -> str:
    """One sentence: the chosen method per design and its coverage range in the real-panel study (without
    ``table``: the committed study, the sentence made once per process and version of the table and plan files)."""
    if table is None:
        from wigan_deal.inference import file_stamp

        return _committed_coverage_line(file_stamp(PANEL_FILE), file_stamp(config.ANALYSIS_PLAN_FILE))
    return _coverage_line(table, select(table))


@lru_cache(maxsize=4)
def _committed_coverage_line(_table_stamp: tuple, _plan_stamp: tuple) -> str:
    return _coverage_line(load_panel_table(), select())


def _coverage_line(table: pd.DataFrame, chosen: dict[str, dict]) -> str:
    parts = []
    for dsg, sel in sorted(chosen.items(), key=lambda kv: kv[0] != "its"):
        name = "ITS outcomes" if dsg == "its" else "HLE before/after"
        c = sel["choice"]
        if c is None:
            parts.append(f"{name}: no candidate met the rule, intervals not calibrated")
            continue
        s = table[(table.design == dsg) & (table.candidate == c)]
        parts.append(f"{name}: `{c}`, coverage {fmt.percent(100 * s.coverage.min())} to {fmt.percent(100 * s.coverage.max())} over "
                     f"{s.outcome.nunique()} outcomes x targets x injected effects")
    return "; ".join(parts)


def readme_its_primary() -> str:
    """README block: Wigan's primary comparative results (named estimands), and the old own-break numbers
    as description."""
    from wigan_deal import inference

    parts, excludes = [], []
    results = {key: primary_comparative(config.WIGAN, key) for key, _, _ in README_OUTCOMES}
    for key, label, unit in README_OUTCOMES:
        r = results[key]
        bits = [f"{r.labels.get(t) or t + ' change'} {_interval(d, unit, ' per year' if t == 'slope' else '')}"
                for t, d in r.estimates.items()]
        parts.append(f"{label}: " + ", ".join(bits))
        excludes += [f"{label} {t}" for t, d in r.estimates.items() if d["lower"] > 0 or d["upper"] < 0]
    own = inference.primary_its(config.WIGAN, "le_birth", "Male")
    verdict = ("No interval excludes zero." if not excludes
               else "Intervals excluding zero: " + ", ".join(excludes) + ".")
    return fmt.minus_signs(
        "**Primary analysis: Wigan minus the non-GM council average** (comparison and method "
        "pre-specified in `data/analysis_plan.yml`, `comparative:` block and amendment of 2026-12-06; "
        "segmented OLS on Wigan's series minus the average of the non-GM councils, break 2011, rule "
        "`start`; for healthy life expectancy the before/after change 2009-11 to 2015-17; 95% intervals by inverting the placebo-in-space distribution of the same "
        "comparative statistic, each non-GM council in turn against the rest). The method was chosen "
        "by the committed rule from the real-panel coverage study (`docs/inference.md`; "
        + coverage_line() + "). For Wigan minus the non-GM council average: " + "; ".join(parts)
        + ". " + verdict + " Description only, not primary: Wigan's own break, national changes "
        f"included, gives a male life expectancy slope change of {fmt.number(own.slope['estimate'], 2, signed=True)} years "
        f"per year, against {fmt.number(results['le_male'].estimates['slope']['estimate'], 2, signed=True)} for Wigan minus "
        "the non-GM council average."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wigan_deal.panel_coverage",
                                     description="Real-panel coverage study of the comparative estimators.")
    parser.add_argument("command", choices=["build", "check", "show"])
    parser.add_argument("--only", choices=["panel", "simulation"], help="one of the two tables")
    args = parser.parse_args(argv)
    if args.command == "show":
        t = load_panel_table()
        print(t.round(3).to_string())
        for d, s in select(t).items():
            print(d, "->", s["choice"])
            print(s["ranking"].round(3).to_string())
        return 0
    ok = True
    for name, fn, path in (("panel", build, PANEL_FILE), ("simulation", build_simulation, SIM_FILE)):
        if args.only not in (None, name):
            continue
        start = time.perf_counter()
        table = fn()
        secs = time.perf_counter() - start
        if args.command == "build":
            COVERAGE_DIR.mkdir(parents=True, exist_ok=True)
            table.to_csv(path, index=False, float_format="%.6g")
            print(f"wrote {path.relative_to(config.PROJECT_ROOT)} ({len(table)} rows) in {fmt.number(secs, 1)} s")
            continue
        committed = pd.read_csv(path)
        same = committed.shape == table.shape and np.allclose(committed["coverage"], table["coverage"],
                                                              atol=1e-6)
        ok &= same
        print(f"{name}: {fmt.number(secs, 1)} s; committed table {'matches' if same else 'DIFFERS'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
