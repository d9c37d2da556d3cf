"""Online refresh: download current Fingertips data and parse it into the tidy indicators layout.

``python -m wigan_deal.data refresh [--dry-run] [--out-dir DIR] [--area-type 502]`` downloads
``https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id?indicator_ids=<id>&area_type_id=<type>``
for every indicator with a Fingertips id (:data:`wigan_deal.data.sources.INDICATORS`) into
``config.DOWNLOAD_DIR`` (``data/raw/``, git-ignored), records URL, sha256, size and download date in
``refresh_provenance.json``, and writes ``indicators_refresh.csv`` (same columns as
``indicators.csv``; vintage = download month ``YYYY-MM``; confidence intervals kept from the API's
95% limits). The committed extracts are never overwritten.

Area types: 502 = upper-tier counties & unitary authorities on April-2023 boundaries (the default);
402 = the April-2021 version, 302 = 2020, 202 = 2019, 102 = the pre-2019 'County & UA' type used by
the 2019 vintage files. England and upper-tier codes are kept, regions and districts dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .. import config
from .build import write_csv
from .errors import DataError
from .parsers import INDICATOR_COLUMNS, finish_indicator
from .sources import FINGERTIPS_API, INDICATOR_SPECS

DEFAULT_AREA_TYPE = 502
#: indicator name -> Fingertips indicator id, for every indicator that has one.
REFRESHABLE: dict[str, int] = {s.name: s.fingertips_id for s in INDICATOR_SPECS.values() if s.fingertips_id}
API_COLUMNS = ("Indicator ID", "Area Code", "Area Name", "Sex", "Age", "Time period", "Value")
#: replaced in tests by a fake opener; never called by the test-suite for real.
_urlopen: Callable = urllib.request.urlopen


class RefreshError(DataError):
    """A download failed (offline, HTTP error) or the API returned an unexpected layout."""


def api_url(indicator_id: int, area_type: int = DEFAULT_AREA_TYPE) -> str:
    return FINGERTIPS_API.format(id=int(indicator_id), area_type=int(area_type))


def fetch(url: str, timeout: float = 120.0) -> bytes:
    """GET ``url``; network failures become a :class:`RefreshError` that says we seem to be offline."""
    try:
        with _urlopen(url, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise RefreshError(f"The Fingertips API answered HTTP {exc.code} for {url}: {exc.reason}.") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RefreshError(
            f"Cannot reach the Fingertips API ({url}): {reason}. You appear to be offline. The committed "
            "extracts in data/extracts work without internet; run the refresh again when online."
        ) from exc


def parse_api_csv(source: str | Path | bytes, indicator: str, vintage: str) -> pd.DataFrame:
    """Fingertips API CSV -> tidy ``indicators.csv`` layout (England + upper tier, no breakdowns)."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    frame = pd.read_csv(source, dtype=str, encoding="utf-8-sig")
    missing = [c for c in API_COLUMNS if c not in frame.columns]
    if missing:
        raise RefreshError(f"Fingertips API CSV for {indicator} lacks column(s) {missing}; got {list(frame.columns)}.")
    if "Category Type" in frame:  # deprivation deciles etc. are breakdowns, not the area's own value
        frame = frame[frame["Category Type"].isna() | (frame["Category Type"].str.strip() == "")]
    if frame.empty:
        raise RefreshError(f"Fingertips API CSV for {indicator} has no whole-area rows.")
    ages = frame["Age"].value_counts()
    frame = frame[frame["Age"] == ages.index[0]]  # the indicator's standard age band
    tidy = pd.DataFrame({
        "area_code": frame["Area Code"], "area_name": frame["Area Name"], "sex": frame["Sex"],
        "period": frame["Time period"], "value": frame["Value"],
        "lower_ci": frame.get("Lower CI 95.0 limit"), "upper_ci": frame.get("Upper CI 95.0 limit"),
    })
    return finish_indicator(tidy, indicator, vintage)


def refresh(out_dir: str | Path | None = None, dry_run: bool = False, area_type: int = DEFAULT_AREA_TYPE,
            names: list[str] | None = None, today: dt.date | None = None,
            log: Callable[[str], None] = print) -> pd.DataFrame | None:
    """Download, record and parse; returns the tidy frame (``None`` for a dry run)."""
    names = list(REFRESHABLE) if not names else names
    unknown = [n for n in names if n not in REFRESHABLE]
    if unknown:
        raise DataError(f"Cannot refresh {unknown}: indicators with a Fingertips id are {sorted(REFRESHABLE)}.")
    out = Path(out_dir) if out_dir is not None else Path(config.DOWNLOAD_DIR)
    if out.resolve() == Path(config.EXTRACTS_DIR).resolve():
        raise DataError(f"Refusing to write refreshed data into the committed extracts folder {out}; pick another --out-dir.")
    urls = {n: api_url(REFRESHABLE[n], area_type) for n in names}
    if dry_run:
        for name, url in urls.items():
            log(f"{name}: {url}")
        return None
    today = today or dt.date.today()
    vintage = today.strftime("%Y-%m")
    out.mkdir(parents=True, exist_ok=True)
    frames, records = [], []
    for name, url in urls.items():
        log(f"downloading {name} ...")
        payload = fetch(url)
        raw_path = out / f"fingertips_{REFRESHABLE[name]}_area{area_type}_{today.isoformat()}.csv"
        raw_path.write_bytes(payload)
        frame = parse_api_csv(payload, name, vintage)
        frames.append(frame)
        records.append({"indicator": name, "fingertips_id": REFRESHABLE[name], "url": url, "file": raw_path.name,
                        "sha256": hashlib.sha256(payload).hexdigest(), "size_bytes": len(payload),
                        "downloaded": today.isoformat(), "rows": len(frame), "licence": config.LICENCE})
    tidy = pd.concat(frames, ignore_index=True).sort_values(
        ["indicator", "vintage", "area_code", "sex", "period_start", "period_end"])[INDICATOR_COLUMNS]
    write_csv(tidy.reset_index(drop=True), out / "indicators_refresh.csv")
    with open(out / "refresh_provenance.json", "w", encoding="utf-8") as fh:
        json.dump({"area_type_id": area_type, "vintage": vintage, "downloads": records,
                   "extract": "indicators_refresh.csv",
                   "extract_sha256": hashlib.sha256((out / "indicators_refresh.csv").read_bytes()).hexdigest()},
                  fh, indent=2, sort_keys=True)
        fh.write("\n")
    log(f"wrote {len(tidy)} rows to {out / 'indicators_refresh.csv'}")
    return tidy
