"""Finite-size checks of the extensive-width theory: trace-minimisation SDP, trained student, CLI."""

import json

import numpy as np
import pytest

from capacity.cli import main
from capacity.checks.extensive_width import sdp_recovery, sdp_threshold, teacher_rows, trained_student
from replica.extensive_width import activation_function


def test_teacher_rows_are_orthogonal_with_norm_sqrt_d():
    rows = teacher_rows(4, 9, np.random.default_rng(0))
    np.testing.assert_allclose(rows @ rows.T, 9 * np.eye(4), atol=1e-12)


def test_sdp_recovers_only_above_the_dimension_count():
    d, kappa = 8, 0.5
    k = 4
    count = (k * d - k * (k - 1) / 2) / d**2  # 26/64: no method recovers below this many samples
    table, summary = sdp_threshold(d, kappa, [0.3, count - 1 / d**2, 0.55, 0.7], trials=3)
    assert summary["recovered_below_count"] == 0 and summary["doubtful"] == 0
    fraction = table.set_index("n_over_d2").fraction
    # power: at count - 1/d^2 = 0.39 > 0.375 nothing is recovered, so a theory putting the SDP's threshold at the
    # Bayes-optimal kappa - kappa^2/2 (Maillard et al. 2024) is rejected; at 0.7 every instance is recovered
    assert fraction.iloc[0] == 0 and fraction.iloc[1] == 0 and fraction.iloc[-1] == 1
    assert summary["bayes_optimal_finite_d"] <= summary["sdp_threshold"] <= 0.7
    assert summary["bayes_optimal"] == 0.375 and summary["decoupled"] == 0.5
    far = sdp_recovery(d, kappa, 0.9, trial=5)
    assert far["recovered"] is True and far["relative_error"] < 1e-6


def test_trained_student_learns_something_and_its_gap_is_reported():
    result = trained_student(40, 0.5, 2.0, steps=1500, seed=1)
    zero_predictor = activation_function("tanh").g(1.0)  # error of predicting 0 (sum of v^2 = 1)
    assert result["student_error"] < zero_predictor
    # no student beats the Bayes-optimal error (up to its own test-set standard error)
    assert result["student_error"] >= result["bayes_optimal_error"] - 3 * result["student_error_standard_error"]
    assert result["width"] == max(result["k_c"], 1)


def test_cli_solve_and_verify_extensive_width(capfd):
    assert main(["solve", "extensive-width", "--set", "beta=1", "--set", "kappa=0.5", "--set", "n_over_d2=1",
                 "--json"]) == 0
    quantities = json.loads(capfd.readouterr().out)["quantities"]
    assert {"gen_error", "k_c", "overlaps_summary"} <= set(quantities) and quantities["k_c"] > 0
    assert main(["solve", "extensive-width-scaling", "--set", "beta=2", "--set", "points=40", "--json"]) == 0
    scaling = json.loads(capfd.readouterr().out)["quantities"]
    assert scaling["refinement_exponent"] == pytest.approx(-1, abs=0.03)
    code = main(["verify", "extensive-width", "--set", "d=8", "--set", "student_d=30", "--trials", "2", "--json"])
    payload = json.loads(capfd.readouterr().out)
    assert {"model", "params", "quantities", "status", "message"} <= set(payload)
    assert payload["model"] == "extensive-width" and payload["params"]["d"] == 8
    assert {row["n_over_d2"] for row in payload["tables"]["sdp"]} and payload["estimate"]["sdp_threshold"] > 0
    # no instance recovered below the dimension count, and the recovery budget above it: nothing impossible seen
    assert code == 0 and payload["status"] == "success", payload["message"]
    assert main(["solve", "extensive-width", "--set", "beta=-0.5"]) == 2
    assert "beta" in capfd.readouterr().err
    assert main(["solve", "extensive-width", "--set", "depth=3"]) == 2  # not a parameter
    capfd.readouterr()
    assert main(["solve", "extensive-width", "--set", "width=0"]) == 2  # a student has at least one unit
    assert "width" in capfd.readouterr().err
