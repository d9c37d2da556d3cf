"""One kernel name everywhere: notebooks declare `python3`, and Jupyter started from the project's environment
(make lab, the report's papermill runs, Binder, an editor pointed at .venv) runs it with that environment's Python."""

import os
import sys
from pathlib import Path

import nbformat

from wigan_deal import config
from wigan_deal.report import runner


def test_notebooks_and_runner_use_the_python3_kernel():
    names = {nbformat.read(p, as_version=4).metadata["kernelspec"]["name"] for p in config.NOTEBOOKS_DIR.glob("*.ipynb")}
    assert names == {"python3"} and runner.KERNEL_NAME == "python3"


def test_python3_kernel_runs_the_interpreter_jupyter_was_started_with(tmp_path, monkeypatch):
    # as `make lab` does: the environment's python is called by path, the environment is NOT activated, another
    # `python` comes first on PATH and no user kernels exist
    from jupyter_client.manager import KernelManager

    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "python").symlink_to("/bin/false")
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}/usr/bin{os.pathsep}/bin")
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    cmd = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert Path(cmd[0]) == Path(sys.executable) and cmd[1:3] == ["-m", "ipykernel_launcher"]
    import wigan_deal  # that interpreter is the one with the package

    assert Path(wigan_deal.__file__).is_relative_to(config.PROJECT_ROOT)


def test_make_lab_uses_the_environment_jupyter_and_installs_no_other_kernel_name():
    makefile = (config.PROJECT_ROOT / "Makefile").read_text()
    assert "$(PY) -m jupyter lab" in makefile
    assert "ipykernel install" not in makefile
    assert "ipykernel install" not in (config.PROJECT_ROOT / "binder" / "postBuild").read_text()
