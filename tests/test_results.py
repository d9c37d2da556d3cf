"""wigan_deal.results: recording headline values from notebooks."""

import json

import numpy as np
import pandas as pd
import pytest

from wigan_deal.results import FORMAT, Recorder, load_results, read_results, recorder


def test_record_writes_json_after_every_call(tmp_path):
    path = tmp_path / "02_hle.json"
    rec = recorder(path, "02_hle")
    assert json.loads(path.read_text()) == {"format": FORMAT, "notebook": "02_hle", "values": {}, "tables": {}}
    rec.record("gap", np.float64(-1.25), label="HLE gap change", unit="years", lower=-2.0, upper=np.float32(-0.5))
    data = json.loads(path.read_text())
    assert data["values"]["gap"] == {
        "value": -1.25, "label": "HLE gap change", "unit": "years", "lower": -2.0, "upper": -0.5, "note": None,
    }
    rec.record("n_areas", np.int64(151), note="upper-tier LAs")
    data = read_results(path)
    assert data["values"]["n_areas"]["value"] == 151
    assert isinstance(data["values"]["n_areas"]["value"], int)
    assert data["values"]["n_areas"]["label"] == "n_areas"  # label defaults to the key
    assert list(data["values"]) == ["gap", "n_areas"]
    # no temporary files left beside the result
    assert [p.name for p in tmp_path.iterdir()] == ["02_hle.json"]


def test_nan_numpy_bool_and_timestamps_are_converted(tmp_path):
    rec = Recorder(tmp_path / "x.json", "x")
    rec.record("missing", float("nan"))
    rec.record("flag", np.bool_(True))
    rec.record("when", pd.Timestamp("2019-06-01"))
    rec.record("na", pd.NA)
    values = read_results(tmp_path / "x.json")["values"]
    assert values["missing"]["value"] is None
    assert values["flag"]["value"] is True
    assert values["when"]["value"] == "2019-06-01T00:00:00"
    assert values["na"]["value"] is None


def test_record_returns_value_and_memory_only_without_path(tmp_path):
    rec = recorder(None, "interactive")
    assert rec.record("a", 3.5) == 3.5
    assert rec.as_dict()["values"]["a"]["value"] == 3.5
    assert list(tmp_path.iterdir()) == []


def test_unserialisable_value_and_bad_key_are_rejected(tmp_path):
    rec = recorder(tmp_path / "x.json", "x")
    with pytest.raises(TypeError, match=r"Cannot record value for 'arr'.*ndarray"):
        rec.record("arr", np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="Invalid result key 'bad key'"):
        rec.record("bad key", 1)
    with pytest.raises(ValueError, match="notebook must be"):
        Recorder(None, "")
    # failed calls left the file valid and unchanged
    assert read_results(tmp_path / "x.json")["values"] == {}


def test_record_table_from_dataframe_and_list_of_dicts(tmp_path):
    rec = recorder(tmp_path / "06.json", "06_claims")
    frame = pd.DataFrame(
        {"claim": ["C1", "C2"], "verdict": ["supported", "not supported"], "estimate": [np.float64(1.5), np.nan]}
    )
    rec.record_table("claims", frame)
    rec.record_table("small", [{"a": 1, "b": "x"}, {"a": 2, "c": True}])
    tables = read_results(tmp_path / "06.json")["tables"]
    assert tables["claims"] == {
        "columns": ["claim", "verdict", "estimate"],
        "rows": [["C1", "supported", 1.5], ["C2", "not supported", None]],
    }
    assert tables["small"] == {"columns": ["a", "b", "c"], "rows": [[1, "x", None], [2, None, True]]}
    with pytest.raises(ValueError, match="at most 500 rows"):
        rec.record_table("big", pd.DataFrame({"a": range(501)}))
    with pytest.raises(TypeError, match="needs a pandas DataFrame"):
        rec.record_table("bad", {"a": [1, 2]})


