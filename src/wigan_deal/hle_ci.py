"""Confidence intervals for HLE changes: one function for a change and a difference in change, and the
95% CI half-width of one council's HLE estimate (per council, not one width for all).

:func:`change_with_ci` is the only place where a change between two non-overlapping periods and the
area-minus-comparator difference in change get their 95% CIs from per-estimate half-widths (claims,
``studies.hle.change_table`` and ``hle_noise.sensitivity`` all call it). The assumed widths live in
``config.HLE_ASSUMED_CI_HALFWIDTH`` / ``config.HLE_ENGLAND_CI_HALFWIDTH``.

:func:`council_halfwidths` is the per-council noise model of the ``hle_increase`` rule (amended 2026-12-06):

* the publisher's significance flags (Fingertips: the council's 95% CI compared with England's value) bound
  the half-width ``h``: 'Similar' in a period means ``h >= |area - England|``, 'Worse'/'Better' means
  ``h < |area - England|``; ``h`` is taken as constant over the periods of one vintage and sex;
* within those bounds ``h`` is the empirical noise SD (:func:`noise_model`, covariance of consecutive
  non-overlapping changes across councils in the report-era vintage) scaled by population,
  ``sigma_i = sigma_cov * sqrt(mean(1/P) / (1/P_i))`` (survey sampling variance ~ 1/n, n ~ population), times 1.96;
* bounds that contradict each other (lower above upper) are ignored (the half-width is not constant).

The flags are kept in a committed table (``config.HLE_FLAGS_FILE``) parsed from the raw Fingertips files by
:func:`build_flags` (``python -m wigan_deal.hle_ci build``); values are rounded to 0.1 years, so the bounds are
approximate to about 0.1.
"""

from __future__ import annotations

import argparse
import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from wigan_deal import config, fmt
from wigan_deal import data as wd

Z975 = float(stats.norm.ppf(0.975))
START, MIDDLE, END = "2009-11", "2012-14", "2015-17"
#: Fingertips' comparison of a council's 95% CI with England's value
FLAG_VALUES = {"Similar": "similar", "Worse": "different", "Better": "different"}
FLAG_COLUMNS = ["vintage", "area_code", "sex", "period", "flag"]
HALFWIDTH_COLUMNS = ["area_code", "sex", "vintage", "flag_lower", "flag_upper", "population",
                     "halfwidth_population", "halfwidth", "source"]


# --- one function for a change and a difference in change ------------------------------------------------


def se_from_halfwidth(halfwidth: float | None) -> float:
    """Standard error of one estimate from its 95% CI half-width (NaN if unknown)."""
    return math.nan if halfwidth is None or not math.isfinite(halfwidth) else float(halfwidth) / Z975


def change_with_ci(area_start: float, area_end: float, comp_start: float, comp_end: float, *,
                   se_area: tuple[float, float], se_comp: tuple[float, float] = (0.0, 0.0)) -> dict[str, float]:
    """Area change, comparator change and the difference in change between two NON-overlapping periods,
    with normal 95% CIs; each period's error is independent (se of a change = hypot of the two).

    Returns area_change(+_se/_lower/_upper), comparator_change(+_se), diff(+_se/_lower/_upper)."""
    area_change, comp_change = area_end - area_start, comp_end - comp_start
    se_a = math.hypot(*se_area)
    se_c = math.hypot(*se_comp)
    se_d = math.hypot(se_a, se_c)
    diff = area_change - comp_change
    return {"area_change": area_change, "area_change_se": se_a, "area_change_lower": area_change - Z975 * se_a,
            "area_change_upper": area_change + Z975 * se_a, "comparator_change": comp_change,
            "comparator_change_se": se_c, "diff": diff, "diff_se": se_d, "diff_lower": diff - Z975 * se_d,
            "diff_upper": diff + Z975 * se_d}


