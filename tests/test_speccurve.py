"""Specification curve on Wigan's real data: every specification computed, equal to the engine."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from wigan_deal import config, speccurve
from wigan_deal import data as wd
from wigan_deal.its import fit_comparative_its, fit_its

AREA, IND = config.WIGAN, "u75_prev_cancer_mortality"


@pytest.fixture(scope="module")
def curve():
    return speccurve.spec_curve(AREA, IND, "Persons")


def test_every_combination_is_present(curve):
    t = curve.table
    level = t[t.quantity == "level_change"]
    n_comp = len(speccurve.COMPARATORS)
    # 3 model-based methods per comparator, plus permutation for the single series (own break), plus
    # the pre-specified primary since issue 15: Wigan minus the non-GM council average (2011, start)
    assert len(level) == 9 * (3 * n_comp + 1) + 1
    assert set(level.break_year) == {2011, 2013, 2014} and set(level.post_rule) == {"start", "mid", "end"}
    assert level.primary.sum() == 1
    p = curve.primary()
    assert (p.comparator, p.method, p.break_year, p.post_rule) == (
        speccurve.PRIMARY_COMPARATOR, speccurve.PRIMARY_METHOD, 2011, "start")
    from wigan_deal import panel_coverage

    ref = panel_coverage.primary_comparative(AREA, "u75_cancer").estimates["level"]
    assert (p.estimate, p.lower, p.upper) == pytest.approx((ref["estimate"], ref["lower"], ref["upper"]))


@pytest.mark.parametrize("method,kw", [("OLS", {"hac_lags": 0}), ("Newey-West(2)", {"hac_lags": 2}),
                                       ("GLSAR AR(1)", {"method": "glsar"})])
def test_rows_equal_the_engine(curve, method, kw):
    own = wd.load_indicator(IND, areas=[AREA], sex="Persons")
    t = curve.table
    r = fit_its(own, 2013, post_rule="mid", **kw)
    row = t[(t.comparator == "none") & (t.method == method) & (t.break_year == 2013)
            & (t.post_rule == "mid") & (t.quantity == "level_change")].iloc[0]
    tol = 1e-3 if method.startswith("GLSAR") else 1e-8  # iterated fit: convergence tolerance
    assert row.estimate == pytest.approx(r.level_change.estimate, rel=tol)
    assert row.lower == pytest.approx(r.level_change.lower, rel=max(tol, 1e-6))
    codes = wd.comparators(AREA, "england")
    ctrl = wd.load_indicator(IND, areas=codes, sex="Persons")
    if method != "GLSAR AR(1)":
        c = fit_comparative_its(own, ctrl, 2014, post_rule="end", hac_lags=kw["hac_lags"])
        row = t[(t.comparator == "england") & (t.method == method) & (t.break_year == 2014)
                & (t.post_rule == "end") & (t.quantity == "slope_change")].iloc[0]
        assert row.upper == pytest.approx(c.difference_in_slope.upper, rel=1e-8)


def test_shares_and_summary(curve):
    s = curve.shares("level_change")
    f = curve.fitted("level_change")
    assert s["n"] == len(f) and s["improvement"] == pytest.approx(np.mean(f.upper < 0))  # lower is better
    table, text = curve.effect_summary("per 100,000")
    assert "pre-specified primary analysis, Wigan minus the non-GM council average" in text
    assert "separately per inference method" in text
    # shares are reported per inference method, and the per-method counts add up to the whole curve
    by = curve.shares_by_method("level_change")
    assert set(by.method) == {*speccurve.METHODS, speccurve.PRIMARY_METHOD}
    assert by.n.sum() == s["n"]
    nw = curve.shares("level_change", "Newey-West(2)")
    fnw = f[f.method == "Newey-West(2)"]
    assert nw["improvement"] == pytest.approx(np.mean(fnw.upper < 0))
    assert by.set_index("method").loc["Newey-West(2)", "calibrated"].startswith("no (interval not calibrated")
    assert set(table.quantity) == {"level_change", "slope_change"}


def test_missing_comparator_kind_is_a_note_not_a_crash():
    comps = {"none": (None, False), "made-up": ("no_such_kind", False)}
    speccurve.COMPARATORS["made-up"] = ("no_such_kind", False)
    try:
        t = speccurve.specifications(AREA, IND, "Persons", comparators=comps)
    finally:
        del speccurve.COMPARATORS["made-up"]
    bad = t[t.comparator == "made-up"]
    assert len(bad) and bad.note.str.startswith("comparator unavailable").all()


def test_plot(curve):
    ax = curve.plot()
    assert len(ax.collections) >= 2
    matplotlib.pyplot.close("all")
