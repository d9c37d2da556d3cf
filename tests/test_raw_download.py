"""`make raw` against a local HTTP server on 127.0.0.1 (never a live call).

The server serves copies of the files in ../shared/data/raw under the same <repo>/<commit>/<path> layout
as raw.githubusercontent.com, plus a file with the wrong bytes, a 404 and (separately) a refused port.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from raw_parses import raw_parses, shares_parses  # noqa: F401 - raw_parses is the fixture shares_parses uses
from wigan_deal import config
from wigan_deal.data.__main__ import main as data_cli
from wigan_deal.data.build import build
from wigan_deal.data.download import RawDownloadError, download_raw, needed_files, with_mirror
from wigan_deal.data.origins import load_registry
from wigan_deal.data.sources import SOURCES

SHARED = config.SHARED_RAW_DIR
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="serves copies of ../shared/data/raw")
CSV = "school_readiness/dfe_eyfsp_national_numbers_2017-2018_smapey_dashboard.csv"
WORKBOOK = "life_expectancy/leatbirthandatage65byukla201618.xlsx"


class _Server:
    def __init__(self, routes: dict[str, bytes | Path]):
        self.routes, self.hits = routes, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                path = unquote(urlsplit(self.path).path)
                outer.hits.append(path)
                body = outer.routes.get(path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                data = body.read_bytes() if isinstance(body, Path) else body
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _route(record: dict) -> str:
    return f"/{record['repo']}/{record['commit']}/{record['path']}"


@pytest.fixture
def server():
    registry = load_registry()
    routes = {_route(r): SHARED / f for f, r in registry.items() if r.get("url") and (SHARED / f).exists()}
    srv = _Server(routes)
    yield srv, registry
    srv.close()


def _records(srv, registry, files):
    return with_mirror([registry[f] for f in files], srv.base)


def _snapshot(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed on exit: nothing listens there


@needs_shared
def test_downloads_are_verified_then_moved_into_place_and_not_fetched_twice(server, tmp_path):
    srv, registry = server
    dest = tmp_path / "raw"
    status = download_raw(dest, _records(srv, registry, [CSV, WORKBOOK]), retries=0, log=lambda _: None)
    assert status == {CSV: "downloaded", WORKBOOK: "downloaded"}
    for f in (CSV, WORKBOOK):
        assert hashlib.sha256((dest / f).read_bytes()).hexdigest() == registry[f]["sha256"]
    assert len(srv.hits) == 2
    again = download_raw(dest, _records(srv, registry, [CSV, WORKBOOK]), retries=0, log=lambda _: None)
    assert again == {CSV: "present", WORKBOOK: "present"} and len(srv.hits) == 2


@needs_shared
def test_wrong_checksum_is_one_paragraph_and_changes_nothing(server, tmp_path):
    srv, registry = server
    dest = tmp_path / "raw"
    (dest / "keep").mkdir(parents=True)
    (dest / "keep" / "old.csv").write_text("existing\n")
    srv.routes[_route(registry[CSV])] = (SHARED / CSV).read_bytes() + b"tampered\n"
    before = _snapshot(dest)
    with pytest.raises(RawDownloadError) as err:
        download_raw(dest, _records(srv, registry, [WORKBOOK, CSV]), retries=0, log=lambda _: None)
    text = str(err.value)
    assert "\n" not in text and CSV in text and registry[CSV]["sha256"] in text and "Nothing was changed" in text
    assert _snapshot(dest) == before  # the workbook, though verified, was not moved in either


@needs_shared
def test_missing_file_404_names_the_origin_and_changes_nothing(server, tmp_path):
    srv, registry = server
    del srv.routes[_route(registry[CSV])]
    with pytest.raises(RawDownloadError, match=r"answered HTTP 404.*dfe-analytical-services/smapey-dashboard"):
        download_raw(tmp_path / "raw", _records(srv, registry, [WORKBOOK, CSV]), retries=0, log=lambda _: None)
    assert not (tmp_path / "raw").exists()


def test_offline_cli_prints_one_paragraph_exits_1_and_creates_nothing(tmp_path, capsys):
    dest = tmp_path / "raw"
    code = data_cli(["raw", "--dest", str(dest), "--retries", "0", "--mirror", f"http://127.0.0.1:{_refused_port()}"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    paragraph = err.strip()
    assert paragraph.startswith("error: Cannot download raw file ") and "\n" not in paragraph, err
    assert "you appear to be offline" in paragraph and "Nothing was changed" in paragraph
    assert not dest.exists() and not list(tmp_path.iterdir())


def test_the_build_needs_only_files_with_a_public_origin():
    wanted = {r["file"] for r in needed_files()}
    for source in SOURCES:
        assert (source.path in wanted) == (source.role != "check"), source.path
    assert config.HEXMAP_FILE in wanted  # the atlas's hex map is fetched too, though the build never reads it


@pytest.mark.integration
@needs_shared
@shares_parses
def test_raw_downloaded_from_origins_rebuilds_the_committed_extracts_byte_for_byte(server, tmp_path):
    srv, _ = server
    raw = tmp_path / "raw"
    records = with_mirror(needed_files(), srv.base)
    status = download_raw(raw, records, retries=0, log=lambda _: None)
    assert set(status.values()) == {"downloaded"} and len(status) == len(records)
    # no derived copy was fetched: they have no public origin
    assert not any((raw / s.path).exists() for s in SOURCES if s.role == "check")
    out = tmp_path / "data" / "extracts"
    prov = build(raw_dir=raw, out_dir=out, log=lambda _: None)
    committed = sorted(p.name for p in config.EXTRACTS_DIR.glob("*.csv"))
    assert sorted(p.name for p in out.glob("*.csv")) == committed
    for name in committed:
        assert (out / name).read_bytes() == (config.EXTRACTS_DIR / name).read_bytes(), name
    committed_prov = json.loads(config.PROVENANCE_FILE.read_text())
    assert prov["extracts"] == committed_prov["extracts"]
    assert prov["raw_derived_not_available"] == sorted(s.path for s in SOURCES if s.role == "check")
    assert all(v.startswith("skipped") for k, v in prov["checks"].items() if "derived" in k)
    origins = {d["dataset"]: d["origin"] for d in prov["datasets"]}
    assert origins[WORKBOOK]["repo"] == "DataS-DH/R-coding-club"


@needs_shared
def test_the_publishers_file_is_tried_first_and_a_revised_one_falls_back_to_the_mirror(server, tmp_path):
    srv, registry = server
    # the publisher serves the catalogued workbook itself, and a revised release of the CSV
    srv.routes["/publisher/workbook.xlsx"] = SHARED / WORKBOOK
    srv.routes["/publisher/current.csv"] = (SHARED / CSV).read_bytes() + b"revised,row\n"
    records = _records(srv, registry, [WORKBOOK, CSV])
    records[0]["publisher_url"] = f"{srv.base}/publisher/workbook.xlsx"
    records[1]["publisher_url"] = f"{srv.base}/publisher/current.csv"
    lines: list[str] = []
    status = download_raw(tmp_path / "raw", records, retries=0, log=lines.append)
    assert status == {WORKBOOK: "downloaded", CSV: "downloaded"}
    assert srv.hits == ["/publisher/workbook.xlsx", "/publisher/current.csv", _route(registry[CSV])]
    assert "from the publisher" in lines[0] and "not the catalogued file" in lines[1] and "mirror" in lines[2]
    assert hashlib.sha256((tmp_path / "raw" / CSV).read_bytes()).hexdigest() == registry[CSV]["sha256"]


def test_an_explicit_mirror_is_the_only_origin():
    record = {"file": "a.csv", "url": "https://raw.githubusercontent.com/o/r/c/a.csv", "sha256": "0" * 64,
              "publisher_url": "https://publisher.example/a.csv"}
    (out,) = with_mirror([record], "http://127.0.0.1:1")
    assert out["url"] == "http://127.0.0.1:1/o/r/c/a.csv" and "publisher_url" not in out