def non_overlapping_ends(periods: list[tuple[int, int, str]], base: tuple[int, int], end: tuple[int, int]) -> list[str]:
    """Labels of the end points a lasting change is measured to: counted back from ``end`` in steps of its own
    length, each overlapping neither ``base`` nor the next one (e.g. 2015-17 -> 2022-24: 2019-21, 2022-24).
    ``periods`` = (start year, end year, label) of the periods present."""
    have = {(s, e): label for s, e, label in periods}
    length = end[1] - end[0] + 1
    out, s = [], end[0]
    while s > base[1] and (s, s + length - 1) in have:
        out.append(have[(s, s + length - 1)])
        s -= length
    return sorted(out)


# --- empirical noise (report-era vintage) ---------------------------------------------------------------


def wide(sex: str, vintage: str) -> pd.DataFrame:
    """HLE values, councils and England x periods."""
    return _shared_wide(sex, vintage).copy(deep=False)  # copy-on-write: the caller's edits stay its own


@wd.data_cache(maxsize=32)
def _shared_wide(sex: str, vintage: str) -> pd.DataFrame:
    """:func:`wide`, the same for every council: once per data version (a report asks ~20 times)."""
    f = wd.load_indicator("hle_birth", sex=sex, vintage=vintage)
    return f.pivot(index="area_code", columns="period", values="value")


def councils(w: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``w`` that are councils (no England, regions or combined authorities)."""
    return w[~w.index.astype(str).str.startswith(config.AGGREGATE_PREFIXES)]


def noise_model(sex: str, vintage: str = config.REPORT_VINTAGE) -> dict[str, float]:
    """Noise SD of one council's HLE estimate: assumed, covariance-based and upper bound (one SD for all)."""
    return dict(_noise_model(sex, vintage))


@wd.data_cache(maxsize=32)
def _noise_model(sex: str, vintage: str) -> dict[str, float]:
    """:func:`noise_model`, the same for every council: once per data version (shared: never modified)."""
    w = wide(sex, vintage)
    eng = w.loc[config.ENGLAND]
    c = councils(w)[[START, MIDDLE, END]].dropna()
    d1 = (c[MIDDLE] - c[START]) - (eng[MIDDLE] - eng[START])
    d2 = (c[END] - c[MIDDLE]) - (eng[END] - eng[MIDDLE])
    cov = float(np.cov(d1, d2)[0, 1])
    pooled = float(np.sqrt((d1.var(ddof=1) + d2.var(ddof=1)) / 2))
    return {
        "sex": sex, "councils": int(len(c)),
        "sigma_assumed": config.HLE_ASSUMED_CI_HALFWIDTH / Z975,
        "sigma_cov": float(np.sqrt(max(-cov, 0.0))),
        "sigma_upper": pooled / np.sqrt(2),
        "cov_d1_d2": cov, "corr_d1_d2": float(np.corrcoef(d1, d2)[0, 1]),
        "sd_change": pooled,
    }


def rtm_adjusted(area: str = config.WIGAN, vintage: str = config.REPORT_VINTAGE, start: str = START,
                 end: str = END) -> pd.DataFrame:
    """Change ``start`` -> ``end`` regressed on the ``start`` level across councils; the area's adjusted change
    (residual), its rank among councils (1 = largest increase) for raw and adjusted change, by sex."""
    rows = []
    for sex in config.SEXES:
        c = _rtm_councils(sex, vintage, start, end)
        if area not in c.index:
            continue
        change, slope, intercept, adjusted = _rtm_fit(sex, vintage, start, end)
        ranks = _rtm_ranks(sex, vintage, start, end)
        rows.append({
            "sex": sex, "councils": len(c), "baseline": float(c.loc[area, start]),
            "change": float(change[area]), "slope on baseline": float(slope),
            "expected change": float(intercept + slope * c.loc[area, start]),
            "adjusted change": float(adjusted[area]),
            "rank raw": int(ranks.at[area, "raw"]),
            "rank adjusted": int(ranks.at[area, "adjusted"]),
        })
    return pd.DataFrame(rows)


@wd.data_cache(maxsize=32)
def _rtm_ranks(sex: str, vintage: str, start: str, end: str) -> pd.DataFrame:
    """Each council's rank (1 = largest increase; ties share the best rank) for the raw and the adjusted change
    of :func:`_rtm_fit`, by area code (shared: never modified)."""
    change, _, _, adjusted = _rtm_fit(sex, vintage, start, end)
    return pd.DataFrame({"raw": change.rank(ascending=False, method="min"),
                         "adjusted": adjusted.rank(ascending=False, method="min")})


@wd.data_cache(maxsize=32)
def _rtm_councils(sex: str, vintage: str, start: str, end: str) -> pd.DataFrame:
    """Councils with an HLE value at ``start`` and ``end`` (shared: never modified)."""
    return councils(wide(sex, vintage))[[start, end]].dropna()


@wd.data_cache(maxsize=32)
def _rtm_fit(sex: str, vintage: str, start: str, end: str) -> tuple[pd.Series, float, float, pd.Series]:
    """The all-council regression of :func:`rtm_adjusted`, once per data version (the same fit for every council):
    ``(change, slope, intercept, adjusted change)`` (shared: never modified)."""
    c = _rtm_councils(sex, vintage, start, end)
    change = c[end] - c[start]
    slope, intercept = np.polyfit(c[start], change, 1)
    adjusted = change - (intercept + slope * c[start])
    return change, slope, intercept, adjusted


# --- the publisher's significance flags -----------------------------------------------------------------


def build_flags(raw_dir: Path | None = None) -> pd.DataFrame:
    """Every HLE raw file's significance flag vs England: vintage, area_code, sex, period, flag
    ('similar' / 'different'); rows without a comparison are dropped."""
    raw_dir = Path(raw_dir or config.RAW_DIR) / "healthy_life_expectancy"
    frames = []
    for path in sorted(raw_dir.glob("hle_birth_*_vintage*.csv")):
        vintage = path.stem.rsplit("vintage", 1)[1]
        f = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
        flag = f["significance"] if "significance" in f else f["compared_to_England"]
        sex = f["group"] if "group" in f else f["inequality"]
        period = f["period"].str.replace(" ", "")
        frames.append(pd.DataFrame({"vintage": f"{vintage[:4]}-{vintage[5:7]}", "area_code": f["area_code"],
                                    "sex": sex, "period": period, "flag": flag.map(FLAG_VALUES)}))
    out = pd.concat(frames, ignore_index=True).dropna()
    return out.sort_values(FLAG_COLUMNS).drop_duplicates().reset_index(drop=True)[FLAG_COLUMNS]


@functools.lru_cache(maxsize=2)
def _flags_cached(path: str, mtime_ns: int) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str)


