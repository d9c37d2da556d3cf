"""Synthetic control reported whole: every donor pool side by side, leave-one-out, over-fit warnings.

For one area and outcome, :func:`synth_pools` fits the synthetic control on every donor pool
(:data:`POOLS`: all councils, all non-GM councils, ONS similar areas, IoD2019 deprivation-matched
councils; pools the data layer cannot build are skipped with a note) and reports, per pool, the
pre-period RMSPE, the mean post gap, the post/pre RMSPE-ratio permutation p-value, leave-one-out
donors (refit without each donor with a non-zero weight: the range of mean post gaps), and a
warning when the pool has more donors than pre-periods and the pre-fit is near-exact (an
interpolation that can track noise: Abadie 2021, section 7).

Conformal inference (Chernozhukov, Wuthrich & Zhu 2021, JASA) is implemented as
:func:`conformal_p_value` for the sharp null of no effect with moving-block (cyclic) permutations,
the variant valid under serially dependent residuals, which overlapping 3-year periods have. With
T periods there are only T such permutations, so the smallest attainable p-value is 1/T: with the
project's 15 periods, 1/15 = 0.067 > 0.05, so **no 95% conformal interval can be bounded** at this
design. i.i.d. permutations would allow smaller p-values but assume exchangeable residuals, which
MA(2) errors from overlapping periods violate. The p-value is reported, with this limitation stated.

Headline pool: a rule pre-specified in ``data/synth_headline.yml`` (:func:`load_headline_rule`,
docs/synthetic_control.md) marks one pool as the headline: the first pool in a fixed order whose
fit does not interpolate (near-zero pre-period RMSPE with more donors than pre-periods) and whose
pre-period RMSPE is at most a stated fraction of the outcome's between-council spread. It never
looks at the post period. Every pool is still shown.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wigan_deal import config, fmt, synth
from wigan_deal import data as wd
from wigan_deal.periods import check_post_rule, is_post

#: pool label -> description; built by :func:`pool_codes`
POOLS: tuple[str, ...] = ("all councils", "all non-GM councils", "ONS similar areas",
                          "deprivation-matched (IoD2019)")


def pool_codes(area: str, label: str, indicator: str, vintage: str | None) -> list[str] | None:
    """Donor codes of pool ``label`` (None: every council in the panel)."""
    if label == "all councils":
        return None
    if label == "all non-GM councils":
        codes = wd.comparators(area, "all", indicator=indicator, vintage=vintage)
        return [c for c in codes if c not in config.GREATER_MANCHESTER]
    kind = {"ONS similar areas": "nearest", "deprivation-matched (IoD2019)": "deprivation"}[label]
    return wd.comparators(area, kind, indicator=indicator, vintage=vintage)


@dataclass(frozen=True)
class HeadlineRule:
    """The pre-specified headline-pool rule (``data/synth_headline.yml``)."""

    order: tuple[str, ...]
    near_zero_ratio: float
    max_fit_ratio: float
    date: str


def load_headline_rule(path: str | Path | None = None) -> HeadlineRule:
    """Read and validate the headline rule; bad content raises one clear ``ValueError``."""
    import yaml

    path = Path(path or config.SYNTH_HEADLINE_FILE)
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rule = doc.get("rule") or {}
    order = tuple(rule.get("order") or ())
    unknown = [p for p in order if p not in POOLS]
    if not order or unknown or len(set(order)) != len(order):
        raise ValueError(
            f"{path}: rule.order must list distinct donor pools from {list(POOLS)}; got {list(order)}"
            + (f" (unknown: {unknown})" if unknown else "") + ".")
    ratios = {}
    for key in ("near_zero_ratio", "max_fit_ratio"):
        value = rule.get(key)
        if not isinstance(value, int | float) or not value > 0:
            raise ValueError(f"{path}: rule.{key} must be a positive number, got {value!r}.")
        ratios[key] = float(value)
    if ratios["near_zero_ratio"] >= ratios["max_fit_ratio"]:
        raise ValueError(f"{path}: rule.near_zero_ratio ({ratios['near_zero_ratio']}) must be below "
                         f"rule.max_fit_ratio ({ratios['max_fit_ratio']}).")
    return HeadlineRule(order=order, date=str(doc.get("date", "")), **ratios)


def outcome_spread(frame: pd.DataFrame, area: str, break_year: float, post_rule: str) -> float:
    """Between-council sd of the pre-period outcome (aggregates excluded), mean over pre-periods.

    Pre-periods are those before ``break_year`` under ``post_rule`` in which ``area`` is observed
    (the periods :func:`wigan_deal.synth.fit_synth` matches on). One number for every pool.
    """
    df = frame[~frame["area_code"].astype(str).str.startswith(synth.AGGREGATE_PREFIXES)]
    wide = df.pivot_table(index=["period_start", "period_end"], columns="area_code", values="value")
    if area not in wide.columns:
        raise ValueError(f"Area {area} is not in the panel, so the outcome's spread is undefined.")
    start = wide.index.get_level_values(0).to_numpy(int)
    end = wide.index.get_level_values(1).to_numpy(int)
    pre = ~is_post(start, end, float(break_year), check_post_rule(post_rule))
    pre &= wide[area].notna().to_numpy()
    if not pre.any():
        raise ValueError(f"Area {area} has no observed pre-period before {break_year}.")
    return float(np.nanstd(wide.to_numpy(float)[pre], axis=1).mean())


def interpolates(n_donors: int, n_positive: int, n_pre: int, pre_rmspe: float, spread: float,
                 rule: HeadlineRule) -> bool:
    """True if a fit interpolates: near-zero pre-RMSPE and more (weighted or pool) donors than pre-periods."""
    return bool(pre_rmspe < rule.near_zero_ratio * spread and max(n_donors, n_positive) > n_pre)


def mark_headline(table: pd.DataFrame, rule: HeadlineRule | None = None) -> pd.DataFrame:
    """Add ``pre-RMSPE / spread``, ``interpolates``, ``adequate fit`` and ``headline`` to a pool table.

    ``table`` needs the columns ``donor pool``, ``donors``, ``non-zero weights``, ``pre-periods``,
    ``pre-RMSPE`` and ``spread`` (pools that could not be fitted have NaN there and never qualify).
    The headline is the first pool in ``rule.order`` that is fitted, does not interpolate and has
    ``pre-RMSPE <= rule.max_fit_ratio x spread``; if none qualifies no row is marked.
    """
    rule = rule or load_headline_rule()
    out = table.copy()
    fitted = out["pre-RMSPE"].notna() if "pre-RMSPE" in out else pd.Series(False, index=out.index)
    out["pre-RMSPE / spread"] = (out["pre-RMSPE"] / out["spread"]).where(fitted) if fitted.any() else np.nan
    out["interpolates"] = [
        bool(ok) and interpolates(int(r["donors"]), int(r["non-zero weights"]), int(r["pre-periods"]),
                                  float(r["pre-RMSPE"]), float(r["spread"]), rule)
        for ok, (_, r) in zip(fitted, out.iterrows(), strict=True)]
    out["adequate fit"] = fitted & (out["pre-RMSPE / spread"] <= rule.max_fit_ratio)
    out["headline"] = False
    for label in rule.order:
        hit = (out["donor pool"] == label) & out["adequate fit"] & ~out["interpolates"]
        if hit.any():
            out.loc[hit.idxmax(), "headline"] = True
            break
    return out


def headline_row(table: pd.DataFrame) -> pd.Series | None:
    """The headline pool's row of a :func:`synth_pools` table, or None if no pool qualified."""
    if "headline" not in table or not table["headline"].any():
        return None
    return table.loc[table["headline"].astype(bool)].iloc[0]


