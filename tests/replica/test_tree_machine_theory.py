"""Tree committee and parity machines (replica.tree_machine): RS capacity, large-K laws, stability."""

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.stats import norm

from replica import theory
from replica.errors import ParameterError
from replica.symbolic.codegen import compile_expression
from replica.symbolic.symbols import alpha, q
from replica.tree_machine import (TreeTheory, expected_cost, internal_representations, large_k_constant, rs_capacity,
                                  solve_committee, tree_free_entropy)
from tests.catalogue import LAWS


def test_rs_capacity_against_order_statistics_and_the_perceptron():
    assert rs_capacity("committee", 1) == pytest.approx(2.0, abs=1e-10)
    assert rs_capacity("parity", 1) == pytest.approx(2.0, abs=1e-10)
    # K = 3 committee by cases: one positive field (prob 3/8) flips the smaller of two negatives, none (1/8) the two
    # smallest of three: E C = 3/8 E min(X1, X2) + 1/8 (3 - E max(X1, X2, X3)), X = t^2 of a half-normal t
    tail = lambda x: 2 * norm.sf(x)  # noqa: E731  P(|t| > x)
    minimum_of_two = quad(lambda x: 2 * x * tail(x) ** 2, 0, np.inf, epsabs=1e-13)[0]
    maximum_of_three = quad(lambda x: 2 * x * (1 - (1 - tail(x)) ** 3), 0, np.inf, epsabs=1e-13)[0]
    assert expected_cost("committee", 3) == pytest.approx(3 / 8 * minimum_of_two + (3 - maximum_of_three) / 8,
                                                          rel=1e-9)
    assert expected_cost("parity", 2) == pytest.approx(minimum_of_two / 2, rel=1e-9)
    # the capacity is 1 / E C (Gardner's q -> 1 argument with the cheapest representation's cost): 4.0252 and 5.5039
    assert rs_capacity("committee", 3) == pytest.approx(1 / (3 / 8 * minimum_of_two + (3 - maximum_of_three) / 8),
                                                        rel=1e-9)
    assert rs_capacity("parity", 2) == pytest.approx(2 / minimum_of_two, rel=1e-9)


@pytest.mark.parametrize("rule, k", [("committee", 3), ("committee", 5), ("parity", 2), ("parity", 3)])
def test_expected_cost_against_brute_force_minimum_over_internal_representations(rule, k):
    """E C(t) = E min_{f(tau)=1} sum_k t_k^2 theta(-tau_k t_k), sampled directly over all representations."""
    t = np.random.default_rng(0).standard_normal((400_000, k))
    signs = np.array(internal_representations(rule, k), dtype=float)
    cost = np.min(np.sum(t[:, None, :] ** 2 * (t[:, None, :] * signs[None] < 0), axis=2), axis=1)
    assert abs(cost.mean() - expected_cost(rule, k)) < 4 * cost.std() / math.sqrt(len(cost))


def test_large_k_laws():
    ratios = [rs_capacity("committee", k) / math.sqrt(k) for k in (101, 10001, 10**7 - 1)]
    assert ratios[0] < ratios[1] < ratios[2] < large_k_constant("committee")
    committee_law, parity_law = LAWS["committee_large_K"][0], LAWS["parity_large_K"][0]
    assert large_k_constant("committee") == pytest.approx(committee_law, rel=1e-15)
    assert ratios[1] == pytest.approx(committee_law, rel=0.025)  # approached slowly
    assert ratios[2] == pytest.approx(committee_law, rel=0.001)  # measured 0.06% below at K = 1e7
    parity = [rs_capacity("parity", k) / k**2 for k in (10, 100, 1000)]
    assert parity[0] > parity[1] > parity[2] > large_k_constant("parity")
    assert parity[2] == pytest.approx(parity_law, rel=0.02)


def test_direct_quadrature_matches_the_engines_compiled_free_entropy():
    saddle, _ = tree_free_entropy("parity", 2)
    phi = compile_expression(saddle.reduced, (q, alpha), 201)
    dphi = compile_expression(saddle.stationarity, (q, alpha), 201)
    direct = TreeTheory("parity", 2, order=16)
    for overlap in (0.3, 0.6, 0.8):
        assert direct.free_entropy(overlap, 3.0) == pytest.approx(float(phi(overlap, 3.0)), rel=1e-6)
        assert direct.stationarity(overlap, 3.0) == pytest.approx(float(dphi(overlap, 3.0)), rel=1e-5, abs=1e-8)