def load_flags(path: Path | None = None) -> pd.DataFrame:
    """The committed flags table (``config.HLE_FLAGS_FILE``)."""
    path = Path(path or config.HLE_FLAGS_FILE)
    if not path.exists():
        raise FileNotFoundError(f"HLE significance flags not found at {path}; build them with "
                                "'python -m wigan_deal.hle_ci build' (needs the raw HLE files).")
    return _flags_cached(str(path), path.stat().st_mtime_ns).copy()


def flag_bounds(sex: str, vintage: str) -> pd.DataFrame:
    """Per council: the bounds the flags of one vintage put on its 95% half-width (NaN = no bound)."""
    flags = load_flags()
    flags = flags[(flags["vintage"] == vintage) & (flags["sex"] == sex)]
    w = wide(sex, vintage)
    if config.ENGLAND not in w.index:
        return pd.DataFrame(columns=["flag_lower", "flag_upper"])
    long = councils(w).stack().rename("value").reset_index()
    long["gap"] = (long["value"] - long["period"].map(w.loc[config.ENGLAND])).abs()
    m = long.merge(flags, on=["area_code", "period"], how="inner")
    lower = m[m["flag"] == "similar"].groupby("area_code")["gap"].max()
    upper = m[m["flag"] == "different"].groupby("area_code")["gap"].min()
    return pd.DataFrame({"flag_lower": lower, "flag_upper": upper})


def _population(year: int) -> pd.Series:
    pop = wd.load_population()
    years = sorted(pop["year"].unique())
    use = max([y for y in years if y <= year] or [years[-1]])
    return pop[pop["year"] == use].set_index("area_code")["population"].astype(float)


