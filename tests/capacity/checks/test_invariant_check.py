"""The invariant-readout check: certified verdicts on random orbits against Cover with N_0 (and its power against
Cover with N), and its command line."""

import json

import numpy as np

from capacity.cli import main
from capacity.checks.invariant import verify_invariant
from replica.invariant import cyclic_shifts, permutation_group


def test_invariant_separability_follows_cover_with_n0_not_n():
    result = verify_invariant(cyclic_shifts(12, 3), trials=150, seed=2)
    assert result.theory["N_0"] == 3 and result.theory["P_c"] == 6 and result.estimate["doubtful"] == 0
    assert result.status == "success" and result.estimate["p_value_N0"] > 1e-3
    assert result.estimate["p_value_N"] < 1e-6  # the test can tell N_0 from N
    at_capacity = result.tables["table"].set_index("p").loc[6]
    assert at_capacity.expected == 0.5  # C(2 N_0, N_0) = 1/2 exactly


def test_cli_invariant(capfd, tmp_path):
    assert main(["solve", "invariant", "--set", "N=12", "--set", "step=4", "--json"]) == 0
    assert json.loads(capfd.readouterr().out)["quantities"]["P_c"] == 8
    path = tmp_path / "group.npy"
    np.save(path, permutation_group(4, [[1, 0, 2, 3]]))
    assert main(["verify", "invariant", "--set", f"matrices={path}", "--trials", "40", "--json"]) == 0
    payload = json.loads(capfd.readouterr().out)
    assert payload["quantities"]["N_0"] == 3 and payload["status"] == "success" and payload["model"] == "invariant"
    assert main(["solve", "invariant", "--set", "N=12", "--set", "step=5"]) == 2
    assert "step" in capfd.readouterr().err
