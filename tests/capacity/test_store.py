"""Resumable sweeps: a sweep killed mid-way resumes without losing finished work; a finished one is a no-op."""

import json
import subprocess
import sys
import time

import pytest

from capacity.store import TrialStore
from replica.errors import ParameterError


def verify_command(store, *extra, trials=50):
    return [sys.executable, "-m", "capacity.cli", "verify", "gardner", "--n", "20", "30", "--trials", str(trials),
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
    """SIGKILL once at least ten instances are recorded. The outcome does not depend on timing: if the sweep wins
    the race and finishes first, the store is cut back to ten records and half a line, exactly what a kill
    leaves, so the resume is always tested from an interrupted store."""
    store = tmp_path / "sweep.jsonl"
    process = subprocess.Popen(verify_command(store), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while process.poll() is None and (not store.exists() or len(store.read_text().splitlines()) < 11):
        time.sleep(0.01)
    process.kill()
    _, error = process.communicate()
    assert process.returncode in (-9, 0, 1), error  # killed, or finished first
    lines = store.read_text().splitlines()
    if len(lines) == 101:  # finished before the kill: leave what a kill after ten records leaves
        store.write_text("\n".join(lines[:11]) + "\n" + lines[11][:20])
    before = store.read_text().splitlines()
    complete_before = [line for line in before if line.endswith("}")]
    assert 11 <= len(complete_before) < 101, "the sweep must be interrupted mid-way"

    resumed = subprocess.run(verify_command(store, "--resume"), capture_output=True, text=True, timeout=600)
    assert resumed.returncode in (0, 1), resumed.stderr
    after = store.read_text().splitlines()
    assert after[:len(complete_before)] == complete_before  # finished work kept as it was
    assert len(tasks_in(store)) == 100  # 2 sizes x 50 instances

    straight = tmp_path / "straight.jsonl"
    uninterrupted = subprocess.run(verify_command(straight), capture_output=True, text=True, timeout=600)
    assert json.loads(resumed.stdout)["tables"]["per_size"] == json.loads(uninterrupted.stdout)["tables"]["per_size"]

    again = subprocess.run(verify_command(store, "--resume"), capture_output=True, text=True, timeout=600)
    assert store.read_text().splitlines() == after  # nothing re-solved, nothing appended
    assert json.loads(again.stdout)["tables"]["per_size"] == json.loads(resumed.stdout)["tables"]["per_size"]


def _closed_store_with_one_trial(tmp_path):
    path = tmp_path / "store.jsonl"
    with TrialStore(path, {"x": 1}) as store:
        store.append((1, 2), {"value": 3.0})
    return path


def test_a_line_cut_by_a_kill_is_run_again(tmp_path):
    path = _closed_store_with_one_trial(tmp_path)
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


def test_a_damaged_line_before_the_last_is_refused_with_its_number(tmp_path):
    path = _closed_store_with_one_trial(tmp_path)
    with path.open("a") as handle:
        handle.write("garbage\n")
        handle.write(json.dumps({"task": [1, 3], "result": {"value": 4.0}}) + "\n")
    with pytest.raises(ParameterError, match="line 3 of .* is not a trial record"):
        TrialStore(path, {"x": 1}, resume=True)


def test_a_store_in_use_is_refused_and_released_on_close(tmp_path):
    path = tmp_path / "store.jsonl"
    first = TrialStore(path, {"x": 1})
    with pytest.raises(ParameterError, match="in use by another process"):
        TrialStore(path, {"x": 1}, resume=True)
    first.close()
    with TrialStore(path, {"x": 1}, resume=True) as second:
        assert second.completed() == {}


def test_a_directory_is_not_a_store(tmp_path):
    with pytest.raises(ParameterError, match="is a directory"):
        TrialStore(tmp_path, {"x": 1}, resume=True)


def test_ctrl_c_says_how_to_resume(tmp_path):
    """SIGINT (Ctrl-C) in the middle of a recorded sweep: exit status 130 and a line naming the store and
    --resume. Interrupted once two instances are recorded; a sweep of 1000 instances takes tens of seconds, so it
    is still running when the 10 ms polling sees them even on a loaded machine (with 100 it once finished first)."""
    import signal

    store = tmp_path / "sweep.jsonl"
    # a job started in the background by a non-interactive shell inherits SIGINT ignored, and so would the sweep
    process = subprocess.Popen(verify_command(store, trials=500), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    while process.poll() is None and (not store.exists() or len(store.read_text().splitlines()) < 3):
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, error = process.communicate(timeout=120)
    assert process.returncode == 130, error
    assert str(store) in error and "--resume" in error and "Traceback" not in error
