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
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from wigan_deal import config, synth
from wigan_deal import data as wd

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


def leave_one_out(panel: pd.DataFrame, fit, **kw) -> pd.DataFrame:
    """Refit without each donor that has a non-zero weight: donor, weight, mean post gap, pre-RMSPE."""
    rows = []
    for code, weight in fit.top_weights(None).items():
        donors = [c for c in fit.donors if c != code]
        if not donors:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", synth.SynthWarning)
            f = synth.fit_synth(panel, fit.treated, fit.break_year, donors=donors,
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
    """``(table, fits)``: one row per donor pool, and {label: (fit, placebo, loo, conformal)}."""
    f = wd.load_indicator(indicator, sex=sex, vintage=vintage)
    rows, fits = [], {}
    for label in POOLS:
        try:
            codes = pool_codes(area, label, indicator, vintage)
            panel = f if codes is None else f[f.area_code.isin(set(codes) | {area})]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", synth.SynthWarning)
                fit = synth.fit_synth(panel, area, break_year, post_rule=post_rule)
                plac = fit.placebo()
        except (ValueError, KeyError) as exc:
            rows.append({"donor pool": label, "note": str(exc).splitlines()[0][:160]})
            continue
        loo = leave_one_out(panel, fit)
        conf = conformal_p_value(fit)
        overfit = len(fit.donors) > fit.n_pre and fit.pre_rmspe < 0.05 * float(np.std(fit._values[:, 0]))
        fits[label] = (fit, plac, loo, conf)
        rows.append({
            "donor pool": label, "donors": len(fit.donors), "pre-periods": fit.n_pre,
            "non-zero weights": len(fit.top_weights(None)), "pre-RMSPE": fit.pre_rmspe,
            "mean post gap": fit.mean_post_gap, "RMSPE ratio": fit.rmspe_ratio,
            "placebo p": plac.p_value, "placebo units": plac.n_units,
            "LOO gap min": loo["mean post gap"].min() if len(loo) else np.nan,
            "LOO gap max": loo["mean post gap"].max() if len(loo) else np.nan,
            "conformal p (block)": conf["p_value"], "conformal min p": conf["min_p"],
            "periods": conf["T"],
            "note": ("WARNING: more donors than pre-periods and a near-exact pre-fit: the synthetic "
                     "control may interpolate noise" if overfit else ""),
        })
    return pd.DataFrame(rows), fits


def effect_summary(table: pd.DataFrame, unit: str = "", higher_is_better: bool = False) -> str:
    """Plain-English summary of :func:`synth_pools`' table."""
    ok = table[table["mean post gap"].notna()] if "mean post gap" in table else table.iloc[0:0]
    if ok.empty:
        return "No synthetic control could be fitted."
    worse = (ok["mean post gap"] < 0) if higher_is_better else (ok["mean post gap"] > 0)
    parts = [f"{r['donor pool']}: gap {r['mean post gap']:+.2f}{' ' + unit if unit else ''} "
             f"(placebo p = {r['placebo p']:.2f}; leave-one-out {r['LOO gap min']:+.2f} to "
             f"{r['LOO gap max']:+.2f})" for _, r in ok.iterrows()]
    return (f"Across {len(ok)} donor pools the area is worse than its synthetic control in "
            f"{int(worse.sum())}: " + "; ".join(parts) + ". Block-conformal p-values cannot fall "
            f"below 1/{int(ok['periods'].iloc[0])} = {1 / ok['periods'].iloc[0]:.3f} with "
            f"{int(ok['periods'].iloc[0])} periods, so no 95% conformal interval is bounded at this "
            "design.")


__all__ = ["POOLS", "conformal_p_value", "effect_summary", "leave_one_out", "pool_codes", "synth_pools"]
