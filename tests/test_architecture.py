"""Data flows one way (docs/architecture.md): a module may import only the layers below it."""

import ast
from pathlib import Path

import pytest

from wigan_deal import config

PACKAGE = config.PROJECT_ROOT / "src" / "wigan_deal"

#: module (top-level name inside wigan_deal) -> wigan_deal modules it may import
ALLOWED: dict[str, set[str]] = {
    "config": set(),
    "periods": set(),
    "fmt": set(),  # reader-facing number/p-value/table formats (pandas only)
    "data": {"config", "periods", "data"},
    "its": {"config", "periods", "its"},
    "synth": {"config", "periods"},
    "results": {"config"},
    "parameters": {"config", "periods", "data", "its"},
    "finance": {"config", "periods", "data"},
    "claims": {"config", "periods", "data", "its", "finance", "claims", "hle_ci"},
    "plots": {"config", "periods", "data", "fmt"},
    "inference": {"config", "periods", "data", "its"},  # coverage study at the real designs
    "hle_ci": {"config", "periods", "data"},  # one change-with-CI function; per-council HLE half-widths
    "panel_coverage": {"config", "periods", "data", "its", "inference"},  # comparative primary: real-panel study
    "hle_noise": {"config", "periods", "data", "its", "inference", "panel_coverage", "hle_ci"},  # HLE noise, RTM, MDE
    "synth_whole": {"config", "periods", "data", "synth"},  # every donor pool, LOO, conformal
    "speccurve": {"config", "periods", "data", "its", "synth", "inference", "synth_whole", "panel_coverage"},  # every specification
    # council studies (one module per notebook question; their result objects record and display themselves)
    "studies": {"config", "periods", "data", "its", "hle_ci", "fmt", "plots", "lasting", "hle_noise", "finance", "studies"},
    "outcomes": {"config", "periods", "data"},  # notebook 07: social care pathway measures vs peers
    "lasting": {"config", "periods", "data", "hle_ci"},  # "did it last" end points; GM devolution windows
    "notebook": {"config", "periods", "data", "its", "parameters", "results"},  # the notebooks' one-call preamble
    "report": {"config", "periods", "data", "its", "parameters", "results", "report", "fmt", "finance",
               "claims", "hle_noise"},  # answers chart (finance); the verdicts' vintage (index); the full-panel RTM fit (atlas)
    # top layer: renders README blocks by importing their generators by name (importlib)
    "readme": {"config"},
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


def test_the_check_sees_imports():
    claims_imports = set().union(*(_imported_layers(p) for p in (PACKAGE / "claims").glob("*.py")))
    assert {"data", "its"} <= claims_imports
