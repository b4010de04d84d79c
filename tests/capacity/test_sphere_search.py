"""Branch and bound on the branches' spheres (capacity.sphere_search): the activation's exact range over intervals,
the verdicts against an independent dense grid of angles (n = 2), a deliberately loosened bound caught by that
grid, and identities between activations that must store the same patterns."""

import numpy as np
import pytest

from capacity import sphere_search
from capacity.sphere_search import ActivationBounds, search_spheres, sphere_charts
from replica.errors import ParameterError

ONES, ALTERNATING = np.array([1.0, 1.0]), np.array([1.0, -1.0])


def _instance(n, patterns, trial):
    rng = np.random.default_rng([23, n, trial])
    return [rng.standard_normal((patterns, n)) for _ in range(2)], rng.choice([-1.0, 1.0], size=patterns)


@pytest.mark.parametrize("activation, limits", [("relu(h)", None), ("Min(Max(h, -1), 1)", None), ("h**2 - 1", None),
                                                ("erf(h)", None), ("tanh(2*h) + 0.3", None), ("h**3", None),
                                                ("sign(h)", (-1.0, 1.0)), ("h - 2*sign(h)", (2.0, -2.0))])
def test_the_range_over_an_interval_is_that_of_a_dense_sampling(activation, limits):
    """min and max of g over [l, u] against 20001 points of the interval, within what g (Lipschitz constant at
    most 48 on [-4, 4]) can do between two points; across a jump at 0 the bounds reach the one-sided limits
    ``limits`` (g(0-), g(0+)), a supremum approached, never attained."""
    bounds = ActivationBounds(activation, 4.0)
    rng = np.random.default_rng(0)
    low = rng.uniform(-4, 4, 300)
    high = np.minimum(low + rng.exponential(1.0, 300), 4.0)
    smallest, largest = bounds.bounds(low, high)
    grid = low[:, None] + (high - low)[:, None] * np.linspace(0, 1, 20001)[None, :]
    values = bounds.values(grid)
    assert np.all(smallest <= values.min(axis=1) + 1e-12) and np.all(largest >= values.max(axis=1) - 1e-12)
    across = (low < 0) & (high > 0) if limits is not None else np.zeros(len(low), dtype=bool)
    step = 48 * np.max(high - low) / 20000
    assert np.all(values.min(axis=1)[~across] - smallest[~across] <= step)
    assert np.all(largest[~across] - values.max(axis=1)[~across] <= step)
    if limits is not None:
        assert across.sum() > 10
        assert np.all(largest[across] >= max(limits)) and np.all(smallest[across] <= min(limits))
        assert np.all(largest[across] <= values.max(axis=1)[across] + step + abs(limits[0] - limits[1]))


def test_an_activation_the_bounds_do_not_cover_is_refused_by_name():
    with pytest.raises(ParameterError, match="^activation: the search on the spheres bounds g"):
        ActivationBounds("sin(3*h)", 4.0)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_the_cube_faces_chart_the_sphere(n):
    axis, sign, free = sphere_charts(n)
    assert len(axis) == 2 * n and free.shape == (2 * n, n - 1)
    for f in range(2 * n):
        assert sorted([axis[f], *free[f]]) == list(range(n))
    rng = np.random.default_rng(1)  # every unit vector lies on the face of its largest coordinate
    u = rng.standard_normal((50, n))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    faces = np.array([2 * np.argmax(np.abs(x)) + (x[np.argmax(np.abs(x))] < 0) for x in u])
    coordinates = np.array([x[free[f]] / abs(x[axis[f]]) for x, f in zip(u, faces)]).reshape(50, n - 1)
    assert np.all(np.abs(coordinates) <= 1)
    np.testing.assert_allclose(sphere_search._unit_vectors(faces, coordinates, (axis, sign, free)), u, atol=1e-12)


def _best_margin_on_a_grid(branches, labels, activation, readout, points=1500):
    """max over a grid of angles (u_k = (cos t_k, sin t_k)) of min_mu y K^{-1/2} sum_k c_k g(u_k . x_k)."""
    angles = np.linspace(0, 2 * np.pi, points, endpoint=False)
    units = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    fields = [units @ x.T for x in branches]  # (points, P) per branch
    terms = [labels[None, :] * c * activation.values(f) / np.sqrt(2) for c, f in zip(readout, fields)]
    best = -np.inf
    for row in range(points):  # branch 1 at one angle, branch 2 at all of them
        best = max(best, float(np.max(np.min(terms[0][row][None, :] + terms[1], axis=1))))
    return best


