"""Every notebook has an up-to-date jupytext py:percent pair in notebooks/py/ (reviewable diffs)."""

import shutil
import tomllib

import jupytext
import nbformat

from wigan_deal import config
from wigan_deal.report.pairs import JUPYTEXT_FILTERS, main, pair_path, stale_pairs, sync

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))


def test_every_notebook_pair_is_in_sync():
    assert NOTEBOOKS
    assert stale_pairs() == [], "run `make sync-notebooks`"


def test_pairs_hold_every_cell_source_and_tag_and_no_outputs():
    for nb_path in NOTEBOOKS:
        nb = nbformat.read(nb_path, as_version=4)
        text = pair_path(nb_path).read_text()
        back = jupytext.reads(text, fmt="py:percent")
        assert [(c.cell_type, c.source) for c in back.cells] == [(c.cell_type, c.source) for c in nb.cells]
        assert [c.metadata.get("tags", []) for c in back.cells] == [c.metadata.get("tags", []) for c in nb.cells]
        assert '# %% tags=["parameters"]' in text and "kernelspec" not in text


def test_sync_writes_detects_and_removes(tmp_path):
    shutil.copy(NOTEBOOKS[0], tmp_path / NOTEBOOKS[0].name)
    assert stale_pairs(tmp_path) == [f"py/{NOTEBOOKS[0].stem}.py: missing"]
    assert main(["--notebook-dir", str(tmp_path)]) == 0 and stale_pairs(tmp_path) == []
    nb = nbformat.read(tmp_path / NOTEBOOKS[0].name, as_version=4)
    nb.cells[-1].source += "\nprint('changed')"
    nbformat.write(nb, tmp_path / NOTEBOOKS[0].name)
    (tmp_path / "py" / "99_gone.py").write_text("# %%\n")
    assert stale_pairs(tmp_path) == [f"py/{NOTEBOOKS[0].stem}.py: differs from {NOTEBOOKS[0].name}",
                                     "py/99_gone.py: no notebook 99_gone.ipynb"]
    assert main(["--check", "--notebook-dir", str(tmp_path)]) == 1
    assert len(sync(tmp_path)) == 2 and stale_pairs(tmp_path) == []
    assert "print('changed')" in pair_path(tmp_path / NOTEBOOKS[0].name).read_text()


def test_editor_pairing_config_matches_the_sync_command():
    conf = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["jupytext"]
    assert conf["formats"] == "ipynb,py//py:percent"
    assert {k: conf[k] for k in JUPYTEXT_FILTERS} == JUPYTEXT_FILTERS
