"""Data flows one way (docs/architecture.md): a module may import only the layers below it."""

import ast
import functools
from pathlib import Path

import pytest

from wigan_deal import config

PACKAGE = config.PROJECT_ROOT / "src" / "wigan_deal"

#: module (top-level name inside wigan_deal) -> wigan_deal modules it may import
ALLOWED: dict[str, set[str]] = {
    "config": set(),
    "periods": set(),
    "fmt": set(),  # reader-facing number/p-value/table formats (pandas only)
    "data": {"config", "periods", "data", "fmt"},
    "its": {"config", "periods", "its", "fmt"},
    "synth": {"config", "periods", "fmt"},
    "results": {"config"},
    "result_cache": {"config"},  # area-independent results kept on disk, keyed by a code+data fingerprint
    "parameters": {"config", "periods", "data", "its"},
    "finance": {"config", "periods", "data", "fmt"},
    "claims": {"config", "periods", "data", "its", "finance", "claims", "hle_ci", "fmt", "result_cache",
               "plots"},  # a claim's panel: its title fitted to the panel, whole-year ticks
    "figure_modes": set(),  # which figures a page draws: set in a report's kernel without the plotting stack
    "plots": {"config", "periods", "data", "fmt", "figure_modes"},
    "inference": {"config", "periods", "data", "its", "fmt", "plots"},  # coverage study at the real designs
    "hle_ci": {"config", "periods", "data", "fmt"},  # one change-with-CI function; per-council HLE half-widths
    "panel_coverage": {"config", "periods", "data", "its", "inference", "fmt"},  # comparative primary: real-panel study
    "hle_noise": {"config", "periods", "data", "its", "inference", "panel_coverage", "hle_ci", "fmt"},  # HLE noise, RTM, MDE
    "synth_whole": {"config", "periods", "data", "synth", "fmt"},  # every donor pool, LOO, conformal
    "speccurve": {"config", "periods", "data", "its", "synth", "inference", "synth_whole", "panel_coverage",
                  "fmt"},  # every specification
    # council studies (one module per notebook question; their result objects record and display themselves)
    "studies": {"config", "periods", "data", "its", "hle_ci", "fmt", "plots", "lasting", "hle_noise", "finance", "claims",
                "inference", "outcomes", "panel_coverage", "speccurve", "synth", "synth_whole", "studies"},
    "outcomes": {"config", "periods", "data", "fmt", "plots"},  # notebook 07: social care pathway measures vs peers
    "lasting": {"config", "periods", "data", "hle_ci", "fmt"},  # "did it last" end points; GM devolution windows
    "notebook": {"config", "periods", "data", "its", "parameters", "results"},  # the notebooks' one-call preamble
    "report": {"config", "periods", "data", "its", "parameters", "results", "report", "fmt", "finance",
               "claims", "hle_noise", "panel_coverage", "speccurve", "lasting", "citation", "inference", "hle_ci",
               "result_cache"},
    # answers chart (finance); the verdicts' vintage (index); the full-panel RTM fit (atlas); README blocks (readme);
    # the atlas page's all-council distributions kept once per code and data version (result_cache)
    "readme": {"report"},  # `python -m wigan_deal.readme`: the entry point of report.readme
    "citation": {"config"},
    "make_args": set(),  # Makefile variables -> a module's arguments, as data (stdlib only)
    # your own series: the primary comparative method on a user's panel (notebook 08, `wigan-deal its`)
    "user_series": {"config", "data", "its", "plots", "fmt", "panel_coverage"},
    # the `wigan-deal` command: hands its arguments to the entry points below it
    "cli": {"config", "report", "data"},
}


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    package_parts = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against this module's package
                base = list(package_parts[: len(package_parts) - node.level + 1])
                module = ".".join(base + ([node.module] if node.module else []))
                names = [module] if node.module else [f"{module}.{a.name}" for a in node.names]
            else:
                module = node.module or ""
                names = [module] + ([f"{module}.{a.name}" for a in node.names] if module == "wigan_deal" else [])
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "wigan_deal" and len(parts) > 1:
                found.add(parts[1])
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_lower_layers(path):
    layer = _layer(path)
    assert layer in ALLOWED, f"{layer} is not in the architecture table; add it on purpose"
    bad = _imported_layers(path) - ALLOWED[layer] - {layer}
    assert not bad, f"{path.relative_to(PACKAGE)} ({layer}) imports higher layer(s) {sorted(bad)}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1]) if parts[-1] == "__init__" else ".".join(parts)


