"""Storage problems declared by their storing set (replica.field_sets): exact projections, closed forms, the
one-dimensional reductions of the committee and parity machines, the associative memory's order statistics, and
the infinite-width law of treelike networks."""

import math

import cvxpy as cp
import numpy as np
import pytest

import replica
from replica.errors import ParameterError
from replica.field_sets import (
    BooleanRule, CompetitorSet, MonotoneTreelike, Piece, Polyhedron, PolyhedronUnion, QuadricSet, TreelikeNetwork, expected_squared_distance, gardner_cost,
    infinite_width_capacity,
)
from replica.lam import competitor_cost
from replica.tree_machine import rs_capacity

#: 2 pi / (pi - 2): the set {|h_1| >= |h_2|} (label +), a union of two quarter-planes. E(|h_2| - |h_1|)_+^2 / 2 =
#: (1 - 2/pi) / 2 with E|h| = sqrt(2/pi).
ABSOLUTE_PAIR = 2 * math.pi / (math.pi - 2)


def within(estimate, value, sigmas=3.0):
    return abs(estimate.capacity - value) <= sigmas * estimate.capacity_error


def test_the_projection_onto_a_piece_is_the_convex_program_s_optimum():
    rng = np.random.default_rng(7)
    for _ in range(40):
        m = int(rng.integers(1, 5))
        lower = np.where(rng.random(m) < 0.4, -np.inf, rng.normal(size=m) - 1)
        upper = np.where(rng.random(m) < 0.4, np.inf, np.nan_to_num(lower, neginf=-3.0) + 2 * np.abs(rng.normal(size=m)))
        normal, offset = rng.normal(size=m) * (rng.random(m) < 0.8), float(rng.normal())
        points = 2 * rng.normal(size=(3, m))
        found = Piece(lower, upper, normal, offset).squared_distance(points)
        for z, distance in zip(points, found):
            x = cp.Variable(m)
            constraints = [normal @ x >= offset]
            constraints += [x[k] >= lower[k] for k in range(m) if np.isfinite(lower[k])]
            constraints += [x[k] <= upper[k] for k in range(m) if np.isfinite(upper[k])]
            problem = cp.Problem(cp.Minimize(cp.sum_squares(x - z)), constraints)
            problem.solve(solver="CLARABEL")
            reference = problem.value if problem.status == "optimal" else np.inf
            if np.isinf(reference):
                assert np.isinf(distance)
            else:
                assert distance == pytest.approx(reference, rel=1e-5, abs=1e-6)


def test_one_field_and_one_orthant_are_gardner_in_closed_form():
    # Gardner (1988): 1/alpha_c(kappa) = E (kappa - z)_+^2; alpha_c(0.5) = 0.96121 to five decimals
    assert 1 / gardner_cost(0.5) == pytest.approx(0.96121, abs=5e-6)
    single = expected_squared_distance(BooleanRule("01", 1, kappa=0.5))
    assert single.exact and single.capacity == pytest.approx(0.96121, abs=5e-6)
    # one half-space, declared as a polyhedron or as a linear treelike network: one standard field
    assert expected_squared_distance(Polyhedron([[3.0, 4.0]], [2.5])).capacity == pytest.approx(0.96121, abs=5e-6)
    linear = expected_squared_distance(TreelikeNetwork("2*h", 3, kappa=1.0))  # the margin is on the output
    assert linear.exact and linear.capacity == pytest.approx(0.96121, abs=5e-6)
    # the AND of three signs stores label +1 in one orthant only, the label -1 in a union: not closed form
    assert not BooleanRule("and", 3).convex() and BooleanRule("and", 3).exact_expected_squared_distance() is None


@pytest.mark.parametrize("rule, k", [("committee", 3), ("parity", 2), ("parity", 3), ("committee", 5)])
def test_a_rule_s_storing_set_gives_the_one_dimensional_reduction(rule, k):
    estimate = expected_squared_distance(BooleanRule(rule, k), samples=200_000, seed=1)
    assert within(estimate, rs_capacity(rule, k))
    assert estimate.capacity_error < 0.01 * estimate.capacity


