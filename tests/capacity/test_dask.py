"""The same sweep on a Dask distributed cluster (a LocalCluster here) gives the same results as locally."""

import pandas as pd
import pytest

from capacity.experiments import critical_loads
from capacity.store import TrialStore
from replica.errors import ParameterError

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def scheduler():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    yield cluster.scheduler_address
    cluster.close()


def test_cluster_run_equals_local_run(scheduler, tmp_path):
    local = critical_loads([12, 16], 5, seed=21, progress=False, n_jobs=1)
    store = TrialStore(tmp_path / "sweep.jsonl", {"seed": 21})
    remote = critical_loads([12, 16], 5, seed=21, progress=False, scheduler=scheduler, store=store)
    columns = ["n", "trial", "p_star", "alpha_star", "verdict", "n_solves"]
    pd.testing.assert_frame_equal(local[columns], remote[columns])
    assert len(store.completed()) == 10


def test_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(ParameterError, match="scheduler: could not connect"):
        critical_loads([10], 1, progress=False, scheduler="tcp://127.0.0.1:9")


def test_verify_on_the_cluster_from_the_command_line(scheduler, capfd):
    """`replica verify --scheduler ADDRESS` answers exactly as the local run (same seeds, same verdicts)."""
    import json

    from capacity.cli import main

    common = ["verify", "gardner", "--n", "10", "14", "--trials", "6", "--seed", "4", "--json"]
    assert main([*common, "--jobs", "1"]) == 0
    local = json.loads(capfd.readouterr().out)
    assert main([*common, "--scheduler", scheduler]) == 0
    remote = json.loads(capfd.readouterr().out)
    assert remote["tables"]["per_size"] == local["tables"]["per_size"] and remote["estimate"] == local["estimate"]
