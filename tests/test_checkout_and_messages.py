"""Any checkout, clear messages (issue 11, item 6 and "Messages").

Real subprocesses and real copies of the repository: a CRLF-converting clone keeps the extracts'
checksums, a path with a space and an AREA with spaces go through make intact, only the listed
notebooks run, and bad areas / output folders / a corrupt provenance.json each give one paragraph.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from wigan_deal import config
from wigan_deal.report.__main__ import main
from wigan_deal.report.runner import discover_notebooks

ROOT = config.PROJECT_ROOT
VENV_BIN = Path(sys.executable).parent


def _git(*args, cwd=ROOT, **kw):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120, **kw)


needs_git = pytest.mark.skipif(
    shutil.which("git") is None or _git("rev-parse", "--git-dir").returncode != 0, reason="not a git checkout"
)


@pytest.mark.integration
@needs_git
def test_crlf_checkout_keeps_extracts_byte_exact(tmp_path):
    """core.autocrlf=true (a Windows default) must not touch the extracts or provenance.json."""
    clone = tmp_path / "clone"
    proc = _git("clone", "--quiet", "--no-hardlinks", "-c", "core.autocrlf=true", str(ROOT), str(clone))
    assert proc.returncode == 0, proc.stderr
    provenance = json.loads((clone / "data" / "provenance.json").read_bytes())
    assert provenance["extracts"]
    for name, entry in provenance["extracts"].items():
        digest = hashlib.sha256((clone / "data" / "extracts" / name).read_bytes()).hexdigest()
        assert digest == entry["sha256"], f"{name} changed by the CRLF checkout"
    assert b"\r\n" not in (clone / "data" / "provenance.json").read_bytes()


def _copy_repo(dest: Path) -> Path:
    files = _git("ls-files", "-z").stdout.split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


@pytest.mark.integration
@needs_git
@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_works_in_a_path_with_a_space_and_with_an_area_with_spaces(tmp_path):
    repo = _copy_repo(tmp_path / "my projects" / "wigan deal")
    # make lab's notebook folder must stay ONE argument
    dry = subprocess.run(["make", "-n", "lab"], cwd=repo, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "CONDA_DEFAULT_ENV": "wigan-deal"})
    assert dry.returncode == 0, dry.stderr
    line = next(ln for ln in dry.stdout.splitlines() if "jupyter lab" in ln)
    assert f"--notebook-dir={repo}/notebooks" in shlex.split(line)
    # make report with an area name containing spaces, run for real (the notebook selection is bad on
    # purpose, so the run stops right after the area was validated: cheap, and nothing is written)
    out = tmp_path / "out dir"
    env = {**os.environ, "CONDA_DEFAULT_ENV": "wigan-deal", "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        ["make", "report", "AREA=Bath and North East Somerset", f"REPORT_ARGS=--notebooks 99 --out '{out}'"],
        cwd=repo, capture_output=True, text=True, timeout=120, env=env,
    )
    assert proc.returncode != 0
    assert "Unknown notebook selection '99'" in proc.stderr, proc.stderr
    assert "unrecognized arguments" not in proc.stderr
    assert not out.exists()


def test_only_the_listed_notebooks_run_and_a_stray_nbconvert_copy_is_ignored(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for stem in config.NOTEBOOKS:
        (folder / f"{stem}.ipynb").write_text("{}")
    (folder / f"{config.NOTEBOOKS[1]}.nbconvert.ipynb").write_text("{}")  # left by a manual nbconvert run
    (folder / "99_scratch.ipynb").write_text("{}")  # not in the list
    monkeypatch.setattr(config, "NOTEBOOKS_DIR", folder)
    assert [p.stem for p in discover_notebooks(folder)] == list(config.NOTEBOOKS)
    assert [p.stem for p in discover_notebooks(folder, ["02"])] == [config.NOTEBOOKS[1]]
    # another folder (e.g. --notebook-dir): numbered notebooks, but never a dotted copy
    other = tmp_path / "other"
    other.mkdir()
    for name in ("01_a.ipynb", "01_a.nbconvert.ipynb", "02_b.ipynb"):
        (other / name).write_text("{}")
    assert [p.name for p in discover_notebooks(other)] == ["01_a.ipynb", "02_b.ipynb"]


# --- messages --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "what"),
    [("W06000015", "Welsh"), ("S12000033", "Scottish"), ("N09000003", "Northern Irish"),
     ("E12000002", "English region"), ("E47000001", "combined authority")],
)
def test_codes_outside_english_upper_tier_say_what_is_covered(tmp_path, capsys, code, what):
    assert main(["--area", code, "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert what in err and "only English upper-tier councils are covered" in err
    assert "Did you mean" not in err and "Traceback" not in err
    assert err.count("\n") == 1  # one paragraph
    assert not (tmp_path / "r").exists()


def test_out_pointing_at_a_file_is_one_clear_paragraph(tmp_path, capsys):
    target = tmp_path / "reports.html"
    target.write_text("keep me")
    assert main(["--out", str(target), "--notebooks", "02"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "is a file, not a folder" in err and str(target) in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert target.read_text() == "keep me"
    assert main(["--out", str(target / "sub"), "--notebooks", "02"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def _as_unprivileged(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be simulated")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]


@pytest.mark.integration
def test_read_only_reports_folder_is_one_clear_paragraph():
    base = Path(tempfile.mkdtemp(prefix="wigan-ro-"))
    try:
        base.chmod(0o755)
        reports = base / "reports"
        reports.mkdir()
        (reports / config.WIGAN).mkdir()
        (reports / config.WIGAN / "index.html").write_text("previous report")
        reports.chmod(0o555)
        env = {**os.environ, "MPLCONFIGDIR": str(base / "mpl"), "HOME": str(base)}
        (base / "mpl").mkdir()
        (base / "mpl").chmod(0o777)
        proc = subprocess.run(
            _as_unprivileged([sys.executable, "-m", "wigan_deal.report", "--out", str(reports)]),
            capture_output=True, text=True, timeout=120, env=env, cwd=base,
        )
        assert proc.returncode == 2, proc.stderr
        assert "is not writable" in proc.stderr and str(reports) in proc.stderr
        assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
        assert (reports / config.WIGAN / "index.html").read_text() == "previous report"
        assert sorted(p.name for p in reports.iterdir()) == [config.WIGAN]
    finally:
        (base / "reports").chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.integration
def test_corrupt_provenance_is_named_in_one_paragraph(tmp_path):
    root = tmp_path / "root"
    shutil.copytree(ROOT / "data", root / "data")
    (root / "data" / "provenance.json").write_text('{"extracts": {"areas.csv": ')  # truncated
    env = {**os.environ, "WIGAN_DEAL_ROOT": str(root)}
    proc = subprocess.run([sys.executable, "-m", "wigan_deal.report", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2, proc.stderr
    assert "provenance.json is corrupt" in proc.stderr and "git checkout -- data/provenance.json" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()
