"""Record headline values from a notebook into a small JSON file.

The report runner gives every notebook a ``results_path``; the notebook records its headline
numbers (and small tables such as the claims verdicts) with a :class:`Recorder`::

    rec = recorder(results_path, "02_healthy_life_expectancy")
    rec.record("hle_gap_change", -1.2, label="Change in HLE gap (years)", unit="years",
               lower=-2.0, upper=-0.4)
    rec.record_table("claims", verdicts_frame)

The file is rewritten atomically (temporary file + ``os.replace``), so a reader never sees a half-written
file: after every call, except where writes are deferred. In an IPython kernel (the report's notebooks) they
are deferred to the end of each cell (IPython's ``post_run_cell`` event, which fires after a failing cell
too), and inside ``with deferred():`` to the end of the block: a notebook that fails halfway still leaves
every value recorded before the failure, and ~200 records cost a few writes instead of ~200 (each a rename:
about a millisecond). With ``results_path=None`` (interactive use) values are kept in memory only.
:func:`load_results` reads every notebook's file of one report folder.

File layout (``FORMAT`` = ``"wigan_deal.results/1"``)::

    {"format": ..., "notebook": "02_...", "values": {key: {"value", "label", "unit", "lower",
     "upper", "note"}}, "tables": {key: {"columns": [...], "rows": [[...], ...]}}}
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

FORMAT = "wigan_deal.results/1"
#: Tables are for small summaries (claims verdicts, a few estimates), not data extracts.
MAX_TABLE_ROWS = 500
_KEY = re.compile(r"^[A-Za-z0-9_.\-]+$")


def to_json_value(value: Any, *, what: str = "value") -> Any:
    """Convert ``value`` to a plain JSON value (numpy/pandas scalars, NaN -> ``None``).

    Raises ``TypeError`` naming ``what`` when the value cannot be represented.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    # numpy / pandas scalars expose .item(); pandas NA / NaT are "missing".
    type_name = type(value).__name__
    if type_name in ("NAType", "NaTType"):
        return None
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return to_json_value(value.item(), what=what)
    raise TypeError(
        f"Cannot record {what} {value!r} of type {type(value).__name__}: results must be a number, "
        "string, bool or None (numpy and pandas scalars are converted automatically). Record "
        "several numbers under separate keys, or a small DataFrame with record_table()."
    )


def _check_key(key: Any) -> str:
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError(
            f"Invalid result key {key!r}: keys are non-empty strings of letters, digits, '_', '.' "
            "or '-' (for example 'hle_gap_change_male')."
        )
    return key


