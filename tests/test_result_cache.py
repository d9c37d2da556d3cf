"""The disk cache of area-independent results: computed once, keyed by code + data + libraries, safe to share."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pandas as pd
import pytest

from wigan_deal import config, result_cache
from wigan_deal.claims import shares


def _counter(calls: list[int], value: object = 42):
    def compute():
        calls.append(1)
        return value
    return compute


def test_a_result_is_computed_once_then_read(tmp_path):
    calls: list[int] = []
    assert result_cache.cached("answer", _counter(calls), folder=tmp_path) == 42
    assert result_cache.cached("answer", _counter(calls), folder=tmp_path) == 42
    assert calls == [1]
    assert [p.suffix for p in sorted(tmp_path.glob("answer-*"))] == [".lock", ".pkl"]


def test_switched_off_it_computes_every_time_and_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(result_cache.SWITCH, "off")
    calls: list[int] = []
    result_cache.cached("answer", _counter(calls), folder=tmp_path)
    result_cache.cached("answer", _counter(calls), folder=tmp_path)
    assert calls == [1, 1] and not list(tmp_path.iterdir())


def test_changing_a_data_file_changes_the_key_and_prunes_the_old_result(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "rules.yml").write_text("threshold: 1\n")
    monkeypatch.setattr(config, "DATA_DIR", data)
    store = tmp_path / "cache"
    first = result_cache.path_for("table", store)
    result_cache.cached("table", lambda: "old", folder=store)
    (data / "rules.yml").write_text("threshold: 2\n")
    second = result_cache.path_for("table", store)
    assert first != second
    assert result_cache.cached("table", lambda: "new", folder=store) == "new"
    assert not first.exists() and second.exists()


def test_a_raw_file_touched_changes_the_key(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.csv").write_text("x\n1\n")
    monkeypatch.setattr(config, "RAW_DIR", raw)
    before = result_cache.fingerprint()
    (raw / "a.csv").write_text("x\n12\n")
    assert result_cache.fingerprint() != before


def test_a_torn_file_is_recomputed_not_trusted(tmp_path):
    path = result_cache.path_for("answer", tmp_path)
    tmp_path.mkdir(exist_ok=True)
    path.write_bytes(b"\x80\x05not a pickle")
    assert result_cache.cached("answer", lambda: 7, folder=tmp_path) == 7
    assert result_cache.cached("answer", lambda: 8, folder=tmp_path) == 7


def test_an_unwritable_folder_still_gives_the_result(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert result_cache.cached("answer", lambda: 5, folder=blocker / "cache") == 5


def test_names_that_could_leave_the_folder_are_refused(tmp_path):
    with pytest.raises(ValueError, match="letters, digits"):
        result_cache.path_for("../escape", tmp_path)


def _slow_compute(log: str) -> str:
    with open(log, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    time.sleep(0.5)
    return "done"


def _ask(folder: str, log: str) -> str:
    return result_cache.cached("slow", lambda: _slow_compute(log), folder=Path(folder))


def test_processes_asking_at_once_compute_it_once(tmp_path):
    log = tmp_path / "computed.log"
    with multiprocessing.get_context("fork").Pool(3) as pool:
        results = pool.starmap(_ask, [(str(tmp_path / "cache"), str(log))] * 3)
    assert results == ["done"] * 3
    assert len(log.read_text().splitlines()) == 1


def test_all_council_shares_are_kept_on_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "RESULT_CACHE_DIR", tmp_path)
    calls: list[int] = []
    table = pd.DataFrame({"claim_id": ["c1"], "rule": ["current"], "councils": [151]})

    def fake_shares():
        calls.append(1)
        return table

    monkeypatch.setattr(shares, "verdict_shares", fake_shares)
    first = shares.all_council_shares()
    first.loc[0, "councils"] = 0  # callers get a copy: mutating it does not change what is kept
    second = shares.all_council_shares()
    assert calls == [1] and second.loc[0, "councils"] == 151
    assert list(tmp_path.glob("verdict_shares-*.pkl"))