def test_the_distance_test_rejects_another_rule_s_capacity():
    committee = expected_squared_distance(BooleanRule("committee", 3), samples=200_000, seed=1)
    assert not within(committee, rs_capacity("parity", 2))
    assert not within(committee, rs_capacity("committee", 5))


def test_a_truth_table_is_the_named_rule():
    assert BooleanRule("0001", 2).outputs == BooleanRule("and", 2).outputs
    assert BooleanRule("1001", 2).outputs == BooleanRule("parity", 2).outputs
    assert BooleanRule("00010111", 3).outputs == BooleanRule("committee", 3).outputs
    with pytest.raises(ParameterError, match="^rule: must be one of committee, parity, and, or or a truth table of"):
        BooleanRule("0101x", 2)
    with pytest.raises(ParameterError, match="^rule: never outputs -1"):
        BooleanRule("1111", 2)
    with pytest.raises(ParameterError, match="^K: must be odd"):
        BooleanRule("committee", 4)


def test_treelike_sign_networks_are_committees_and_linear_ones_are_gardner():
    sign = expected_squared_distance(TreelikeNetwork("sign(h)", 3), samples=100_000, seed=2)
    assert within(sign, rs_capacity("committee", 3))
    for kappa in (0.0, 0.5):  # one half-space: sum_k h_k / sqrt(K) is one standard field
        linear = expected_squared_distance(TreelikeNetwork("h", 4, "alternating", kappa), samples=100_000, seed=3)
        assert within(linear, 1 / gardner_cost(kappa))


def test_relu_and_absolute_value_pairs_have_their_closed_forms():
    # ReLU, K = 2, readout (1, -1): C_+ = {h_1 >= 0, h_1 >= h_2}, a cone of angle 3 pi / 4, whose polar cone has
    # angle pi / 4: E dist^2 = 1/4 + 1/2 (statistical dimension of a planar cone), alpha = 4/3
    relu = expected_squared_distance(TreelikeNetwork("relu(h)", 2, "alternating"), samples=200_000, seed=4)
    assert within(relu, 4 / 3)
    assert not within(relu, infinite_width_capacity("relu(h)")["alpha_infinite_width"])
    # |h_1| - |h_2| and h_1^2 - h_2^2 have the same sign: the piecewise-linear and the quadric projections agree
    absolute = expected_squared_distance(TreelikeNetwork("Abs(h)", 2, "alternating"), samples=200_000, seed=5)
    quadratic = expected_squared_distance(QuadricSet("h**2", 2, "alternating"), samples=200_000, seed=5)
    assert within(absolute, ABSOLUTE_PAIR) and within(quadratic, ABSOLUTE_PAIR)


def test_the_quadric_projection_is_the_nearest_point_on_the_hyperbola():
    kappa = 0.4
    quadric = QuadricSet("h**2", 2, "alternating", kappa)
    rng = np.random.default_rng(8)
    points = rng.normal(size=(20, 2))
    found = quadric.squared_distance(points, 1)
    t = np.linspace(-8, 8, 400_001)  # the boundary (h_1^2 - h_2^2)/sqrt 2 = kappa: h_1 = +-sqrt(sqrt2 kappa + t^2)
    radius = np.sqrt(math.sqrt(2) * kappa + t**2)
    for z, distance in zip(points, found):
        inside = (z[0] ** 2 - z[1] ** 2) / math.sqrt(2) >= kappa
        nearest = 0.0 if inside else min(np.min((s * radius - z[0]) ** 2 + (t - z[1]) ** 2) for s in (1, -1))
        assert distance == pytest.approx(nearest, abs=1e-7)


