"""Resumable sweeps: a sweep killed mid-way resumes without losing finished work; a finished one is a no-op."""

import json
import subprocess
import sys
import time

import pytest

from capacity.store import TrialStore
from replica.errors import ParameterError


def verify_command(store, *extra):
    return [sys.executable, "-m", "capacity.cli", "verify", "gardner", "--n", "30", "--trials", "100",
            "--jobs", "1", "--seed", "8", "--store", str(store), "--json", *extra]


def tasks_in(path):
    keys = set()
    for line in path.read_text().splitlines()[1:]:
        try:
            keys.add(json.dumps(json.loads(line)["task"]))
        except json.JSONDecodeError:
            pass
    return keys


def test_killed_sweep_resumes_without_losing_work(tmp_path):
    store = tmp_path / "sweep.jsonl"
    process = subprocess.Popen(verify_command(store), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and (not store.exists() or len(store.read_text().splitlines()) < 11):
        time.sleep(0.02)
    process.kill()
    process.wait()
    before = store.read_text().splitlines()
    complete_before = [line for line in before if line.endswith("}")]
    assert 11 <= len(before) < 101, "the sweep must be killed mid-way"

    resumed = subprocess.run(verify_command(store, "--resume"), capture_output=True, text=True, timeout=600)
    assert resumed.returncode in (0, 1), resumed.stderr
    after = store.read_text().splitlines()
    assert after[:len(complete_before)] == complete_before  # finished work kept as it was
    assert len(tasks_in(store)) == 100

    straight = tmp_path / "straight.jsonl"
    uninterrupted = subprocess.run(verify_command(straight), capture_output=True, text=True, timeout=600)
    assert json.loads(resumed.stdout)["per_size"] == json.loads(uninterrupted.stdout)["per_size"]

    again = subprocess.run(verify_command(store, "--resume"), capture_output=True, text=True, timeout=600)
    assert store.read_text().splitlines() == after  # nothing re-solved, nothing appended
    assert json.loads(again.stdout)["per_size"] == json.loads(resumed.stdout)["per_size"]


def test_a_line_cut_by_a_kill_is_run_again(tmp_path):
    path = tmp_path / "store.jsonl"
    store = TrialStore(path, {"x": 1})
    store.append((1, 2), {"value": 3.0})
    with path.open("a") as handle:
        handle.write('{"task": [1, 3], "result": {"val')  # killed while writing
    reopened = TrialStore(path, {"x": 1}, resume=True)
    assert reopened.completed() == {TrialStore.key((1, 2)): {"value": 3.0}}


def test_store_refuses_to_mix_experiments(tmp_path):
    path = tmp_path / "store.jsonl"
    TrialStore(path, {"x": 1})
    with pytest.raises(ParameterError, match="already exists"):
        TrialStore(path, {"x": 1})
    with pytest.raises(ParameterError, match="different experiment"):
        TrialStore(path, {"x": 2}, resume=True)