def leave_one_out(panel, fit, **kw) -> pd.DataFrame:
    """Refit without each donor that has a non-zero weight: donor, weight, mean post gap, pre-RMSPE (``panel``: the
    tidy frame of ``fit`` or its :func:`wigan_deal.synth.prepared_panel`)."""
    rows, prepared = [], None
    for code, weight in fit.top_weights(None).items():
        donors = [c for c in fit.donors if c != code]
        if not donors:
            continue
        if prepared is None:  # pivot once for every refit
            prepared = synth.prepared_panel(panel, kw.pop("outcome", "value"), kw.pop("period_years", None))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", synth.SynthWarning)
            f = synth.fit_synth(prepared, fit.treated, fit.break_year, donors=donors,
                                post_rule=fit.post_rule, **kw)
        rows.append({"dropped donor": code, "weight": float(weight),
                     "mean post gap": f.mean_post_gap, "pre-RMSPE": f.pre_rmspe})
    return pd.DataFrame(rows, columns=["dropped donor", "weight", "mean post gap", "pre-RMSPE"])


def conformal_p_value(fit) -> dict[str, float]:
    """Moving-block conformal p-value for no effect (Chernozhukov, Wuthrich & Zhu 2021).

    Under the null the treated series is fitted on ALL periods; residuals ``u`` are permuted
    cyclically (T permutations) and the statistic ``mean |u_post|`` compared. Returns the p-value,
    T and the smallest attainable p-value ``1/T``.
    """
    vals = fit._values  # periods x [treated, donors...]
    y, X = vals[:, 0], vals[:, 1:]
    w = synth.simplex_least_squares(y, X)
    u = y - X @ w
    post = np.asarray(fit._post, dtype=bool)
    t = u.size
    stat = np.array([np.mean(np.abs(np.roll(u, j)[post])) for j in range(t)])
    return {"p_value": float(np.mean(stat >= stat[0] - 1e-12)), "T": t, "min_p": 1.0 / t}


