"""Long checks (CI skips them; run with ``python -m pytest -m slow``)."""

import numpy as np
import pytest

import replica
from capacity.compare import margin_curve_summary
from capacity.experiments import max_margin_trials
from capacity.checks.perceptron import verify

pytestmark = pytest.mark.slow


def test_default_verification_agrees_with_gardner():
    check = verify("gardner", progress=False)
    assert check.status == "success", check.message
    assert (check.tables["instances"].verdict == "certified").all()


def test_positive_margin_verification_agrees():
    check = verify("gardner", kappa=0.5, ns=(25, 50, 100), trials=60, progress=False)
    assert check.status == "success", check.message


def test_max_margin_curve_approaches_the_theory():
    """Mean certified max margin at load alpha converges to Gardner's kappa(alpha) as N grows."""
    loads = [0.5, 1.0, 1.5]
    theory = replica.theory("gardner").invert_capacity(loads)["kappa"]
    gaps = {}
    for n in (50, 400):
        summary = margin_curve_summary(max_margin_trials(n, loads, 12, seed=3, n_jobs=-1, progress=False))
        assert (summary.excluded == 0).all()
        gaps[n] = np.abs(summary["mean"].to_numpy() - theory)
    assert np.all(gaps[400] < 0.03), gaps
    assert gaps[400].mean() < gaps[50].mean()


def test_ising_enumeration_agrees_with_krauth_mezard():
    check = verify("ising-perceptron", progress=False)
    assert check.theory["capacity_criterion"] == "zero-entropy"
    assert check.status == "success", check.message


@pytest.mark.parametrize("kappa", [0.0, 0.5])
def test_sign_constrained_verification_agrees(kappa):
    check = verify("sign-perceptron", kappa=kappa, progress=False)
    assert check.status == "success", check.message
    assert (check.tables["instances"].verdict == "certified").all()


def test_committee_three_overlap_reaches_one_at_the_rs_capacity_and_replica_symmetry_breaks():
    """K = 3 tree committee, finite-overlap numerics (a 3-fold quadrature): the saddle approaches q = 1 as alpha
    approaches 1/E C, and the replicon along it turns negative below capacity."""
    from replica.tree_machine import TreeTheory, rs_capacity

    tree = TreeTheory("committee", 3, order=6)
    top = rs_capacity("committee", 3)
    near = tree.saddle_point(0.98 * top)
    assert 0.99 < near < 1
    assert (1 - near) < (1 - tree.saddle_point(0.9 * top)) / 3
    assert tree.replicon(near, 0.98 * top) < 0


def test_kernel_curve_verification_with_more_trials():
    from capacity.checks.kernel_curve import verify_kernel_curve

    result = verify_kernel_curve(trials=200, seed=11)
    assert result.status == "success", result.message


def test_committee_and_parity_enumeration_with_more_instances():
    from capacity.checks.committee import verify_committee

    for rule in ("committee", "parity"):
        result = verify_committee(3, rule, sizes=(2, 3), trials=60, seed=5)
        assert result.status == "success", result.message


def test_gardner_saddle_within_1e_8_of_capacity_against_mpmath():
    """The reduced stationarity stays well conditioned up to capacity: at alpha = alpha_c (1 - 1e-8), kappa = 0,
    1 - q agrees with the root of dphi/dq computed with mpmath at 40 digits to 1e-5 relative (measured 1e-6)."""
    import mpmath as mp

    mp.mp.dps = 40
    load = 2 * (1 - mp.mpf("1e-8"))
    solution = replica.theory("gardner").saddle_point(float(load), kappa=0.0)
    assert solution.success

    def free_entropy(log_gap):
        q = 1 - mp.exp(log_gap)
        energetic = mp.quad(lambda z: mp.npdf(z) * mp.log(mp.erfc(mp.sqrt(q) * z / mp.sqrt(2 * (1 - q))) / 2),
                            [-mp.inf, 0, mp.inf])
        return mp.log(1 - q) / 2 + q / (2 * (1 - q)) + load * energetic

    root = mp.findroot(lambda u: mp.diff(free_entropy, u), mp.log(1 - float(solution["q"])))
    assert (1 - float(solution["q"])) == pytest.approx(float(mp.exp(root)), rel=1e-5)


@pytest.mark.slow
def test_and_and_or_machines_break_replica_symmetry_at_the_same_load():
    """OR(tau) = -AND(-tau): the two rules have the same free entropy, so the same alpha_AT, below the RS capacity;
    the quadrature orders 10 and 14 agree within the 1 % the report requires."""
    from replica.tree_machine import solve_tree_machine

    reports = [solve_tree_machine(2, rule, replicon=True) for rule in ("and", "or")]
    values = [r.quantities["alpha_AT"] for r in reports]
    assert values[0] == pytest.approx(values[1], rel=1e-3)
    assert all(r.quantities["alpha_AT_quadrature_change"] < 0.01 * r.quantities["alpha_AT"] for r in reports)
    assert all(r.quantities["alpha_AT"] < r.quantities["alpha_c_RS"] for r in reports)


def test_declared_activations_get_their_replica_symmetry_breaking_load():
    """From the CLI's family, declared by an activation: |h1| > |h2| is the K = 2 parity machine turned by 45
    degrees, so alpha_AT = pi^2/8 (Barkai, Hansel & Kanter 1990), where the overlap leaves zero; the hard tanh pair
    breaks replica symmetry just below its RS capacity; the alternating ReLU pair stores each label on a convex
    set, so it stays stable up to capacity. Every one converged between the two quadrature orders."""
    family = replica.family("tree-machine")
    turned = family.solve(K=2, activation="abs(h)", readout="alternating", replicon=True)
    assert turned.quantities["alpha_AT"] == pytest.approx(np.pi**2 / 8, abs=1e-5)
    hard_tanh = family.solve(K=2, activation="Min(Max(h, -1), 1)", replicon=True)
    assert 0.95 * hard_tanh.quantities["alpha_c"] < hard_tanh.quantities["alpha_AT"] < hard_tanh.quantities["alpha_c"]
    assert not hard_tanh.quantities["rs_stable_up_to_capacity"]
    relu = family.solve(K=2, activation="Max(h, 0)", readout="alternating", replicon=True)
    assert relu.quantities["rs_stable_up_to_capacity"]
    for report in (turned, hard_tanh, relu):
        assert report.quantities["alpha_AT_quadrature_change"] < 1e-3 * report.quantities["alpha_AT"]
