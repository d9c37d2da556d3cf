"""Sweeps: the same reports locally and on a Dask LocalCluster, resumable, bad values refused."""

import json
from pathlib import Path

import pytest

from conftest import report_sweep_tasks
from wigan_deal import config
from wigan_deal.report import sweep
from wigan_deal.report.sweep import SweepTask, inputs_hash, make_tasks, run_sweep, shared_inputs


def test_tasks_are_every_combination_and_bad_values_are_refused():
    tasks = make_tasks([config.WIGAN], [2011, 2012], ["2019-05"], ["Male", "Female"], ["02"])
    assert len(tasks) == 4 and {t.sex for t in tasks} == {"Male", "Female"}
    assert tasks[0].argv(Path("r")) == ["--area", config.WIGAN, "--break-year", "2011", "--vintage", "2019-05",
                                        "--sex", "Male", "--jobs", "1", "--out", "r", "--pages", "both",
                                        "--notebooks", "02"]
    reader = make_tasks([config.WIGAN], [2011], ["2019-05"], ["Male"], pages="reader")[0]
    assert reader.argv(Path("r"))[-2:] == ["--pages", "reader"] and reader.folder() == f"{config.WIGAN}--reader-pages"
    from wigan_deal.parameters import ParameterError

    with pytest.raises(ParameterError):
        make_tasks([config.WIGAN], [1850], ["2019-05"], ["Male"])


def test_inputs_hash_changes_with_parameters_and_data():
    shared = shared_inputs()
    a, b = SweepTask(config.WIGAN, 2011, "2019-05", "Male"), SweepTask(config.WIGAN, 2012, "2019-05", "Male")
    assert inputs_hash(a, shared) != inputs_hash(b, shared)
    assert inputs_hash(a, shared) != inputs_hash(a, {**shared, "extracts": "0" * 64})
    assert inputs_hash(a, shared) == inputs_hash(a, dict(shared))
    assert inputs_hash(a, shared) != inputs_hash(SweepTask(config.WIGAN, 2011, "2019-05", "Male", pages="reader"), shared)
    mid = SweepTask(config.WIGAN, 2011, "2019-05", "Male", post_rule="mid")
    wider = SweepTask(config.WIGAN, 2011, "2019-05", "Male", comparators=("england", "all"))
    assert len({inputs_hash(t, shared) for t in (a, mid, wider)}) == 3
    # the variant fields count only when set: a ledger written before they existed still matches
    import dataclasses
    import hashlib

    before = {k: v for k, v in dataclasses.asdict(a).items() if k not in ("comparators", "post_rule")}
    assert inputs_hash(a, shared) == hashlib.sha256(json.dumps({"task": before, **shared}, sort_keys=True,
                                                               default=str).encode()).hexdigest()
    assert mid.folder() == f"{config.WIGAN}--post-mid" and wider.folder().startswith(f"{config.WIGAN}--comparators-")
    assert mid.argv(Path("out"))[-2:] == ["--post-rule", "mid"]


def test_cli_bad_input_is_one_paragraph(capsys):
    assert sweep.main(["--break-years", "20x1"]) == 2
    assert "--break-years must be whole years" in capsys.readouterr().err
    assert sweep.main(["--sexes", " , "]) == 2
    assert "--sexes must name at least one value" in capsys.readouterr().err
    assert sweep.main(["--pages", "all"]) == 2
    assert "--pages must be both or reader, got 'all'" in capsys.readouterr().err


def _recorded(folder: Path) -> dict:
    """What a report's notebooks recorded (timings and dates left out)."""
    return {p.name: json.loads(p.read_text()) for p in sorted(folder.glob("0*.json"))}


@pytest.mark.slow
def test_a_sweep_on_a_dask_local_cluster_equals_the_local_one_and_resumes(tmp_path, report_sweep):
    """Wigan's notebook 02 for both sexes on a Dask LocalCluster records what the local sweep recorded (the shared
    sweep of conftest.report_sweep renders the same two tasks locally), and a second Dask run skips both."""
    distributed = pytest.importorskip("distributed")
    names = [f"wigan_02_{sex.lower()}" for sex in config.SEXES]
    tasks = [report_sweep_tasks()[name] for name in names]
    assert tasks == make_tasks([config.WIGAN], [2011], ["2019-05"], ["Male", "Female"], ["02"], pages="reader")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = run_sweep(tasks, tmp_path / "dask", scheduler=cluster.scheduler_address, log=lambda _: None,
                           bar=False)
        assert sorted(o.status for o in remote) == ["written", "written"], [o.error for o in remote]
        again = run_sweep(tasks, tmp_path / "dask", scheduler=cluster.scheduler_address, log=lambda _: None,
                          bar=False)
        assert [o.status for o in again] == ["skipped", "skipped"]
    for name, task in zip(names, tasks, strict=True):
        assert report_sweep[name].name == task.folder()
        here, there = _recorded(report_sweep[name]), _recorded(tmp_path / "dask" / task.folder())
        assert here and here == there
    ledger = json.loads((tmp_path / "dask" / sweep.LEDGER).read_text())
    assert set(ledger) == {t.folder() for t in tasks}
