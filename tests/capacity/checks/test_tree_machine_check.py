"""The tree-machine check for a declared activation (capacity.checks.tree_machine): activation patterns enumerated,
each pair one least-distance program, against an independent brute force and against Cover on the identity."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from capacity.checks.base import Execution
from capacity.checks.committee import separable_labellings
from capacity.checks.tree_machine import (kink_slopes, longest_storable_prefix, resolve_method, sphere_instance,
                                          storing_weights, verify_treelike)
from capacity.cover import prefix_cover_tests
from capacity.cli import main
from capacity.programs import make_program
from replica.errors import ParameterError

ALTERNATING = np.array([1.0, -1.0])


def _instance(n, patterns, trial):
    rng = np.random.default_rng([11, n, trial])
    return [rng.standard_normal((patterns, n)) for _ in range(2)], rng.choice([-1.0, 1.0], size=patterns)


def _brute_force_storable(branches, labels, slopes, p):
    """Every one of the 2^p x 2^p activation patterns (not only the separable ones), each a HiGHS LP maximising
    the output margin t over |w| <= 1: storable iff some t* > 0."""
    n = branches[0].shape[1]
    for signs in itertools.product(itertools.product((1.0, -1.0), repeat=p), repeat=2):
        rows = []
        for k, s in enumerate(signs):  # -s (w_k . x) <= 0
            block = np.zeros((p, 2 * n + 1))
            block[:, k * n:(k + 1) * n] = -np.array(s)[:, None] * branches[k][:p]
            rows.append(block)
        output = np.zeros((p, 2 * n + 1))
        for k, s in enumerate(signs):
            slope = np.where(np.array(s) > 0, slopes[1], slopes[0])
            output[:, k * n:(k + 1) * n] = -(labels[:p] * ALTERNATING[k] * slope)[:, None] * branches[k][:p]
        output[:, -1] = 1.0  # t - y out <= 0
        a = np.vstack([*rows, output])
        result = linprog(np.r_[np.zeros(2 * n), -1.0], A_ub=a, b_ub=np.zeros(len(a)),
                         bounds=[(-1, 1)] * (2 * n) + [(None, 1)], method="highs")
        if result.status == 0 and -result.fun > 1e-7:
            return True
    return False


def test_activation_pattern_enumeration_agrees_with_a_brute_force_over_every_sign_pattern():
    slopes = kink_slopes("relu(h)")
    outcomes = []
    for trial in range(4):
        branches, labels = _instance(2, 5, trial)
        lists = [separable_labellings(x)[0] for x in branches]
        p_star = longest_storable_prefix(branches, labels, slopes, ALTERNATING)
        for p in (4, 5):
            stored = p <= p_star["p_star"]
            assert stored == _brute_force_storable(branches, labels, slopes, p), (trial, p)
            outcomes.append(stored)
        assert all(len(x) for x in lists)
    assert 0 < sum(outcomes) < len(outcomes)  # both answers occur


def test_the_identity_activation_is_the_perceptron_on_both_branches():
    for trial in range(6):
        branches, labels = _instance(2, 16, trial)
        found = longest_storable_prefix(branches, labels, kink_slopes("h"), ALTERNATING)
        rows = labels[:, None] * np.hstack([branches[0], -branches[1]])
        program = make_program(4, 16, kappa=0.0)
        direct = max([p for p in range(1, 17) if program.certify(rows[:p], 0.0).verdict.value == "separable"] + [0])
        assert found["p_star"] == direct and found["verdict"] in ("certified", "saturated")


def test_a_pair_s_verdict_is_a_verified_witness_or_a_farkas_combination():
    branches, labels = _instance(2, 12, 0)
    slopes = kink_slopes("relu(h)")
    everything = (1 << 12) - 1
    verdict, weights = storing_weights(branches, labels, (everything, everything), slopes, ALTERNATING, 3)
    assert verdict in ("stored", "empty")
    # both branches off on every pattern: the output is zero, no label can be carried
    assert storing_weights(branches, labels, (0, 0), slopes, ALTERNATING, 6) == ("empty", None)


def test_verify_relu_network_and_its_cover_check(capfd):
    result = verify_treelike("relu(h)", "alternating", sizes=(2,), trials=8,
                             execution=Execution(n_jobs=1, progress=False))
    assert result.status == "success", result.message
    assert result.estimate["cover_p_value"] > 1e-3 and result.estimate["cover_p_value_one_more_input"] < 1e-3
    assert main(["verify", "tree-machine", "--set", "activation=Max(h, 0.2*h)", "--set", "readout=alternating",
                 "--trials", "6", "--json"]) == 0
    payload = json.loads(capfd.readouterr().out)
    assert payload["status"] == "success" and payload["params"]["activation"] == "Max(h, 0.2*h)"
    for argv, error in [(["--set", "activation=sign(h)", "--method", "patterns"],
                         "activation: the finite-size check needs one kink"),
                        (["--set", "activation=relu(h)", "--set", "K=3"],
                         "K: the activation patterns run with K in [2]"),
                        (["--set", "activation=relu(h)", "--solver", "CLARABEL"], "solver: the finite-size check of"),
                        (["--set", "activation=relu(h)", "--set", "kappa=0.5", "--method", "patterns"],
                         "kappa: the activation patterns decide margin 0 only"),
                        (["--set", "rule=and", "--set", "kappa=0.5"], "kappa: a Boolean rule is checked at margin 0"),
                        (["--set", "activation=sin(3*h)", "--method", "spheres"], "activation: the search on the "),
                        (["--set", "activation=erf(h)", "--set", "n=4"], "n: must lie in [1, 3]")]:
        assert main(["verify", "tree-machine", *argv]) == 2
        assert error in capfd.readouterr().err
    with pytest.raises(ParameterError, match="^activation: the finite-size check needs a piecewise-linear"):
        kink_slopes("erf(h)")


@pytest.mark.parametrize("activation", ["h**2", "-3*h**2"])
def test_a_quadratic_network_is_decided_as_the_absolute_value_and_its_witnesses_hold_for_the_squares(activation):
    """a h^2 with readout (1, -1) stores what sign(a)|h| stores; a witness the enumeration finds at P* - 1 is put
    through the quadratic network itself (a wrong sign of a would make these outputs fail), and at P* no pair of
    activation patterns stores (Farkas)."""
    from capacity.checks.tree_machine import _candidate_pairs
    from capacity.checks.committee import _bits

    slopes = kink_slopes(activation)
    a = -3.0 if activation.startswith("-") else 1.0
    assert slopes == ((-1.0, 1.0) if a > 0 else (1.0, -1.0))
    for trial in range(3):
        branches, labels = _instance(2, 20, trial)
        found = longest_storable_prefix(branches, labels, slopes, ALTERNATING)
        assert found["verdict"] == "certified"
        p_star = found["p_star"]
        lists = [separable_labellings(x)[0] for x in branches]
        for p, expect in ((p_star, True), (p_star + 1, False)):
            mask = (1 << p) - 1
            pairs = _candidate_pairs([np.unique(d & mask) for d in lists], _bits(labels[:p]), mask, slopes,
                                     ALTERNATING)
            verdicts = [storing_weights(branches, labels, pair, slopes, ALTERNATING, p) for pair in pairs]
            witnesses = [w for verdict, w in verdicts if verdict == "stored"]
            assert bool(witnesses) is expect and all(v in ("stored", "empty") for v, _ in verdicts)
            for w in witnesses:
                fields = [branches[k][:p] @ w[2 * k:2 * k + 2] for k in range(2)]
                assert np.all(labels[:p] * a * (fields[0] ** 2 - fields[1] ** 2) > 0)
    with pytest.raises(ParameterError, match="^activation: the finite-size check needs a piecewise-linear"):
        kink_slopes("h**2 + 1")


def test_an_activation_on_spherical_branches_from_the_cli_and_its_sign_pipeline(capfd):
    """Hard tanh with a margin, which only the spheres decide (erf too: its RS capacity takes half a minute more):
    every verdict certified, P* in the table, and the sign pipeline consistent with C(P, n)^2 while rejecting both
    C(P, n + 1)^2 and the single perceptron's C(P, n)."""
    assert resolve_method("erf(h)") == "spheres" and resolve_method("relu(h)") == "patterns"
    assert resolve_method("Min(Max(h, -1), 1)") == "spheres" and resolve_method("relu(h)", "spheres") == "spheres"
    assert main(["verify", "tree-machine", "--set", "activation=Min(Max(h, -1), 1)", "--set", "kappa=0.5", "--set",
                 "n=2", "--trials", "6", "--json"]) == 0
    payload = json.loads(capfd.readouterr().out)
    assert payload["status"] == "success" and payload["params"]["kappa"] == 0.5
    assert "branch and bound over the branches' spheres" in payload["message"]
    assert payload["estimate"]["cover_p_value"] > 1e-3 and payload["estimate"]["cover_p_value_one_more_input"] < 1e-3
    assert [row["doubtful"] for row in payload["tables"]["table"]] == [0]
    stars = [row["p_star"] for row in payload["tables"]["instances"]]
    assert len(stars) == 6 and all(1 <= p < 24 for p in stars)
    frame = pd.DataFrame([sphere_instance("sign(h)", "ones", 0.0, 2, 6, 1, trial) for trial in range(256)])
    both, _ = prefix_cover_tests(frame, np.arange(3, 7), 2, branches=2)
    one_perceptron, _ = prefix_cover_tests(frame, np.arange(3, 7), 2, branches=1)
    assert both.p_value > 1e-3 and one_perceptron.p_value < 1e-3