def council_halfwidths(sex: str, vintage: str = config.REPORT_VINTAGE, *, year: int = 2013) -> pd.DataFrame:
    """The per-council 95% CI half-width of one HLE estimate (one sex, one vintage): the population-scaled
    empirical value clipped into the bounds set by the publisher's flags. ``year`` = population year
    (default mid-2013, the middle of the report window; the latest earlier year we hold is used).

    Columns: HALFWIDTH_COLUMNS; ``source`` says which part of the model set the value."""
    sigma = noise_model(sex)["sigma_cov"]
    w = councils(wide(sex, vintage))
    pop = _population(year).reindex(w.index)
    inv = 1 / pop
    h_pop = Z975 * sigma * np.sqrt(inv / inv.mean())
    bounds = flag_bounds(sex, vintage).reindex(w.index)
    lo, hi = bounds["flag_lower"], bounds["flag_upper"]
    rows = []
    for code in w.index:
        low, u, hp = lo.get(code, np.nan), hi.get(code, np.nan), h_pop.get(code, np.nan)
        base = "population-scaled empirical noise" if np.isfinite(hp) else "empirical noise (no population)"
        h = hp if np.isfinite(hp) else Z975 * sigma
        consistent = not (np.isfinite(low) and np.isfinite(u) and low > u)
        if consistent and np.isfinite(low) and h < low:
            h, src = low, "publisher's flags (lower bound; 'similar' to England at this distance)"
        elif consistent and np.isfinite(u) and h > u:
            h, src = u, "publisher's flags (upper bound; 'worse'/'better' than England at this distance)"
        else:
            src = base + (" (within the flags' bounds)" if consistent and (np.isfinite(low) or np.isfinite(u))
                          else " (flags contradict a constant width; ignored)" if not consistent else "")
        rows.append({"area_code": code, "sex": sex, "vintage": vintage, "flag_lower": low, "flag_upper": u,
                     "population": pop.get(code, np.nan), "halfwidth_population": hp, "halfwidth": float(h),
                     "source": src})
    return fmt.explain_missing(pd.DataFrame(rows, columns=HALFWIDTH_COLUMNS), {
        "flag_lower": "no 'similar to England' flag bounds the half-width from below",
        "flag_upper": "no 'different from England' flag bounds the half-width from above",
        "population": "no population estimate for the council", "halfwidth_population": "no population estimate"})


@wd.data_cache(maxsize=32)
def shared_halfwidths(sex: str, vintage: str = config.REPORT_VINTAGE) -> pd.DataFrame:
    """:func:`council_halfwidths` (default population year) memoised on the data version: the same all-council
    table for every council's report. Shared: callers must not modify it."""
    return council_halfwidths(sex, vintage)


@wd.data_cache(maxsize=32)
def _halfwidths_cached(sex: str, vintage: str) -> pd.DataFrame:
    return shared_halfwidths(sex, vintage).set_index("area_code")


def halfwidth(area_code: str, sex: str, vintage: str) -> tuple[float, str]:
    """(95% half-width of the area's HLE estimate, how it was set); England: config.HLE_ENGLAND_CI_HALFWIDTH."""
    if area_code == config.ENGLAND:
        return config.HLE_ENGLAND_CI_HALFWIDTH, "England (config.HLE_ENGLAND_CI_HALFWIDTH)"
    table = _halfwidths_cached(sex, vintage)
    if area_code not in table.index:
        return math.nan, "no HLE estimate for this area"
    row = table.loc[area_code]
    return float(row["halfwidth"]), str(row["source"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wigan_deal.hle_ci")
    parser.add_argument("command", choices=["build", "check"])
    args = parser.parse_args(argv)
    fresh = build_flags()
    if args.command == "build":
        config.HLE_FLAGS_FILE.parent.mkdir(parents=True, exist_ok=True)
        fresh.to_csv(config.HLE_FLAGS_FILE, index=False)
        print(f"Wrote {len(fresh)} flags to {config.HLE_FLAGS_FILE}.")
        return 0
    same = load_flags().equals(fresh.astype(str))
    print("HLE flags table matches the raw files." if same else "HLE flags table differs from the raw files.")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
