"""Memoised panels built from the indicators extract follow its version (issue 18).

``inference.reference_panel`` (placebo in space) and ``panel_coverage.outcome_panel`` (the comparative primary
analysis) keep their frames in ``lru_cache``s. After ``make data`` in a running kernel they must read the rebuilt
``indicators.csv``, as the data layer's own cache does (keyed on the file's mtime, size and checksum), instead of
serving the old frame until the kernel restarts. The test rebuilds one value in a private copy of the extracts and
clears no cache, as a kernel would not.
"""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from wigan_deal import config, data, inference, panel_coverage

LEEDS, INDICATOR, SEX, VINTAGE, KEY = "E08000035", "le_birth", "Male", "2019-12", "le_male"


@pytest.fixture
def extracts(tmp_path, monkeypatch):
    """A private copy of data/extracts and provenance.json that the package reads (config points at it)."""
    target = tmp_path / "data"
    shutil.copytree(config.EXTRACTS_DIR, target / "extracts")
    shutil.copy(config.PROVENANCE_FILE, target / "provenance.json")
    monkeypatch.setattr(config, "EXTRACTS_DIR", target / "extracts")
    monkeypatch.setattr(config, "PROVENANCE_FILE", target / "provenance.json")
    yield target / "extracts"
    data.clear_cache()