def test_a_smooth_pair_s_boundary_projection_is_the_nearest_point():
    """erf with two branches: the boundary followed in x_1 against a dense grid of the plane, for both labels at
    kappa = 0.3; at kappa = 0 the odd activation's set is a half-plane (alpha = 2), through the family too."""
    from scipy.special import erf

    pair = MonotoneTreelike("erf(h)", 2, "ones", 0.3)
    points = 1.5 * np.random.default_rng(12).normal(size=(8, 2))
    grid = np.linspace(-8, 8, 2001)
    x1, x2 = np.meshgrid(grid, grid)
    for label in (1, -1):
        inside = label * (erf(x1) + erf(x2)) / math.sqrt(2) >= 0.3
        for z, distance in zip(points, pair.squared_distance(points, label)):
            nearest = np.min(((x1 - z[0]) ** 2 + (x2 - z[1]) ** 2)[inside])
            assert nearest - 0.02 <= distance <= nearest + 1e-9  # the plane grid's spacing is 0.008
    report = replica.family("tree-machine").solve(K=2, activation="tanh(h)", readout="alternating", samples=20_000)
    assert abs(report.quantities["alpha_c"] - 2.0) <= 3 * report.quantities["alpha_c_standard_error"]
    with pytest.raises(ParameterError, match="^activation: cos.* is not monotone"):
        MonotoneTreelike("cos(h)")
    with pytest.raises(ParameterError, match="^kappa: must lie below 1.41421"):  # erf saturates at 1: 2/sqrt 2
        MonotoneTreelike("erf(h)", 2, kappa=2.0)
    with pytest.raises(ParameterError, match="^readout: with g = log"):  # softplus > 0: a sum never negative
        MonotoneTreelike("log(1 + exp(h))", 3)


def _multistart_projection(z, weights, activation, kappa, starts, rng):
    """The nearest point of {sum_k w_k g(x_k) >= kappa} by SLSQP from ``starts`` random starts (an independent,
    slow optimiser)."""
    from scipy import optimize

    best = math.inf
    constraint = {"type": "ineq", "fun": lambda x: activation(x) @ weights - kappa}
    for _ in range(starts):
        result = optimize.minimize(lambda x: np.sum((x - z) ** 2), z + 2 * rng.normal(size=len(z)),
                                   constraints=[constraint], method="SLSQP", options={"ftol": 1e-13, "maxiter": 500})
        if result.success and constraint["fun"](result.x) >= -1e-10:
            best = min(best, result.fun)
    return best


@pytest.mark.parametrize("activation, k, readout, kappa, label", [("erf(h)", 3, "ones", 0.0, 1),
                                                                  ("tanh(h)", 4, "alternating", 0.2, -1),
                                                                  ("tanh(h)", 4, "alternating", 0.8, 1)])
def test_a_smooth_network_s_projection_is_bracketed_and_is_the_nearest_point(activation, k, readout, kappa, label):
    """K >= 3 smooth branches: on samples where the Lagrangian dual leaves a gap (and on others), the feasible point
    improved pair by pair is the nearest point a 30-start SLSQP finds, and the dual lies below it; without the pair
    sweeps the Lagrangian's feasible points are measurably farther, so the comparison would catch them. At
    kappa = 0.8 a field vector where the sweeps need their second start (the branches that have not jumped)."""
    field_set = MonotoneTreelike(activation, k, readout, kappa)
    z = np.random.default_rng(3).standard_normal((3000, k))
    if kappa == 0.8:  # pair sweeps from the Lagrangian's start alone stop at 18.43 here (the nearest point: 17.51)
        z[0] = [-2.458, 3.1, -0.699, -0.73]
    lower, upper = field_set.squared_distance_bounds(z, label)
    assert np.all(lower <= upper) and not field_set.exact_projection
    open_ = np.flatnonzero(upper - lower > 1e-6)
    assert 0.005 < len(open_) / len(z) < 0.2  # the duality gap is real, but for a minority of samples
    chosen = np.concatenate([open_[:10], np.flatnonzero((upper - lower <= 1e-6) & (upper > 0))[:4]])
    rng = np.random.default_rng(4)
    weights = label * field_set.readout / math.sqrt(k)
    nearest = np.array([_multistart_projection(z[i], weights, field_set._g, kappa, 30, rng) for i in chosen])
    assert np.allclose(upper[chosen], nearest, rtol=0, atol=1e-6)
    assert np.all(lower[chosen] <= nearest + 1e-9)
    unswept = MonotoneTreelike(activation, k, readout, kappa)
    unswept.SWEEPS = 0
    lagrangian_only = unswept.squared_distance_bounds(z[chosen], label)[1]
    assert np.max(lagrangian_only - nearest) > 1e-3


