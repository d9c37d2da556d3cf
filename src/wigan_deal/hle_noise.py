"""HLE done honestly: an empirical noise model, regression to the mean, minimal detectable effects.

The source files carry no confidence intervals for council HLE; the claims register first assumed
+/-1.5 years (95%) per council estimate and, since its amendment of 2026-12-06, uses a per-council model.
This module estimates the noise from the data themselves and shows the verdict under each model.

Noise model (:func:`noise_model`). Write a council's estimate in period p as ``true_p + e_p`` with
independent noise ``e_p`` of SD ``sigma`` (three-year periods that do not overlap share no deaths or
survey respondents). For the consecutive non-overlapping changes ``d1 = y(2012-14) - y(2009-11)`` and
``d2 = y(2015-17) - y(2012-14)`` across councils (England's change removed):

* ``cov(d1, d2) = cov(true changes) - sigma^2``: if true changes in adjacent intervals are not
  negatively correlated, ``sigma_cov = sqrt(-cov(d1, d2))`` estimates the noise (the middle estimate
  enters both changes with opposite signs);
* ``var(d1) = var(true change) + 2 sigma^2``: ``sigma_upper = sd(d1, d2 pooled) / sqrt(2)`` is an upper
  bound (it treats every real difference in change as noise).

The verdict's sensitivity (:func:`sensitivity`) shows the area-minus-England change 2009-11 ->
2015-17 with a 95% interval under the assumed SD (1.5 / 1.96), ``sigma_cov``, ``sigma_upper`` and the
per-council model of the claims rule (:mod:`wigan_deal.hle_ci`: the publisher's significance flags bound
the council's half-width, the population-scaled empirical noise fills it); the pooled SDs are one width
for every council, too wide for a large council and too narrow for a small one.
Regression to the mean (:func:`rtm_adjusted`): across councils the change is regressed on the
baseline level; the area's residual is its change adjusted for where it started, ranked among all
councils. :func:`minimal_detectable_effects` gives the effect detectable with 80% power at 5% for
HLE under each noise SD and for each ITS outcome under the primary method (coverage study).
The model, the empirical SD and the one change-with-CI function live in :mod:`wigan_deal.hle_ci`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from wigan_deal import config, fmt, hle_ci, inference
from wigan_deal.hle_ci import END, MIDDLE, START, noise_model, rtm_adjusted  # noqa: F401 - re-exported
from wigan_deal.hle_ci import wide as _wide

ASSUMED_HALFWIDTH = config.HLE_ASSUMED_CI_HALFWIDTH  # the register's original assumption (95% half-width)
Z80 = float(stats.norm.ppf(0.8))
Z975 = float(stats.norm.ppf(0.975))
#: noise models of :func:`sensitivity`, in order
NOISE_MODELS = ("sigma_assumed", "sigma_cov", "sigma_upper", "per_council")


def sensitivity(area: str = config.WIGAN, vintage: str = config.REPORT_VINTAGE) -> pd.DataFrame:
    """Area-minus-England change START -> END with a 95% interval under each noise model, by sex: one SD for
    every council (assumed, empirical, empirical upper bound) and the per-council model of the claims rule
    (:func:`wigan_deal.hle_ci.halfwidth`). England's estimate has +/- config.HLE_ENGLAND_CI_HALFWIDTH in every
    model; the interval comes from :func:`wigan_deal.hle_ci.change_with_ci`, as in the claims and notebook 02."""
    se_eng = hle_ci.se_from_halfwidth(config.HLE_ENGLAND_CI_HALFWIDTH)
    rows = []
    for sex in config.SEXES:
        w = _wide(sex, vintage)
        nm = noise_model(sex, vintage)
        h_council, _ = hle_ci.halfwidth(area, sex, vintage)
        sigmas = {**{k: nm[k] for k in NOISE_MODELS[:3]}, "per_council": h_council / Z975}
        for label, sigma in sigmas.items():
            ch = hle_ci.change_with_ci(float(w.loc[area, START]), float(w.loc[area, END]),
                                       float(w.loc[config.ENGLAND, START]), float(w.loc[config.ENGLAND, END]),
                                       se_area=(sigma, sigma), se_comp=(se_eng, se_eng))
            lo, hi = ch["diff_lower"], ch["diff_upper"]
            rows.append({"sex": sex, "noise model": label, "sigma": sigma,
                         "difference vs England": ch["diff"], "lower": lo, "upper": hi,
                         "excludes zero": bool(lo > 0 or hi < 0)})
    return pd.DataFrame(rows)


def minimal_detectable_effects(vintage: str = config.REPORT_VINTAGE) -> pd.DataFrame:
    """Effect detectable with 80% power (two-sided 5%): HLE change vs England under each noise SD;
    the primary comparative quantity (area minus the non-GM council average) of every outcome of the
    real-panel study (2.80 x the cross-council SD of that statistic); and each ITS outcome's own-break
    level and slope change under the v1 method (simulated coverage study, worst error process)."""
    rows = []
    for sex in config.SEXES:
        nm = noise_model(sex, vintage)
        for label in ("sigma_assumed", "sigma_cov", "sigma_upper"):
            rows.append({"outcome": f"HLE at birth ({sex}), change 2009-11 to 2015-17 vs England",
                         "basis": label, "mde80": (Z975 + Z80) * nm[label] * np.sqrt(2),
                         "unit": "years"})
    from wigan_deal import panel_coverage

    panel = panel_coverage.load_panel_table()
    zero = panel[(panel.scenario == "zero") & (panel.candidate == "poolmean_raw")]
    for row in zero.itertuples():
        spec = panel_coverage.plan()["pools"][row.outcome]
        unit = "per 100,000" if spec["indicator"].startswith("u75") else "years"
        what = "change" if spec["design"] == "before_after" else f"{row.target} change"
        rows.append({"outcome": f"{row.outcome}: area minus the non-GM council average, {what}",
                     "basis": "primary comparative (real-panel study)", "mde80": float(row.mde),
                     "unit": unit + (" per year" if row.target == "slope" else "")})
    table = inference.load_table()
    method, _ = inference.primary_method(table)
    units = {"u75_cancer": "per 100,000", "le_male": "years"}
    for design, (key, _rule) in inference.DESIGNS.items():
        if not design.endswith("_start"):
            continue
        sub = table[(table.design == design) & (table.method == method)]
        for target in ("level", "slope"):
            mde = sub[sub.target == target]["mde80_real"].max()
            rows.append({"outcome": f"{design}: own-break {target} change",
                         "basis": f"{method}, own break (v1 simulated coverage study)",
                         "mde80": float(mde),
                         "unit": units.get(key, "") + (" per year" if target == "slope" else "")})
    return pd.DataFrame(rows)


#: plain names of the noise models in :func:`sensitivity`
NOISE_LABELS: dict[str, str] = {"sigma_assumed": f"assumed (±{config.HLE_ASSUMED_CI_HALFWIDTH:g} years)",
                                "sigma_cov": "empirical", "sigma_upper": "empirical upper bound",
                                "per_council": "per council (the claims rule)"}


@dataclass
class HLENoiseSummary:
    sensitivity: pd.DataFrame
    rtm: pd.DataFrame
    mde: pd.DataFrame

    def effect_summary(self) -> tuple[pd.DataFrame, str]:
        parts = []
        for sex, g in self.sensitivity.groupby("sex", sort=False):
            g = g.set_index("noise model")
            d = g["difference vs England"].iloc[0]
            verdicts = ", ".join(
                f"{NOISE_LABELS.get(k, k)} SD {fmt.number(g.loc[k, 'sigma'], 2)} -> CI "
                f"{fmt.ci(g.loc[k, 'lower'], g.loc[k, 'upper'], signed=True)}" for k in g.index)
            r = self.rtm.set_index("sex").loc[sex]
            parts.append(
                f"{sex}: change vs England {fmt.number(d, signed=True)} years ({verdicts}); adjusted for regression "
                f"to the mean the change is {fmt.number(r['adjusted change'], signed=True)} years, rank "
                f"{int(r['rank adjusted'])} of {int(r['councils'])} councils (raw rank {int(r['rank raw'])})")
        return self.sensitivity, fmt.minus_signs("; ".join(parts) + ".")


def summary(area: str = config.WIGAN, vintage: str = config.REPORT_VINTAGE) -> HLENoiseSummary:
    return HLENoiseSummary(sensitivity(area, vintage), rtm_adjusted(area, vintage),
                           minimal_detectable_effects(vintage))


__all__ = ["HLENoiseSummary", "minimal_detectable_effects", "noise_model", "rtm_adjusted",
           "sensitivity", "summary"]


def readme_block() -> str:
    """README: how the HLE verdict depends on the noise assumed for one council's estimate, and the
    change adjusted for regression to the mean (Wigan, report-era vintage)."""
    _, text = summary().effect_summary()
    return ("**How sure is the HLE result?** Since its amendment of 2026-12-06 the claims rule gives each council "
            "its own 95% half-width: the publisher's significance flags bound it and the empirical noise scaled "
            "by population fills it (`wigan_deal.hle_ci`); one SD for every council, assumed or pooled from the "
            "spread of non-overlapping changes across councils, is shown beside it (`wigan_deal.hle_noise`, "
            "notebook 02). " + text)