def _module_imports(path: Path, known: set[str]) -> set[str]:
    """Full names of the package's modules that ``path`` imports, anywhere in the file (function-local too)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names = [module, *(f"{module}.{a.name}" for a in node.names)]
        else:
            continue
        found |= {n for n in names if n in known and n != name}
    return found


@functools.cache
def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports; an import of a package's ``__init__`` from inside that
    package (e.g. ``from .. import config`` resolves to ``wigan_deal.config``, not ``wigan_deal``) is left out."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(paths)
    return {m: {n for n in _module_imports(p, known) if not (paths[n].name == "__init__.py" and m.startswith(n + "."))}
            for m, p in paths.items()}


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while (w := stack.pop()) != v:
                group.append(w)
            if group:
                circles.append(sorted([v, *group]))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return circles


def test_no_import_circles():
    """No two modules import each other, directly or round a loop, even through a function-local import."""
    assert import_circles(import_graph()) == []


def test_the_circle_check_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_circles(graph) == [["a", "b", "c"]]


#: the data layer: the build side writes extracts from raw files, the read side loads them; both share the
#: definitions of what an extract holds. The read side never imports the build side.
DATA_SIDES: dict[str, str] = {
    "__init__": "read", "store": "read", "loaders": "read", "lookup": "read", "peers": "read",
    "finance_loaders": "read", "social_care_loaders": "read", "gaps": "read", "user_panel": "read",
    "build": "build", "parsers": "build", "parsers_finance": "build", "parsers_social_care": "build",
    "download": "build", "origins": "build", "refresh": "build", "__main__": "build",
    "errors": "shared", "geography": "shared", "sources": "shared", "schema": "shared", "social_care": "shared",
}
_MAY_IMPORT_SIDE = {"read": {"read", "shared"}, "build": {"build", "shared"}, "shared": {"shared"}}


def test_every_data_module_has_a_side():
    modules = {p.stem for p in (PACKAGE / "data").glob("*.py")}
    assert modules == set(DATA_SIDES), "classify each data module as build, read or shared in DATA_SIDES"


@pytest.mark.parametrize("module", sorted(DATA_SIDES))
def test_data_sides(module):
    graph = import_graph()
    name = "wigan_deal.data" if module == "__init__" else f"wigan_deal.data.{module}"
    side = DATA_SIDES[module]
    bad = {m for m in graph[name] if m.startswith("wigan_deal.data.")
           and DATA_SIDES[m.rpartition(".")[2]] not in _MAY_IMPORT_SIDE[side]}
    assert not bad, f"data.{module} ({side} side) imports {sorted(bad)}"


DOC = config.PROJECT_ROOT / "docs" / "architecture.md"


def _doc_table(name: str) -> list[list[str]]:
    """Rows (cells) of the table between ``<!-- name -->`` and ``<!-- /name -->`` in docs/architecture.md."""
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"<!-- {name} -->", 1)[1].split(f"<!-- /{name} -->", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in body.strip().splitlines()]
    return [r for r in rows[2:] if r and r[0]]  # header and rule dropped


def _names(cell: str) -> set[str]:
    return {n.strip().strip("`") for n in cell.split(",") if n.strip() not in ("", "–", "-")}


def test_the_documented_table_is_the_tested_table():
    """docs/architecture.md's module table says exactly what ALLOWED enforces: every module, every arrow."""
    documented = {row[0].strip("`"): _names(row[-1]) for row in _doc_table("architecture-table")}
    assert set(documented) == set(ALLOWED), (
        f"modules only in the doc {sorted(set(documented) - set(ALLOWED))}, only in the test "
        f"{sorted(set(ALLOWED) - set(documented))}")
    wrong = {m: (sorted(documented[m]), sorted(ALLOWED[m] - {m})) for m in ALLOWED if documented[m] != ALLOWED[m] - {m}}
    assert not wrong, f"doc vs test 'may import' differ (doc, test): {wrong}"


def test_the_documented_data_sides_are_the_tested_sides():
    documented = {row[0].strip("`"): row[1] for row in _doc_table("data-sides-table")}
    assert documented == DATA_SIDES


def test_the_doc_check_sees_a_difference(monkeypatch):
    monkeypatch.setitem(ALLOWED, "results", {"config", "data"})
    with pytest.raises(AssertionError, match="results"):
        test_the_documented_table_is_the_tested_table()


def test_the_check_sees_imports():
    claims_imports = set().union(*(_imported_layers(p) for p in (PACKAGE / "claims").glob("*.py")))
    assert {"data", "its"} <= claims_imports
