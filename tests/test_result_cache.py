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


def _module_name(path: Path) -> str:
    parts = path.relative_to(result_cache.PACKAGE).with_suffix("").parts
    return ".".join([result_cache.PACKAGE.name, *(p for p in parts if p != "__init__")])


@pytest.mark.parametrize("path", sorted(result_cache.PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_the_key_s_import_scan_finds_every_package_import_python_s_parser_finds(path):
    """The scan is a regular expression (a parse of every file would cost each kernel ~0.15 CPU-s); here Python's
    own parser says which package modules each file imports, and none may be missing from the scan."""
    import ast

    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    parsed = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            parsed.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                head = package.split(".")[: package.count(".") + 2 - node.level]
                base = ".".join([*head, base] if base else head)
            parsed.update([base, *(f"{base}.{alias.name}" for alias in node.names)])
    ours = {m for m in parsed if m.split(".")[0] == "wigan_deal" and result_cache._module_file(m)}
    assert ours <= result_cache._imported(path, name)


def test_shares_are_keyed_by_the_code_they_run_not_the_pages():
    files = {str(p.relative_to(result_cache.PACKAGE)) for p in result_cache.source_files(["wigan_deal.claims.shares"])}
    assert {"claims/shares.py", "claims/evaluators.py", "claims/rules.py", "finance.py", "data/loaders.py",
            "its/segmented.py", "config.py", "__init__.py"} <= files
    assert not files & {"report/html.py", "report/runner.py", "studies/hle.py", "speccurve.py", "notebook.py"}


def test_an_edit_outside_the_modules_imports_keeps_the_key_and_one_inside_changes_it(tmp_path, monkeypatch):
    package = tmp_path / "wigan_deal"
    (package / "sub").mkdir(parents=True)
    files = {"__init__.py": "", "sub/__init__.py": "", "a.py": "from .sub import b\n\ndef f():\n    import wigan_deal.c\n",
             "sub/b.py": "from .. import d  # a relative import from the package above\n", "c.py": "", "d.py": "",
             "page.py": "import wigan_deal.a\n"}
    for name, text in files.items():
        (package / name).write_text(text)
    monkeypatch.setattr(result_cache, "PACKAGE", package)
    assert [str(p.relative_to(package)) for p in result_cache.source_files(["wigan_deal.a"])] == [
        "__init__.py", "a.py", "c.py", "d.py", "sub/__init__.py", "sub/b.py"]
    key = result_cache.fingerprint(["wigan_deal.a"])
    (package / "page.py").write_text("import wigan_deal.a  # edited\n")
    assert result_cache.fingerprint(["wigan_deal.a"]) == key
    assert result_cache.fingerprint() != result_cache.fingerprint(["wigan_deal.a"])  # no module: every file
    (package / "d.py").write_text("x = 1\n")
    assert result_cache.fingerprint(["wigan_deal.a"]) != key
    with pytest.raises(ValueError, match="wigan_deal.typo is not a module of wigan_deal"):
        result_cache.fingerprint(["wigan_deal.typo"])  # a key over no source at all would never go stale
