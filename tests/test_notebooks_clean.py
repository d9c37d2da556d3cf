"""Committed notebooks are clean: no outputs, one `parameters` cell with the contract names, python3 kernel.

Checks the real notebooks in notebooks/ and the runner's fixture notebooks.
"""

import ast
from pathlib import Path

import nbformat
import pytest

from wigan_deal import config
from wigan_deal.parameters import PARAMETER_NAMES

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
DEFAULTS = config.DEFAULT_PARAMETERS  # the one source of defaults
EVERY = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
#: notebooks of an area's report (the area parameter contract); standalone ones have their own parameters
REAL = [p for p in EVERY if p.stem not in config.STANDALONE_NOTEBOOKS]
ALL = REAL + sorted(FIXTURES.glob("*.ipynb"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_real_notebooks_exist():
    if not REAL:
        pytest.skip(f"no notebooks committed in {config.NOTEBOOKS_DIR} yet; only fixtures were checked")
    assert all(p.name[:2].isdigit() and p.name[2] == "_" for p in EVERY), [p.name for p in EVERY]


@pytest.mark.parametrize("path", EVERY + sorted(FIXTURES.glob("*.ipynb")), ids=_id)
def test_notebook_has_no_outputs_or_execution_counts(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
    ]
    assert dirty == [], f"{path.name}: cells {dirty} have outputs or execution counts; clear them before committing"


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_notebook_has_one_parameters_cell_with_the_contract_names(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged 'parameters', expected exactly 1"
    assert tagged[0].cell_type == "code"
    assigned = {
        target.id: node.value
        for node in ast.parse(tagged[0].source).body if isinstance(node, ast.Assign)
        for target in node.targets if isinstance(target, ast.Name)
    }
    missing = set(PARAMETER_NAMES) - set(assigned)
    assert not missing, f"{path.name}: parameters cell does not assign {sorted(missing)}"
    values = {name: ast.literal_eval(assigned[name]) for name in PARAMETER_NAMES}
    assert values == DEFAULTS, f"{path.name}: parameter defaults differ from the contract"


@pytest.mark.parametrize("path", REAL, ids=_id)
def test_first_code_cell_after_parameters_validates_them(path):
    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    following = next(c for c in nb.cells[index + 1:] if c.cell_type == "code")
    assert f'setup(globals(), "{path.stem}")' in following.source, (
        f"{path.name}: the first code cell after the parameters cell must validate them with "
        f'wigan_deal.notebook.setup(globals(), "{path.stem}")'
    )


@pytest.mark.parametrize("path", EVERY + sorted(FIXTURES.glob("*.ipynb")), ids=_id)
def test_notebook_kernelspec_is_python3(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("stem", config.STANDALONE_NOTEBOOKS)
def test_standalone_notebooks_have_one_parameters_cell(stem):
    nb = nbformat.read(config.NOTEBOOKS_DIR / f"{stem}.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"


#: issue 18: a notebook is narrative plus calls to the studies (code lines: non-blank, non-comment lines of code
#: cells, the parameters cell excluded), and every section (code between two markdown headings) is short
MAX_CODE_LINES, MAX_SECTION_LINES = 80, 10


def section_code_lines(path: Path) -> dict[str, int]:
    """Code lines per section (a section starts at a markdown cell opening with a heading; the first holds the
    preamble)."""
    counts, section = {}, "preamble"
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("#"):
            section = cell.source.lstrip().splitlines()[0]
        elif cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
            lines = [x for x in cell.source.splitlines() if x.strip() and not x.strip().startswith("#")]
            counts[section] = counts.get(section, 0) + len(lines)
    return counts


@pytest.mark.parametrize("path", REAL, ids=_id)
def test_notebooks_are_thin(path):
    counts = section_code_lines(path)
    assert sum(counts.values()) <= MAX_CODE_LINES, f"{path.name}: {sum(counts.values())} code lines; move logic to a study"
    fat = {s: n for s, n in counts.items() if n > MAX_SECTION_LINES}
    assert not fat, f"{path.name}: sections over {MAX_SECTION_LINES} code lines: {fat}"


def test_code_line_count_skips_blanks_comments_and_parameters(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1\n\n# a comment", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("a = 1\n   # indented comment\n\nb = 2"),
        nbformat.v4.new_markdown_cell("## Section\n\ntext"), nbformat.v4.new_code_cell("c = 3")])
    nbformat.write(nb, tmp_path / "n.ipynb")
    assert section_code_lines(tmp_path / "n.ipynb") == {"preamble": 2, "## Section": 1}