def _rebuild_one_value(extracts, area: str) -> tuple[int, float, float]:
    """Rewrite ``area``'s first value of the series in ``indicators.csv`` as ``make data`` would (the file and its
    provenance checksum); returns (period start, old value, new value)."""
    path = extracts / "indicators.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(i for i, line in enumerate(lines)
             if line.startswith(f"{INDICATOR},{VINTAGE},{area},") and line.split(",")[4] == SEX)
    fields = lines[i].split(",")
    old = float(fields[8])
    fields[8] = f"{old + 0.25:.2f}"
    lines[i] = ",".join(fields)
    text = "".join(lines)
    path.write_text(text, encoding="utf-8")
    prov_path = extracts.parent / "provenance.json"
    prov = json.loads(prov_path.read_text(encoding="utf-8"))
    prov["extracts"]["indicators.csv"]["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    prov_path.write_text(json.dumps(prov), encoding="utf-8")
    return int(fields[6]), old, float(fields[8])


def _reference_value(period_start: int) -> float:
    panel = inference.reference_panel(INDICATOR, SEX, VINTAGE, config.WIGAN)
    row = panel[(panel["area_code"] == LEEDS) & (panel["period_start"] == period_start)]
    return float(row["value"].iloc[0])


def _pool_value(period_start: int) -> float:
    pool, _, _, _ = panel_coverage.outcome_panel(KEY, config.WIGAN)
    return float(pool.loc[period_start, LEEDS])


def test_stamp_is_the_extract_files_version(extracts):
    stamp = inference.indicators_stamp()
    assert stamp == inference.file_stamp(extracts / "indicators.csv") and stamp[0].startswith(str(extracts))
    (extracts / "indicators.csv").unlink()
    assert inference.indicators_stamp()[1:] == (-1, -1)  # the data layer, not a stat, says it is missing
    with pytest.raises(data.MissingDataError, match="indicators.csv"):
        inference.reference_panel(INDICATOR, SEX, VINTAGE, config.WIGAN)


def test_rebuilt_extract_is_read_by_the_memoised_panels(extracts):
    start = int(data.load_indicator(INDICATOR, areas=[LEEDS], sex=SEX, vintage=VINTAGE)["period_start"].min())
    before_ref, before_pool = _reference_value(start), _pool_value(start)
    hits = inference._reference_panel.cache_info().hits
    assert _reference_value(start) == before_ref
    assert inference._reference_panel.cache_info().hits == hits + 1  # an unchanged file is served from the cache
    period, old, new = _rebuild_one_value(extracts, LEEDS)
    assert period == start and before_ref == before_pool == old != new
    assert _reference_value(start) == new, "inference.reference_panel served the frame of the old indicators.csv"
    assert _pool_value(start) == new, "panel_coverage.outcome_panel served the frame of the old indicators.csv"


def test_data_cache_computes_afresh_after_the_extracts_are_rebuilt(extracts):
    """``data.data_cache`` (the memoised all-council frames of inference, hle_ci, parameters, finance and the
    finance study) keys on ``provenance.json``, which ``make data`` rewrites with every extract's checksum."""
    calls = []

    @data.data_cache(maxsize=4)
    def councils_with(indicator: str) -> int:
        calls.append(indicator)
        frame = data.load_indicator(indicator, vintage=VINTAGE)
        return int((frame["area_code"] == LEEDS).sum())

    assert councils_with(INDICATOR) == councils_with(INDICATOR) and len(calls) == 1  # cached
    _rebuild_one_value(extracts, LEEDS)
    councils_with(INDICATOR)
    assert len(calls) == 2  # the rebuilt extracts: computed afresh, no cache cleared
    councils_with.cache_clear()
    councils_with(INDICATOR)
    assert len(calls) == 3 and councils_with.__wrapped__(INDICATOR) == councils_with(INDICATOR)
    from wigan_deal import finance, hle_ci, lasting, parameters
    from wigan_deal.studies import asc_finance, compare

    for fn in (inference.residual_scale, inference.higher_is_better, hle_ci._halfwidths_cached,
               hle_ci.shared_halfwidths, hle_ci._shared_wide, hle_ci._noise_model, hle_ci._rtm_councils,
               hle_ci._rtm_fit, compare._group_mean, compare._coverage_series, lasting._shared_gap_series,
               parameters.valid_break_years, finance._budget_outturn_all, finance._savings_all,
               finance.spending_power_change, finance.baseline_line_check, asc_finance._england_finance):
        assert hasattr(fn, "cache_clear") and fn.__wrapped__.__name__ == fn.__name__, fn  # each is a data_cache
        assert fn.__code__ is not fn.__wrapped__.__code__, fn


def test_memoised_selections_and_group_means_follow_a_rebuilt_extract(extracts):
    """Issue 19: the loaders' memoised selections and the studies' memoised group means (the same for every
    council of an atlas worker) read the rebuilt ``indicators.csv``, no cache cleared."""
    from wigan_deal.studies import compare

    groups = {"England": [config.ENGLAND], "Leeds and Wigan": [LEEDS, config.WIGAN]}
    start = int(data.load_indicator(INDICATOR, areas=[LEEDS], sex=SEX, vintage=VINTAGE)["period_start"].min())

    def leeds_and_mean() -> tuple[float, float]:
        own = data.load_indicator(INDICATOR, areas=[LEEDS], sex=SEX, vintage=VINTAGE)
        means = compare.group_means(INDICATOR, groups, SEX, VINTAGE)
        mean = means[(means["area_code"] == "Leeds and Wigan") & (means["period_start"] == start)]
        return float(own.loc[own["period_start"] == start, "value"].iloc[0]), float(mean["value"].iloc[0])

    before = leeds_and_mean()
    assert leeds_and_mean() == before
    period, old, new = _rebuild_one_value(extracts, LEEDS)
    after = leeds_and_mean()
    assert period == start and before[0] == old and after[0] == new
    assert after[1] == pytest.approx(before[1] + (new - old) / 2)


def test_source_memo_keeps_a_result_only_while_its_sources_are_the_same_objects():
    """The one memo of results cut from cached extracts (loaders, lookup, peers, finance, social care, the HLE
    and claims tables): an equal but new source recomputes, a failed computation keeps nothing, and the least
    recently used result goes first."""
    memo = data.SourceMemo(maxsize=2)
    calls: list[str] = []

    def compute(label: str):
        def run() -> str:
            calls.append(label)
            return label
        return run

    first, equal_copy = [1, 2], [1, 2]
    assert memo.get("a", (first,), compute("a1")) == "a1"
    assert memo.get("a", (first,), compute("a2")) == "a1" and calls == ["a1"]  # same object: kept
    assert memo.get("a", (equal_copy,), compute("a3")) == "a3"  # equal, not the same: computed afresh
    assert memo.sources("a")[0] is equal_copy
    with pytest.raises(ZeroDivisionError):
        memo.get("b", (first,), lambda: 1 / 0)
    assert memo.sources("b") is None  # nothing kept from a failure
    memo.get("b", (first,), compute("b1"))
    memo.get("a", (equal_copy,), compute("unused"))  # "a" used last: "b" is the least recently used
    memo.get("c", (first,), compute("c1"))
    assert memo.sources("b") is None and memo.sources("a") is not None and memo.sources("c") is not None
    memo.clear()
    assert memo.sources("a") is None and "unused" not in calls
