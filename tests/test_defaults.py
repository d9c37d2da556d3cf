"""One source of defaults (issue 11, item 8): config.DEFAULT_PARAMETERS.

Every notebook's ``parameters`` cell, parameter validation, the report CLI, report_config.yml and the
Makefile must agree with it; every notebook's preamble is the one call to wigan_deal.notebook.setup.
"""

from __future__ import annotations

import inspect
import re

import nbformat
import pytest
import yaml

from wigan_deal import config, parameters
from wigan_deal.report.__main__ import BUILTIN_DEFAULTS, build_parser, merged_settings

NOTEBOOKS = [config.NOTEBOOKS_DIR / f"{stem}.ipynb" for stem in config.NOTEBOOKS]


def _cells(path):
    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    return nb.cells[index], nb.cells[index + 1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_parameters_cell_holds_the_config_defaults(path):
    cell, _ = _cells(path)
    namespace: dict = {}
    exec(cell.source, {}, namespace)
    assert namespace == config.DEFAULT_PARAMETERS
    assert tuple(namespace) == parameters.PARAMETER_NAMES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_preamble_is_one_setup_call(path):
    _, cell = _cells(path)
    lines = cell.source.splitlines()
    assert "from wigan_deal.notebook import setup" in lines
    assert lines[-1] == f'params, rec, AREA, NAME = setup(globals(), "{path.stem}")' or (
        f'params, rec, AREA, NAME = setup(globals(), "{path.stem}")' in lines)
    assert len(lines[: lines.index(f'params, rec, AREA, NAME = setup(globals(), "{path.stem}")')]) <= 10
    assert "parameters.validate(" not in cell.source and "pd.set_option" not in cell.source


def test_every_listed_notebook_exists_and_none_is_unlisted():
    on_disk = {p.stem for p in config.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb") if "." not in p.stem}
    assert set(config.NOTEBOOKS) | set(config.STANDALONE_NOTEBOOKS) == on_disk
    assert not set(config.NOTEBOOKS) & set(config.STANDALONE_NOTEBOOKS)


def test_validation_and_cli_defaults_come_from_config():
    signature = inspect.signature(parameters.validate)
    for name, param in signature.parameters.items():
        expected = config.DEFAULT_PARAMETERS[name]
        value = list(param.default) if isinstance(param.default, tuple) else param.default
        assert value == expected, name
    assert BUILTIN_DEFAULTS == {
        "area": config.DEFAULT_AREA, "comparators": list(config.DEFAULT_COMPARATORS),
        "break_year": config.DEFAULT_BREAK_YEAR, "vintage": config.DEFAULT_VINTAGE, "sex": config.DEFAULT_SEX,
        "post_rule": config.DEFAULT_POST_RULE, "jobs": config.DEFAULT_JOBS, "notebooks": "all",
    }
    settings = merged_settings(build_parser().parse_args([]))
    assert settings["area"] == config.DEFAULT_AREA and settings["break_year"] == config.DEFAULT_BREAK_YEAR
    assert settings["jobs"] == config.DEFAULT_JOBS and settings["notebooks"] is None


def test_report_config_file_overrides_nothing_by_default_and_its_keys_are_valid():
    text = config.REPORT_CONFIG_FILE.read_text()
    assert yaml.safe_load(text) is None  # every setting is commented out: config.py is the source
    commented = yaml.safe_load("\n".join(ln[2:] for ln in text.splitlines() if re.match(r"# [a-z_]+: ", ln)))
    from wigan_deal.report.__main__ import CONFIG_KEYS

    assert set(commented) == set(CONFIG_KEYS)


def test_makefile_passes_area_only_when_given():
    makefile = (config.PROJECT_ROOT / "Makefile").read_text()
    assert re.search(r"^AREA\s*\?=\s*$", makefile, flags=re.M)
    # passed as data, only when the user gave it (tests/test_safe_runs.py runs make with hostile values)
    assert "$(PY) $(RUN) wigan_deal.report AREA=--area" in makefile and '"$(AREA)"' not in makefile
    assert "$(filter command environment override,$(origin $(v)))" in makefile
    assert config.DEFAULT_AREA not in re.sub(r"^\s*@echo.*$", "", makefile, flags=re.M)
