"""The check registry's contract, for every registered check: a tiny run returns the one result type, every
common flag is taken or refused on one line, and the record of its instances makes it resumable."""

import json

import pytest

from capacity.checks import Execution, available_checks, get_check
from capacity.cli import main
from capacity.verification import VERDICTS, Verification

CHECKS = [check.family for check in available_checks()]


def test_every_family_with_an_experiment_has_a_check():
    assert set(CHECKS) == {"gardner", "ising-perceptron", "sign-perceptron", "glm", "lam", "extensive-width",
                           "kernel-curve", "invariant", "committee", "tree-machine", "erm", "influence"}


@pytest.mark.parametrize("name", CHECKS)
def test_tiny_check_is_a_verification_and_resumes_from_its_record(name, tmp_path):
    check = get_check(name)
    assert check.smoke, f"{name} declares no smoke run"
    store = tmp_path / "record.jsonl"
    first = check.verify(execution=Execution(store=str(store)), **check.smoke)
    assert isinstance(first, Verification) and first.model == name and first.status in VERDICTS
    payload = json.loads(json.dumps(first.to_dict()))
    assert set(payload) >= {"model", "params", "theory", "estimate", "quantities", "tables", "status", "message"}
    lines = store.read_text().splitlines()
    assert len(lines) > 1  # a header and at least one finished instance
    resumed = check.verify(execution=Execution(store=str(store), resume=True), **check.smoke)
    assert store.read_text().splitlines() == lines  # nothing was run again
    assert resumed.to_dict() == first.to_dict()


@pytest.mark.parametrize("name", CHECKS)
def test_every_common_flag_is_taken_or_refused_on_one_line(name, capsys):
    check = get_check(name)
    # each flag with a value out of its range (the flag --decoupled with one for --trials): refused either way,
    # before anything runs
    flags = {"n": ["--n", "0"], "trials": ["--trials", "0"], "seed": ["--seed", "-1"],
             "solver": ["--solver", "NO-SUCH-SOLVER"], "decoupled": ["--decoupled", "--trials", "0"]}
    for setting, argv in flags.items():
        code = main(["verify", name, *argv])
        error = capsys.readouterr().err.strip()
        assert code == 2 and len(error.splitlines()) == 1, (setting, error)
        if not check.takes(setting):
            assert f"does not take {argv[0]}" in error
        else:
            expected = "trials" if setting == "decoupled" else setting
            assert error.startswith(f"replica: error: {expected}: must"), error
    assert main(["verify", name, "--jobs", "0"]) == 2
    assert "jobs: must be -1" in capsys.readouterr().err


def test_a_store_of_another_experiment_is_refused(tmp_path):
    store = tmp_path / "record.jsonl"
    check = get_check("invariant")
    check.verify(execution=Execution(store=str(store)), **check.smoke)
    with pytest.raises(ValueError, match="holds a different experiment"):
        check.verify(execution=Execution(store=str(store), resume=True), **{**check.smoke, "seed": 1})