CASES = [("erf(h)", ONES, 0.3), ("Min(Max(h, -1), 1)", ALTERNATING, 0.0), ("relu(h)", ALTERNATING, 0.1),
         ("h**2", ALTERNATING, 0.0)]


@pytest.mark.parametrize("activation, readout, kappa", CASES)
def test_verdicts_agree_with_a_dense_grid_of_angles(activation, readout, kappa):
    """n = 2: a witness stores every pattern through the network; an empty verdict has no grid point above the
    margin; a grid point clearly above it means stored. Both verdicts occur."""
    verdicts = []
    for trial in range(3):
        branches, labels = _instance(2, 12, trial)
        bounds = ActivationBounds(activation, 6.0)
        for p in (3, 6, 9, 12):
            prefix = [x[:p] for x in branches]
            verdict, units, _ = search_spheres(prefix, labels[:p], bounds, readout, kappa)
            best = _best_margin_on_a_grid(prefix, labels[:p], bounds, readout)
            assert verdict in ("stored", "empty")
            if verdict == "stored":
                output = sum(c * bounds.values(x @ u) for c, x, u in zip(readout, prefix, units)) / np.sqrt(2)
                assert np.all(np.abs(np.linalg.norm(units, axis=1) - 1) < 1e-12)
                assert np.all(labels[:p] * output > kappa)
            else:
                assert best <= kappa + 1e-9
            if best > kappa + 1e-3:
                assert verdict == "stored"
            verdicts.append(verdict)
    assert {"stored", "empty"} <= set(verdicts)


def test_a_loosened_bound_is_caught_by_the_grid(monkeypatch):
    """The same comparison rejects a search whose bound on the fields is ten times too tight: it discards boxes
    that hold storing weights and calls storable prefixes empty."""
    bounds = ActivationBounds("erf(h)", 6.0)
    original = ActivationBounds.bounds

    def too_tight(self, low, high):
        middle, half = (low + high) / 2, (high - low) / 20
        return original(self, middle - half, middle + half)

    contradictions = 0
    monkeypatch.setattr(ActivationBounds, "bounds", too_tight)
    for trial in range(6):
        branches, labels = _instance(2, 10, trial)
        for p in (4, 6):
            prefix = [x[:p] for x in branches]
            verdict, _, _ = search_spheres(prefix, labels[:p], bounds, ONES, 0.3)
            if verdict == "empty" and _best_margin_on_a_grid(prefix, labels[:p], bounds, ONES) > 0.3 + 1e-3:
                contradictions += 1
    assert contradictions > 0


def test_odd_increasing_activations_store_what_the_identity_stores():
    r"""K = 2, readout (1, 1), margin 0: g(h_1) + g(h_2) > 0 iff h_1 > -h_2 for an odd, strictly increasing g, so
    erf, tanh(2h) and h^3 store exactly the patterns the identity stores, instance by instance (the spherical norms
    keep the identity from being Cover's perceptron); hard tanh, flat beyond |h| = 1, stores no more."""
    from capacity.checks.tree_machine import sphere_instance

    for n in (2, 3):
        for trial in range(4):
            identity = sphere_instance("h", "ones", 0.0, n, 16, 5, trial)
            assert identity["verdict"] == "certified"
            for activation in ("erf(h)", "tanh(2*h)", "h**3"):
                assert sphere_instance(activation, "ones", 0.0, n, 16, 5, trial)["p_star"] == identity["p_star"]
            hard = sphere_instance("Min(Max(h, -1), 1)", "ones", 0.0, n, 16, 5, trial)
            assert hard["p_star"] <= identity["p_star"]


def test_spherical_norms_store_no_more_than_free_norms():
    """The same instances by the two methods: fixing each branch's norm restricts the network, so P* on the spheres
    never exceeds P* with free norms (the activation patterns), and the restriction shows on some instance."""
    from capacity.checks.tree_machine import sphere_instance, treelike_instance

    gaps = []
    for activation in ("relu(h)", "h"):
        for trial in range(8):
            free = treelike_instance(activation, "alternating", 2, 16, 3, trial)
            sphere = sphere_instance(activation, "alternating", 0.0, 2, 16, 3, trial)
            assert {sphere["verdict"], free["verdict"]} <= {"certified", "saturated"}  # saturated: P* >= 16
            gaps.append(free["p_star"] - sphere["p_star"])
    assert min(gaps) >= 0 and max(gaps) > 0


def test_a_box_budget_too_small_gives_doubtful():
    branches, labels = _instance(3, 12, 0)
    verdict, units, boxes = search_spheres(branches, labels, ActivationBounds("erf(h)", 6.0), ONES, 0.0,
                                           max_boxes=50)
    assert (verdict, units) == ("doubtful", None) and boxes <= 50