def test_a_smooth_network_s_bracket_holds_where_the_projection_is_exact():
    """K = 2 (boundary following, exact) and K = 1 (a half-line, in closed form) against the K >= 3 bracket's
    machinery: the dual never exceeds the exact distance and the swept point attains it."""
    pair = MonotoneTreelike("erf(h)", 2, "ones", 0.3)
    z = np.random.default_rng(5).standard_normal((2000, 2))
    exact = pair.squared_distance(z, 1)
    lower, upper = pair._bracket(z, pair._weights(1))
    assert np.all(lower <= exact + 1e-9) and np.allclose(upper, exact, rtol=0, atol=1e-7)
    assert np.mean(exact - lower) > 1e-3  # at K = 2 the Lagrangian alone would be far off
    from scipy.special import erfinv

    single = replica.family("tree-machine").solve(K=1, activation="erf(h)", kappa=0.3, samples=1000)
    assert single.status == "success" and single.quantities["alpha_c_standard_error"] == 0
    assert single.quantities["alpha_c"] == pytest.approx(1 / gardner_cost(erfinv(0.3)), rel=1e-6)


def test_a_single_smooth_branch_has_its_threshold_to_rounding_near_saturation():
    """K = 1 with tanh: the half-line's threshold is atanh(kappa); near saturation (g' ~ 2e-6 at kappa = 1 - 1e-6)
    interpolating the table of g alone was 3e-9 off. A margin beyond what g reaches on the table is refused by
    name, with the bound and the margin printed to enough digits to tell them apart."""
    for kappa in (0.5, 0.999999):
        threshold, upward = MonotoneTreelike("tanh(h)", 1, "ones", kappa)._half_line(1)
        assert upward and threshold == pytest.approx(math.atanh(kappa), abs=1e-11)
    with pytest.raises(ParameterError) as info:
        MonotoneTreelike("tanh(h)", 1, "ones", 1 - 1e-11)
    assert info.value.name == "kappa" and "0.99999999999" in str(info.value) and "|h| <= 12" in str(info.value)


def test_the_tree_machine_family_solves_a_smooth_network_with_more_branches():
    """erf with K = 3: the estimate lies between the pair-swept and the dual bounds it reports, between K = 2's
    half-plane (alpha = 2) and the infinite-width law, and is a warning (the level set is not convex)."""
    report = replica.family("tree-machine").solve(K=3, activation="erf(h)", samples=20_000, seed=1)
    q = report.quantities
    assert report.status == "warning" and "not convex" in report.message and "Lagrangian dual" in report.message
    assert q["expected_squared_distance_lower_bound"] <= q["expected_squared_distance"]
    assert 0 < q["projection_gap"] < q["expected_squared_distance_standard_error"]
    assert 2.0 + 3 * q["alpha_c_standard_error"] < q["alpha_c"] < q["alpha_infinite_width"]


def test_the_infinite_width_law():
    """alpha_oo = E g'^2 / E(kappa - sigma_g xi)_+^2: the perceptron for a linear g, 2 pi / (pi - 1) for ReLU
    (E g'^2 = 1/2, Var g = 1/2 - 1/(2 pi)), 4 for h^2 (E g'^2 = 4, Var g = 2), infinite for the sign."""
    assert infinite_width_capacity("h")["alpha_infinite_width"] == pytest.approx(2.0, rel=1e-9)
    assert infinite_width_capacity("h", 1.0)["alpha_infinite_width"] == pytest.approx(0.51957, abs=5e-6)
    assert infinite_width_capacity("relu(h)")["alpha_infinite_width"] == pytest.approx(2 * math.pi / (math.pi - 1),
                                                                                     rel=1e-9)
    assert infinite_width_capacity("h**2")["alpha_infinite_width"] == pytest.approx(4.0, rel=1e-9)
    assert infinite_width_capacity("sign(h)")["alpha_infinite_width"] == math.inf
    # finite K approaches it: ReLU with a centred readout, K = 2 (4/3), 4, 6
    values = [expected_squared_distance(TreelikeNetwork("relu(h)", k, "alternating"), samples=20_000, seed=6).capacity
              for k in (2, 4, 6)]
    limit = 2 * math.pi / (math.pi - 1)
    assert values[0] < values[1] < values[2] < limit and limit - values[2] < 0.2


