"""Online refresh, tested offline: a fake opener serves a recorded-shape API response.

``tests/fixtures/fingertips_api_90362_sample.csv`` has the column layout of the Fingertips API
``all_data/csv/by_indicator_id`` CSV; its numbers are illustrative (not official statistics). No test
makes a network call.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
from pathlib import Path

import pytest

from wigan_deal import config
from wigan_deal.data import DataError, refresh
from wigan_deal.data.parsers import INDICATOR_COLUMNS

FIXTURE = Path(__file__).parent / "fixtures" / "fingertips_api_90362_sample.csv"


class _FakeResponse:
    def __init__(self, payload: bytes):
        self.payload = payload

    def read(self) -> bytes:
        return self.payload

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def fake_api(monkeypatch):
    calls: list[str] = []

    def opener(url, timeout=None):
        calls.append(url)
        return _FakeResponse(FIXTURE.read_bytes())

    monkeypatch.setattr(refresh, "_urlopen", opener)
    return calls


def test_parse_api_csv_keeps_cis_and_upper_tier_only():
    tidy = refresh.parse_api_csv(FIXTURE, "hle_birth", "2026-06")
    assert list(tidy.columns) == INDICATOR_COLUMNS
    # region row, deprivation-decile row and the suppressed (empty) value are dropped
    assert len(tidy) == 9
    assert "E12000002" not in set(tidy["area_code"])
    wigan = tidy[(tidy["area_code"] == "E08000010") & (tidy["sex"] == "Male") & (tidy["period"] == "2018-20")]
    row = wigan.iloc[0]
    assert (row["value"], row["lower_ci"], row["upper_ci"]) == (59.5, 57.4, 61.6)
    assert (row["period_start"], row["period_end"], row["vintage"]) == (2018, 2020, "2026-06")
    assert "E08000016" in set(tidy["area_code"])  # Barnsley's new code harmonised


def test_refresh_downloads_records_and_writes_separate_extract(fake_api, tmp_path):
    tidy = refresh.refresh(out_dir=tmp_path, names=["hle_birth"], today=dt.date(2026, 6, 2), log=lambda _: None)
    assert fake_api == [
        "https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id?indicator_ids=90362&area_type_id=502"
    ]
    assert len(tidy) == 9 and set(tidy["vintage"]) == {"2026-06"}
    prov = json.loads((tmp_path / "refresh_provenance.json").read_text())
    download = prov["downloads"][0]
    assert download["url"] == fake_api[0] and download["downloaded"] == "2026-06-02"
    import hashlib

    assert download["sha256"] == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    assert (tmp_path / download["file"]).read_bytes() == FIXTURE.read_bytes()
    assert (tmp_path / "indicators_refresh.csv").read_text().splitlines()[0] == ",".join(INDICATOR_COLUMNS)


def test_offline_gives_a_clear_message(monkeypatch, tmp_path):
    def offline(url, timeout=None):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(refresh, "_urlopen", offline)
    with pytest.raises(refresh.RefreshError, match=r"Cannot reach the Fingertips API.*offline.*data/extracts"):
        refresh.refresh(out_dir=tmp_path, names=["hle_birth"], log=lambda _: None)


def test_dry_run_makes_no_call_and_refuses_committed_folder(fake_api, tmp_path):
    lines: list[str] = []
    assert refresh.refresh(out_dir=tmp_path, dry_run=True, log=lines.append) is None
    assert fake_api == [] and len(lines) == len(refresh.REFRESHABLE)
    assert any("indicator_ids=90362&area_type_id=502" in line for line in lines)
    with pytest.raises(DataError, match="Refusing to write"):
        refresh.refresh(out_dir=config.EXTRACTS_DIR, names=["hle_birth"], log=lambda _: None)
    with pytest.raises(DataError, match="'school_readiness_gld'.*hle_birth"):
        refresh.refresh(out_dir=tmp_path, names=["school_readiness_gld"], log=lambda _: None)


def test_cli_dry_run_and_clear_error(tmp_path, capsys, fake_api):
    from wigan_deal.data.__main__ import main

    assert main(["refresh", "--dry-run", "--out-dir", str(tmp_path)]) == 0
    assert "area_type_id=502" in capsys.readouterr().out and fake_api == []
    assert main(["build", "--raw-dir", str(tmp_path / "missing"), "--out-dir", str(tmp_path / "x")]) == 1
    assert "does not exist" in capsys.readouterr().err
