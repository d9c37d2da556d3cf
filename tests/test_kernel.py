"""One kernel name everywhere: notebooks declare `python3`, and Jupyter started from the project's environment
(make lab, the report's papermill runs, Binder, an editor pointed at .venv) runs it with that environment's Python."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

from wigan_deal import config
from wigan_deal.report import runner

PROBE = """
import json, sys
from jupyter_client.manager import KernelManager
cmd = KernelManager(kernel_name="python3").format_kernel_cmd()
print(json.dumps({"argv0": cmd[0], "executable": sys.executable}))
"""


def test_notebooks_and_runner_use_the_python3_kernel():
    names = {nbformat.read(p, as_version=4).metadata["kernelspec"]["name"] for p in config.NOTEBOOKS_DIR.glob("*.ipynb")}
    assert names == {"python3"} and runner.KERNEL_NAME == "python3"


def test_python3_kernel_runs_the_interpreter_jupyter_was_started_with(tmp_path):
    # as `make lab` does: the environment's python is called by path, the environment is NOT activated and
    # another `python` comes first on PATH
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "python").symlink_to("/bin/false")
    env = {"PATH": f"{fake_bin}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True,
                         timeout=60).stdout
    probe = json.loads(out)
    assert Path(probe["argv0"]) == Path(probe["executable"]) == Path(sys.executable)


def test_make_lab_uses_the_environment_jupyter_and_installs_no_other_kernel_name():
    makefile = (config.PROJECT_ROOT / "Makefile").read_text()
    assert "$(PY) -m jupyter lab" in makefile
    assert "ipykernel install" not in makefile
    assert "ipykernel install" not in (config.PROJECT_ROOT / "binder" / "postBuild").read_text()