def test_the_memory_s_projection_is_the_least_distance_program_s():
    """The decoupled memory's storing set {x_0 - x_nu >= kappa}: the closed-form projection (CompetitorSet, which
    replica.lam's order statistics use) equals the least-distance program's sample by sample, and its mean is
    F(p, kappa) of replica.lam."""
    p, kappa = 5, 0.5
    memory = CompetitorSet(p, kappa)
    z = np.random.default_rng(9).standard_normal((300, p))
    assert np.allclose(memory.squared_distance(z, 1), memory.polyhedron().squared_distance(z, 1), rtol=1e-9,
                       atol=1e-12)
    estimate = expected_squared_distance(memory, samples=200_000, seed=2)
    mean, error = competitor_cost(p, kappa, samples=200_000, seed=1)
    assert memory.convex() and abs(estimate.mean - mean) <= 3 * math.hypot(estimate.standard_error, error)
    wrong, _ = competitor_cost(p + 1, kappa, samples=200_000, seed=1)
    assert abs(estimate.mean - wrong) > 3 * math.hypot(estimate.standard_error, error)


def test_a_union_of_declared_polyhedra_is_the_or_rule():
    """{h_1 >= 0} or {h_2 >= 0}, declared as two polyhedra, is the OR rule's set for label +1 at kappa = 0."""
    union = PolyhedronUnion([Polyhedron([[1.0, 0.0]], [0.0]), Polyhedron([[0.0, 1.0]], [0.0])])
    z = np.random.default_rng(13).standard_normal((300, 2))
    assert not union.convex()
    assert np.allclose(union.squared_distance(z, 1), BooleanRule("or", 2).squared_distance(z, 1), atol=1e-12)
    with pytest.raises(ParameterError, match="^members: must share one field dimension"):
        PolyhedronUnion([Polyhedron([[1.0]], [0.0]), Polyhedron([[1.0, 0.0]], [0.0])])


def test_top_k_recall_is_the_cheapest_of_its_polyhedra():
    """Top-2 recall among p = 5 fields: the union over the exempt competitor of the memory's polyhedra; exempting
    the largest competitor is the cheapest piece, sample by sample. The memory module's order statistics give the
    same mean, and its solver reports the union's p_c as an RS estimate."""
    p, kappa = 5, 0.3
    union = CompetitorSet(p, kappa, top=2)
    z = np.random.default_rng(10).standard_normal((200, p))
    pieces = []
    for exempt in range(1, p):
        kept = [nu for nu in range(1, p) if nu != exempt]
        matrix = np.zeros((p - 2, p))
        matrix[:, 0] = 1.0
        matrix[np.arange(p - 2), kept] = -1.0
        pieces.append(Polyhedron(matrix, np.full(p - 2, kappa)).squared_distance(z, 1))
    assert not union.convex()
    assert np.allclose(union.squared_distance(z, 1), np.min(pieces, axis=0), rtol=1e-9, atol=1e-12)
    estimate = expected_squared_distance(union, samples=200_000, seed=3)
    mean, error = competitor_cost(p, kappa, samples=200_000, seed=1, recall=2)
    assert abs(estimate.mean - mean) <= 3 * math.hypot(estimate.standard_error, error)
    report = replica.family("lam").solve(d=10, recall=2, samples=20_000)
    assert report.status == "warning" and "union of polyhedra" in report.message
    assert report.quantities["p_c"] > replica.family("lam").solve(d=10, samples=20_000).quantities["p_c"]


def test_the_tree_machine_family_solves_a_declaration():
    family = replica.family("tree-machine")
    report = family.solve(K=3, rule="00010111", samples=100_000)
    assert report.quantities["alpha_c_reduction"] == pytest.approx(rs_capacity("committee", 3))
    assert report.status == "warning" and "union of convex pieces" in report.message
    linear = family.solve(K=2, activation="h", samples=1000)
    assert linear.status == "success" and linear.quantities["storing_set"] == "convex"
    with pytest.raises(ParameterError, match="^activation: give either a rule"):
        family.solve(rule="and", activation="relu(h)")
    with pytest.raises(ParameterError, match="^readout: with g = Max"):
        family.solve(K=2, activation="relu(h)")  # sum of ReLUs is never negative
    equations = family.derive(K=2, rule="and").text()
    assert "dist(z, C_+)**2" in equations and "Min(" in equations