def synth_pools(area: str, indicator: str, sex: str, vintage: str | None = None,
                break_year: int = config.DEFAULT_BREAK_YEAR, post_rule: str = "start"):
    """``(table, fits)``: one row per donor pool, and {label: (fit, placebo, loo, conformal)}.

    The table marks the headline pool (column ``headline``) by the pre-specified rule
    (:func:`mark_headline`); ``table.attrs`` holds the area code and name.
    """
    f = wd.load_indicator(indicator, sex=sex, vintage=vintage)
    rule = load_headline_rule()
    spread = outcome_spread(f, area, break_year, post_rule)
    rows, fits = [], {}
    for label in POOLS:
        try:
            codes = pool_codes(area, label, indicator, vintage)
            # checked and pivoted once for the fit and the leave-one-out refits
            panel = synth.prepared_panel(f if codes is None else f[f.area_code.isin(set(codes) | {area})])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", synth.SynthWarning)
                fit = synth.fit_synth(panel, area, break_year, post_rule=post_rule)
                plac = fit.placebo()
        except (ValueError, KeyError) as exc:
            rows.append({"donor pool": label, "note": str(exc).splitlines()[0][:160]})
            continue
        loo = leave_one_out(panel, fit)
        conf = conformal_p_value(fit)
        n_positive = len(fit.top_weights(None))
        overfit = interpolates(len(fit.donors), n_positive, fit.n_pre, fit.pre_rmspe, spread, rule)
        fits[label] = (fit, plac, loo, conf)
        rows.append({
            "donor pool": label, "donors": len(fit.donors), "pre-periods": fit.n_pre,
            "non-zero weights": n_positive, "pre-RMSPE": fit.pre_rmspe, "spread": spread,
            "mean post gap": fit.mean_post_gap, "RMSPE ratio": fit.rmspe_ratio,
            "placebo p": plac.p_value, "placebo units": plac.n_units,
            "LOO gap min": loo["mean post gap"].min() if len(loo) else np.nan,
            "LOO gap max": loo["mean post gap"].max() if len(loo) else np.nan,
            "conformal p (block)": conf["p_value"], "conformal min p": conf["min_p"],
            "periods": conf["T"],
            "note": ("WARNING: more donors than pre-periods and a near-exact pre-fit: the synthetic "
                     "control may interpolate noise (never the headline)" if overfit else ""),
        })
    table = mark_headline(pd.DataFrame(rows), rule)
    table.attrs.update(area=area, area_name=wd.area_name(area),
                       rule_date=rule.date)
    return table, fits


def effect_summary(table: pd.DataFrame, unit: str = "", higher_is_better: bool = False,
                   name: str | None = None) -> str:
    """Plain-English summary of :func:`synth_pools`' table, headline pool first and named."""
    ok = table[table["mean post gap"].notna()] if "mean post gap" in table else table.iloc[0:0]
    if ok.empty:
        return "No synthetic control could be fitted."
    name = name or table.attrs.get("area_name") or table.attrs.get("area") or "The area"
    u = " " + unit if unit else ""
    worse = (ok["mean post gap"] < 0) if higher_is_better else (ok["mean post gap"] > 0)

    def describe(r: pd.Series) -> str:
        flag = ", interpolates" if r.get("interpolates", False) else ""
        return (f"{r['donor pool']}: gap {fmt.number(r['mean post gap'], 2, signed=True)}{u} ({fmt.p_text(r['placebo p'], 'placebo p')}; "
                f"leave-one-out {fmt.number(r['LOO gap min'], 2, signed=True)} to {fmt.number(r['LOO gap max'], 2, signed=True)}{flag})")

    head = headline_row(ok)
    if head is None:
        lead = (f"No donor pool meets the pre-specified headline rule (data/synth_headline.yml: no "
                f"interpolation, pre-period RMSPE at most the stated share of the outcome's spread), "
                f"so {name} has no headline synthetic control. ")
    else:
        lead = (f"{name} minus its synthetic control (pool {head['donor pool']}, the headline by the "
                f"pre-specified rule in data/synth_headline.yml): mean post-break gap "
                f"{fmt.number(head['mean post gap'], 2, signed=True)}{u} ({fmt.p_text(head['placebo p'], 'placebo p')}; leave-one-out "
                f"{fmt.number(head['LOO gap min'], 2, signed=True)} to {fmt.number(head['LOO gap max'], 2, signed=True)}; pre-period RMSPE "
                f"{fmt.number(head['pre-RMSPE / spread'], 2)} x the between-council spread). ")
    parts = [describe(r) for _, r in ok.iterrows()]
    return (lead + f"Every pool, {name} minus synthetic: worse than its synthetic control in "
            f"{int(worse.sum())} of {len(ok)} pools: " + "; ".join(parts) + ". Block-conformal p-values cannot fall "
            f"below 1/{int(ok['periods'].iloc[0])} = {fmt.number(1 / ok['periods'].iloc[0], 3)} with "
            f"{int(ok['periods'].iloc[0])} periods, so no 95% conformal interval is bounded at this "
            "design.")


__all__ = ["POOLS", "HeadlineRule", "conformal_p_value", "effect_summary", "headline_row", "interpolates",
           "leave_one_out", "load_headline_rule", "mark_headline", "outcome_spread", "pool_codes",
           "synth_pools"]