def test_one_branch_is_gardners_perceptron():
    tree, gardner = TreeTheory("committee", 1, order=16), theory("gardner")
    for load in (0.5, 1.5):
        reference = gardner.saddle_point(load, kappa=0.0).value
        overlap = tree.saddle_point(load)
        assert overlap == pytest.approx(float(reference["q"]), rel=1e-8)
        assert tree.replicon(overlap, load) == pytest.approx(float(reference["replicon"]), rel=1e-6)


def test_free_entropy_diverges_with_the_q_to_one_coefficient():
    """(1 - q) phi(q) -> (1 - alpha/alpha_c)/2: the capacity condition, seen in the engine's free entropy."""
    tree = TreeTheory("parity", 2, order=24)
    capacity = rs_capacity("parity", 2)
    for load in (2.0, 4.0):
        near_one = [(1 - x) * tree.free_entropy(x, load) for x in (1 - 1e-3, 1 - 1e-4)]
        assert near_one[1] == pytest.approx((1 - load / capacity) / 2, abs=0.01)
        assert abs(near_one[1] - (1 - load / capacity) / 2) < abs(near_one[0] - (1 - load / capacity) / 2)


def test_parity_two_breaks_replica_symmetry_where_the_overlap_leaves_zero():
    tree = TreeTheory("parity", 2, order=16)
    assert tree.saddle_point(1.0) == 0.0
    # at q = 0 the only curvature is the cross term 4 phi(0)^2 = 2/pi: replicon 1 - 2 alpha (2/pi)^2 = 1 - 8 alpha/pi^2
    assert tree.replicon(0.0, 1.0) == pytest.approx(1 - 8 / math.pi**2, abs=1e-6)
    above = tree.saddle_point(2.0)
    assert above > 0.1 and tree.replicon(above, 2.0) < 0
    # towards capacity the replicon diverges like -1/(1 - q)
    values = [tree.replicon(x, 5.0) for x in (0.9, 0.95)]
    assert values[1] / values[0] == pytest.approx(2.0, rel=0.15)


def test_solve_committee_reports():
    report = solve_committee(3)
    assert report.status == "warning" and report.quantities["replicon_at_capacity"] == -math.inf
    assert report.quantities["alpha_c_RS"] == pytest.approx(rs_capacity("committee", 3))
    assert solve_committee(1).quantities["rs_stability_at_capacity"] == "marginal"
    with pytest.raises(ParameterError, match="K"):
        solve_committee(4)
    with pytest.raises(ParameterError, match="rule"):
        solve_committee(3, "xor")
    with pytest.raises(ParameterError, match="K"):
        TreeTheory("committee", 5)
    with pytest.raises(ParameterError, match="alpha"):
        TreeTheory("parity", 2).saddle_point(6.0)


def test_a_rule_given_by_its_truth_table_has_the_named_rule_s_replicon():
    """The truth table "0110" (the parity's negation: f(-tau) = f(tau), so both labels are averaged) and the
    replicon's full K x K matrix give the parity machine's alpha_AT = pi^2/8 (Barkai, Hansel & Kanter 1990)."""
    declared = TreeTheory("0110", 2, order=8, capacity=rs_capacity("parity", 2))
    assert declared.signs.keys() == {1, -1}
    assert declared.instability_load() == pytest.approx(math.pi**2 / 8, abs=1e-6)
    assert declared.free_entropy(0.5, 3.0) == pytest.approx(TreeTheory("parity", 2, order=8).free_entropy(0.5, 3.0),
                                                            rel=1e-12)


def test_the_replicon_is_refused_where_it_is_not_integrated():
    from replica.tree_machine import solve_tree_machine

    with pytest.raises(ParameterError, match="^replicon: is computed for .* K <= 2 branches; got K = 3, rule"):
        solve_tree_machine(3, "and", replicon=True, samples=1000)
    with pytest.raises(ParameterError, match="^replicon: .*got K = 2, g\\(h\\) = erf\\(h\\) \\(MonotoneTreelike\\)"):
        solve_tree_machine(2, activation="erf(h)", replicon=True, samples=1000)
    with pytest.raises(ParameterError, match="^replicon: .*QuadricSet"):
        solve_tree_machine(2, activation="h**2", readout="alternating", replicon=True, samples=1000)
