"""One parse of each raw workbook per test process, for the tests that build or parse from the raw data.

Parsing the RA and RS workbooks and the ONS life-expectancy workbook is most of a build's CPU, and five
integration tests do it: the rebuild from ../shared/data/raw, the rebuild from files downloaded from their
origins, the RS and RA cross-checks against the derived copies and the council-missing-a-year check. The
parsers are pure functions of a file's bytes and their arguments, so these tests (the ``xdist_group``
:data:`GROUP`, so that they share one worker) parse through :func:`memoised_parsers`, which keys each parse
on the sha256 of the file's bytes: the same bytes (a download is verified against the catalogued sha256)
are parsed once per process, and a file with any other bytes is parsed afresh. Only the parse is shared:
every build still runs in full, every check compares, and callers get copies.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from wigan_deal.data import parsers, parsers_finance

#: the xdist group of the tests that share the parses
GROUP = "raw_workbooks"

#: (module, function) of the workbook parsers shared
PARSERS = ((parsers_finance, "parse_ra_workbook"), (parsers, "parse_rs_workbook"), (parsers, "read_ons_le_workbook"))

_PARSED: dict[tuple, object] = {}


def _memoised(name: str, parse: Callable) -> Callable:
    signature = inspect.signature(parse)

    def memoised(path, *args, **kwargs):
        bound = signature.bind(path, *args, **kwargs)
        bound.apply_defaults()
        given = tuple(bound.arguments.items())[1:]  # every argument but the file
        key = (name, hashlib.sha256(Path(path).read_bytes()).hexdigest(), given)
        if key not in _PARSED:
            _PARSED[key] = parse(path, *args, **kwargs)
        return _PARSED[key].copy()

    return memoised


@contextmanager
def memoised_parsers() -> Iterator[None]:
    """Within the block, the workbook parsers of :data:`PARSERS` parse each distinct file content once."""
    with pytest.MonkeyPatch.context() as patch:
        for module, name in PARSERS:
            patch.setattr(module, name, _memoised(name, getattr(module, name)))
        yield


@pytest.fixture
def raw_parses() -> Iterator[None]:
    """:func:`memoised_parsers` for one test (import it into a test module to use it)."""
    with memoised_parsers():
        yield


def shares_parses(test: Callable) -> Callable:
    """Mark ``test`` to parse through :func:`raw_parses`, on the worker of :data:`GROUP`."""
    return pytest.mark.xdist_group(GROUP)(pytest.mark.usefixtures("raw_parses")(test))
