"""``make raw``: download the raw files from their public origins, verify, then move into place.

Each file the build reads that has a public origin in ``data/raw_sources.yml`` is fetched with pooch
(retries, sha256 verification) into a temporary folder OUTSIDE the repository: from the publisher's own
address first (``publisher_url``, where one is recorded), and from the mirror (``url``) when the publisher's
file is unreachable or is not the catalogued file (a revised release has another sha256). Only when every file
has arrived and matched its sha256 are the files moved into the raw folder
(``config.RAW_DOWNLOAD_DIR``, git-ignored). Any failure - offline, an HTTP error, a wrong checksum -
stops with one paragraph naming the file, its URL and what to do, and leaves the raw folder exactly as
it was. Files already present with the right sha256 are not downloaded again.

Files derived here (``derived_from`` in the registry) have no public origin and are never downloaded:
the build treats them as optional cross-checks.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import config
from .errors import DataError
from .origins import load_registry
from .sources import SOURCES


class RawDownloadError(DataError):
    """A raw file could not be downloaded or failed its checksum; nothing was changed."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def needed_files(registry: Mapping[str, Mapping[str, Any]] | None = None, everything: bool = False) -> list[dict]:
    """Registry records to download: every file the build registry lists (or the whole catalogue) that
    has a public origin. Raises if a file the build reads has no record."""
    registry = load_registry() if registry is None else registry
    if everything:
        return [dict(r) for f, r in sorted(registry.items()) if r.get("url")]
    missing = [s.path for s in SOURCES if s.path not in registry]
    if missing:
        raise RawDownloadError(f"No origin recorded in data/raw_sources.yml for {missing}; regenerate it with "
                               "`python -m wigan_deal.data origins --write` (needs ../shared/data/raw/SOURCES.md).")
    pages = [dict(registry[f]) for f in config.PAGE_RAW_FILES if registry.get(f, {}).get("url")]
    return [dict(registry[s.path]) for s in SOURCES if registry[s.path].get("url")] + pages


GITHUB_RAW = "https://raw.githubusercontent.com"


def with_mirror(records: Iterable[Mapping[str, Any]], mirror: str | None) -> list[dict]:
    """Records with ``https://raw.githubusercontent.com`` replaced by ``mirror`` (same paths below it).

    A mirror given explicitly is the only origin: the publisher's address is then not tried."""
    if not mirror:
        return [dict(r) for r in records]
    return [{**{k: v for k, v in r.items() if k != "publisher_url"},
             "url": r["url"].replace(GITHUB_RAW, mirror.rstrip("/"), 1)} for r in records]


def _failure(record: Mapping[str, Any], exc: BaseException, dest: Path) -> RawDownloadError:
    import requests

    name, url = record["file"], record["url"]
    tail = (f"Nothing was changed in {dest}. The committed extracts in data/extracts still work without the "
            "raw files; run `make raw` again when the origin is reachable, or point WIGAN_DEAL_RAW_DIR at a "
            "folder that already holds the raw files.")
    if isinstance(exc, requests.exceptions.HTTPError):
        status = getattr(exc.response, "status_code", "an error")
        return RawDownloadError(f"Downloading raw file {name} failed: {url} answered HTTP {status}, so the file is "
                                f"no longer at its recorded origin ({record['repo']} at commit {record['commit']}, "
                                f"path {record['path']}). {tail}")
    if isinstance(exc, ValueError) and "hash" in str(exc).lower():
        return RawDownloadError(f"Downloaded raw file {name} from {url} but its sha256 does not match the "
                                f"catalogued {record['sha256']}, so it is not the file the extracts were built "
                                f"from and was discarded. {tail}")
    if isinstance(exc, requests.exceptions.RequestException | OSError):
        return RawDownloadError(f"Cannot download raw file {name} from {url} ({type(exc).__name__}): you appear "
                                f"to be offline or the origin is unreachable. {tail}")
    return RawDownloadError(f"Downloading raw file {name} from {url} failed: {exc}. {tail}")


def download_raw(dest: str | Path | None = None, records: Iterable[Mapping[str, Any]] | None = None,
                 retries: int = 2, timeout: float = 60.0, log: Callable[[str], None] = print) -> dict[str, str]:
    """Download ``records`` (default :func:`needed_files`) into ``dest``; return ``{file: status}``.

    Status is ``"present"`` (already there, checksum verified) or ``"downloaded"``. All-or-nothing.
    """
    import pooch

    dest = Path(dest or config.RAW_DOWNLOAD_DIR)
    records = list(needed_files() if records is None else records)
    status: dict[str, str] = {}
    todo = []
    for rec in records:
        target = dest / rec["file"]
        if target.is_file() and _sha256(target) == rec["sha256"]:
            status[rec["file"]] = "present"
        else:
            todo.append(rec)
    if not todo:
        log(f"all {len(records)} raw files already present and verified in {dest}")
        return status
    pooch.get_logger().setLevel(logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="wigan_deal_raw_"))
    try:
        registry = {r["file"]: f"sha256:{r['sha256']}" for r in todo}
        mirror = pooch.create(path=tmp / "mirror", base_url="", registry=registry,
                              urls={r["file"]: r["url"] for r in todo}, retry_if_failed=retries)
        publisher = pooch.create(path=tmp / "publisher", base_url="", registry=registry, retry_if_failed=0,
                                 urls={r["file"]: r["publisher_url"] for r in todo if r.get("publisher_url")})
        downloader = pooch.HTTPDownloader(progressbar=False, timeout=timeout)
        fetched: dict[str, Path] = {}
        for i, rec in enumerate(todo, 1):
            if rec.get("publisher_url"):
                try:
                    fetched[rec["file"]] = Path(publisher.fetch(rec["file"], downloader=downloader))
                    log(f"[{i}/{len(todo)}] {rec['file']}: downloaded from the publisher, sha256 verified")
                    continue
                except Exception as exc:  # noqa: BLE001 - the mirror is the fallback
                    why = "not the catalogued file" if "hash" in str(exc).lower() else type(exc).__name__
                    log(f"[{i}/{len(todo)}] {rec['file']}: the publisher's file ({why}) was not used; "
                        "trying the mirror")
            try:
                fetched[rec["file"]] = Path(mirror.fetch(rec["file"], downloader=downloader))
            except Exception as exc:  # noqa: BLE001 - every failure becomes one clear paragraph
                raise _failure(rec, exc, dest) from exc
            log(f"[{i}/{len(todo)}] {rec['file']}: downloaded from the mirror, sha256 verified")
        for rec in todo:  # every file verified: only now touch the raw folder
            target = dest / rec["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(fetched[rec["file"]]), target)
            status[rec["file"]] = "downloaded"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"{sum(v == 'downloaded' for v in status.values())} raw file(s) downloaded and verified into {dest}; "
        "now run `make data`")
    return status