class Recorder:
    """Collects a notebook's headline values and writes them to ``path`` (or memory if ``None``)."""

    def __init__(self, path: str | os.PathLike[str] | None, notebook: str) -> None:
        if not isinstance(notebook, str) or not notebook:
            raise ValueError(f"notebook must be the notebook's name (e.g. '02_...'), got {notebook!r}.")
        self.path: Path | None = None if path is None else Path(path)
        self.notebook = notebook
        self.values: dict[str, dict[str, Any]] = {}
        self.tables: dict[str, dict[str, list]] = {}
        if self.path is not None:
            flush_pending()  # an older recorder's deferred records first: it may have the same path
            self._write()

    def record(
        self,
        key: str,
        value: Any,
        *,
        label: str | None = None,
        unit: str | None = None,
        lower: Any = None,
        upper: Any = None,
        note: str | None = None,
    ) -> Any:
        """Record one headline value (with optional confidence interval); return ``value``."""
        _check_key(key)
        self.values[key] = {
            "value": to_json_value(value, what=f"value for {key!r}"),
            "label": label if label is not None else key,
            "unit": unit,
            "lower": to_json_value(lower, what=f"lower bound for {key!r}"),
            "upper": to_json_value(upper, what=f"upper bound for {key!r}"),
            "note": note,
        }
        self._changed()
        return value

    def record_table(self, key: str, frame: Any) -> None:
        """Record a small table (a pandas DataFrame or a list of dicts) under ``key``."""
        _check_key(key)
        if hasattr(frame, "columns") and hasattr(frame, "itertuples"):
            columns = [str(c) for c in frame.columns]
            raw_rows = [list(row) for row in frame.itertuples(index=False, name=None)]
        elif isinstance(frame, list) and all(isinstance(r, Mapping) for r in frame):
            columns = list(dict.fromkeys(str(k) for r in frame for k in r))
            raw_rows = [[r.get(c) for c in columns] for r in frame]
        else:
            raise TypeError(
                f"record_table({key!r}, ...) needs a pandas DataFrame or a list of dicts, got "
                f"{type(frame).__name__}."
            )
        if len(raw_rows) > MAX_TABLE_ROWS:
            raise ValueError(
                f"Table {key!r} has {len(raw_rows)} rows; record_table is for small summaries of at "
                f"most {MAX_TABLE_ROWS} rows. Record an aggregate instead."
            )
        rows = [
            [to_json_value(v, what=f"cell ({i}, {columns[j]!r}) of table {key!r}") for j, v in enumerate(r)]
            for i, r in enumerate(raw_rows)
        ]
        self.tables[key] = {"columns": columns, "rows": rows}
        self._changed()

    def as_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "notebook": self.notebook, "values": self.values, "tables": self.tables}

    def flush(self) -> None:
        """Write the file now if a deferred record has not been written yet."""
        if _PENDING.pop(id(self), None) is not None:
            self._write()

    def _changed(self) -> None:
        if self.path is None:
            return
        if _DEFERRED or _defer_to_cell_end():
            _PENDING[id(self)] = self
        else:
            self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.as_dict(), indent=2, allow_nan=False)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are ordinary report files
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


#: recorders with records not yet written (id -> recorder), written by :func:`flush_pending`
_PENDING: dict[int, Recorder] = {}
#: depth of open :func:`deferred` blocks
_DEFERRED = 0


def flush_pending(result: Any = None) -> None:
    """Write every recorder's deferred records. IPython calls it after each cell with the cell's result
    (``ExecutionResult``): a write that fails there (a full disk) fails that cell, as a write inside the cell
    would, so the kernel replies with the error and the report stops; an exception in an IPython event callback
    would otherwise only be printed, and the notebook would end "ok" with its results file out of date."""
    try:
        while _PENDING:
            _PENDING.popitem()[1]._write()
    except Exception as exc:
        if result is None or not hasattr(result, "error_in_exec") or result.error_in_exec is not None:
            raise  # not at a cell's end, or the cell failed first (its own error stays the one reported)
        result.error_in_exec = exc
        shell = sys.modules["IPython"].get_ipython()
        if shell is not None:
            shell.showtraceback()  # the error's traceback in the cell's outputs, as for an error in the cell


def _defer_to_cell_end() -> bool:
    """True inside an IPython shell (a kernel), after making sure :func:`flush_pending` runs after every cell."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    events = getattr(shell, "events", None)
    if events is None:
        return False
    if flush_pending not in events.callbacks.get("post_run_cell", []):
        events.register("post_run_cell", flush_pending)
    return True


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Write records at the end of the block (also when it raises) instead of after every call."""
    global _DEFERRED
    _DEFERRED += 1
    try:
        yield
    finally:
        _DEFERRED -= 1
        if not _DEFERRED:
            flush_pending()


def recorder(results_path: str | os.PathLike[str] | None, notebook: str) -> Recorder:
    """The notebook-facing constructor: ``rec = recorder(results_path, "02_...")``."""
    return Recorder(results_path, notebook)


def read_results(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read one results file; raise ``ValueError`` if it is not a results file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path} is not a results file (expected format {FORMAT!r}).")
    return data


def load_results(folder: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """All notebook results of one report folder, keyed by notebook name (sorted by name).

    JSON files in ``folder`` that are not results files are ignored.
    """
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(folder).glob("*.json")):
        try:
            data = read_results(path)
        except (ValueError, json.JSONDecodeError):
            continue
        out[data["notebook"]] = data
    return dict(sorted(out.items()))