def test_load_results_reads_all_notebooks_and_ignores_other_json(tmp_path):
    recorder(tmp_path / "03_b.json", "03_b").record("x", 1)
    recorder(tmp_path / "01_a.json", "01_a").record("y", 2)
    (tmp_path / "other.json").write_text('{"not": "results"}')
    (tmp_path / "broken.json").write_text("{")
    results = load_results(tmp_path)
    assert list(results) == ["01_a", "03_b"]
    assert results["01_a"]["values"]["y"]["value"] == 2
    with pytest.raises(ValueError, match="not a results file"):
        read_results(tmp_path / "other.json")


def test_deferred_records_are_written_once_at_the_end_even_after_a_failure(tmp_path):
    """Issue 19 item 1: ~200 records per notebook cost ~200 renames; deferred, they are written at the end of
    the block (a kernel: of the cell), and a failure halfway still leaves every value recorded before it."""
    from wigan_deal import results

    path = tmp_path / "01.json"
    with pytest.raises(RuntimeError), results.deferred():
        rec = recorder(path, "01")
        rec.record("a", 1.5)
        rec.record_table("t", [{"x": 1}])
        assert read_results(path)["values"] == {}  # not yet written
        raise RuntimeError("the notebook fails halfway")
    data = read_results(path)
    assert data["values"]["a"]["value"] == 1.5 and data["tables"]["t"] == {"columns": ["x"], "rows": [[1]]}
    assert results._PENDING == {}


def test_in_an_ipython_shell_records_are_written_after_each_cell(tmp_path, monkeypatch):
    from IPython.core.events import EventManager, available_events

    from wigan_deal import results

    class Shell:
        events = EventManager(None, available_events)

    shell = Shell()
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    path = tmp_path / "02.json"
    rec = recorder(path, "02")
    rec.record("a", 1)
    rec.record("b", 2)
    assert read_results(path)["values"] == {}
    shell.events.trigger("post_run_cell", None)  # the cell ends (also when it raised)
    assert list(read_results(path)["values"]) == ["a", "b"]
    rec.record("c", 3)
    shell.events.trigger("post_run_cell", None)
    assert list(read_results(path)["values"]) == ["a", "b", "c"]
    assert shell.events.callbacks["post_run_cell"].count(results.flush_pending) == 1  # registered once


def test_a_failing_cell_of_a_real_ipython_shell_leaves_its_earlier_records(tmp_path):
    """In IPython (a report kernel runs one), a cell that raises halfway still leaves the values it recorded
    before the error, and those of earlier cells."""
    from IPython.core.interactiveshell import InteractiveShell

    path = tmp_path / "03.json"
    shell = InteractiveShell.instance()
    try:
        shell.run_cell(f"from wigan_deal.results import recorder\nrec = recorder({str(path)!r}, '03')\n"
                       "rec.record('first', 1)")
        assert list(read_results(path)["values"]) == ["first"]
        result = shell.run_cell("rec.record('second', 2)\nrec.record('third', 3)\nraise RuntimeError('halfway')\n"
                                "rec.record('never', 4)")
        assert isinstance(result.error_in_exec, RuntimeError)
        assert list(read_results(path)["values"]) == ["first", "second", "third"]
    finally:
        InteractiveShell.clear_instance()


def test_a_results_write_that_fails_at_the_end_of_a_cell_fails_the_cell(tmp_path, monkeypatch):
    """A full disk when the deferred records are written after a cell: the cell fails with that error (the kernel
    replies "error" and the runner stops the report), instead of IPython only printing a callback's error."""
    from IPython.core.interactiveshell import InteractiveShell

    from wigan_deal import results

    path = tmp_path / "04.json"
    shell = InteractiveShell.instance()
    try:
        shell.run_cell(f"from wigan_deal.results import recorder\nrec = recorder({str(path)!r}, '04')")

        def full(self):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(results.Recorder, "_write", full)
        result = shell.run_cell("rec.record('a', 1)")
        assert not result.success and isinstance(result.error_in_exec, OSError)
        assert "No space left on device" in str(result.error_in_exec)
        failed_first = shell.run_cell("rec.record('b', 2)\nraise RuntimeError('the cell itself')")
        assert isinstance(failed_first.error_in_exec, RuntimeError)  # the cell's own error stays the one reported
    finally:
        results._PENDING.clear()
        InteractiveShell.clear_instance()