def test_the_margin_is_an_output_margin_on_the_spheres():
    """P* falls as kappa rises (every witness at kappa' > kappa is one at kappa), and beyond the largest output
    sqrt(2) erf(|x|) can reach nothing is stored."""
    previous = None
    for kappa in (0.0, 0.3, 0.8):
        stars = [sphere_instance("erf(h)", "ones", kappa, 2, 24, 2, trial)["p_star"] for trial in range(4)]
        if previous is not None:
            assert all(s <= p for s, p in zip(stars, previous))
        previous = stars
    assert sphere_instance("erf(h)", "ones", 1.42, 2, 8, 2, 0)["p_star"] == 0


def test_three_branches_on_the_spheres_and_the_committee_pipeline(capfd):
    """K = 3: the sign with readout (1, 1, 1) is the committee machine, so on every instance its P* on the spheres
    equals the committee's exact enumeration, and differs from the parity machine's on some (the comparison has
    power); a declared hard tanh runs from the CLI with that pipeline."""
    from capacity.checks.committee import longest_storable_prefix as enumerated
    from capacity.checks.tree_machine import _draw, committee_pipeline_instance

    differs_from_parity = 0
    for trial in range(6):
        row = committee_pipeline_instance(2, 30, 4, trial)
        assert row["verdict"] == "certified" and row["enumeration_certified"]
        assert row["p_star"] == row["p_star_enumeration"]
        branches, labels = _draw(4, 3, 2, trial, 30)
        differs_from_parity += enumerated("parity", branches, labels)["p_star"] != row["p_star"]
    assert differs_from_parity > 0
    assert main(["verify", "tree-machine", "--set", "K=3", "--set", "activation=Min(Max(h, -1), 1)", "--set", "n=2",
                 "--trials", "6", "--json"]) == 0
    payload = json.loads(capfd.readouterr().out)
    assert payload["status"] == "success" and payload["params"]["K"] == 3
    assert payload["estimate"]["enumeration_mismatches"] == 0
    assert all(row["N"] == 6 for row in payload["tables"]["instances"])
    assert main(["verify", "tree-machine", "--set", "K=3", "--set", "activation=Min(Max(h, -1), 1)", "--set",
                 "n=3"]) == 2
    assert "n: must lie in [1, 2]" in capfd.readouterr().err
