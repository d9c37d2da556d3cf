"""Result objects own their interpretation: effect_summary() gives (table, text) from the numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from its_sim import rolling_series
from wigan_deal import config, synth
from wigan_deal import data as wd
from wigan_deal.its import (
    break_year_sensitivity,
    break_year_summary,
    fit_comparative_its,
    fit_count_its,
    fit_its,
    placebo_in_space,
    placebo_in_time,
    placebo_in_time_summary,
)


def test_its_effect_summary_quotes_its_numbers():
    r = fit_its(rolling_series(seed=2, level=-8, sd=0.3), 2011)
    table, text = r.effect_summary("per 100,000", higher_is_better=False)
    assert f"{r.level_change.estimate:+.2f} per 100,000" in text
    assert "an improvement" in text  # a clear drop in a lower-is-better series
    assert "not the primary analysis" in text
    assert list(table.quantity) == ["level_change", "slope_change"]


def test_comparative_and_space_and_count_summaries():
    own = rolling_series(seed=3)
    ctrl = rolling_series(seed=4, level=0, slope=0, area_code="E92000001")
    c = fit_comparative_its(own, ctrl, 2011)
    _, text = c.effect_summary("years")
    assert f"{c.difference_in_level.estimate:+.2f} years" in text
    panel = wd.load_indicator("u75_prev_cancer_mortality", sex="Persons")
    s = placebo_in_space(panel, config.WIGAN, 2011, higher_is_better=False)
    _, text = s.effect_summary()
    assert f"ranks {s.rank} of {s.n_areas}" in text
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"time": np.arange(1, 41), "n": rng.poisson(100, 40), "pop": 1e5,
                          "post": (np.arange(40) >= 20).astype(int)})
    cr = fit_count_its(frame, count="n", offset="pop", intervention="post")
    assert f"{cr.rate_ratio.estimate:.3f}" in cr.effect_summary()[1]


def test_placebo_and_break_year_summaries():
    own = wd.load_indicator("u75_prev_cancer_mortality", areas=[config.WIGAN], sex="Persons")
    pit = placebo_in_time(own, break_year=2011)
    ok, text = placebo_in_time_summary(pit)
    n_sig = int(((ok.level_lower > 0) | (ok.level_upper < 0) | (ok.slope_lower > 0) | (ok.slope_upper < 0)).sum())
    assert text.startswith(f"{n_sig} of {len(ok)} fake breaks")
    bys = break_year_sensitivity(own, years=config.CANDIDATE_BREAK_YEARS)
    _, text = break_year_summary(bys)
    assert "CI excludes zero for break year(s)" in text


def test_synth_effect_summary():
    f = wd.load_indicator("u75_prev_cancer_mortality", sex="Persons")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", synth.SynthWarning)
        fit = synth.fit_synth(f, config.WIGAN, 2011)
        plac = fit.placebo()
    _, text = fit.effect_summary("per 100,000", higher_is_better=False, placebo=plac)
    assert f"{fit.mean_post_gap:+.2f} per 100,000" in text and f"p = {plac.p_value:.3f}" in text
