"""Finite-size check of a declared convex storing set (capacity.storing_sets): certified critical loads against
the RS capacity 1/E dist(z, C)^2, with the power to reject a wrong one."""

import numpy as np
import pytest

from capacity.checks.base import Execution
from capacity.compare import compare
from capacity.estimates import extrapolate, threshold_estimates
from capacity.storing_sets import scaled_rows, verify_storing_set
from replica.errors import ParameterError
from replica.field_sets import Polyhedron, expected_squared_distance

RANKED = Polyhedron([[1, -1, 0], [0, 1, -1]], [0.5, 0.5])  # h_1 >= h_2 + 1/2 >= h_3 + 1


def test_the_scaled_rows_are_the_fields_over_the_offsets():
    inputs = np.random.default_rng(0).standard_normal((4, 3, 7))
    u = np.random.default_rng(1).standard_normal(7)
    fields = inputs @ u  # (patterns, m)
    rows = scaled_rows(RANKED, inputs)
    expected = (fields @ RANKED.matrix.T) / RANKED.offset  # (patterns, rows of G), pattern by pattern
    assert np.allclose(rows @ u, expected.ravel())


def test_a_declared_polyhedron_agrees_with_its_certified_critical_loads_and_rejects_another():
    result = verify_storing_set(RANKED, ns=(40, 80, 160), trials=30, execution=Execution(n_jobs=1, progress=False))
    assert result.status == "success", result.message
    assert result.estimate["doubtful_instances"] == 0 and (result.tables["instances"].verdict == "certified").all()
    # the same measurements reject the capacity of the set with a smaller margin
    looser = expected_squared_distance(Polyhedron(RANKED.matrix, [0.3, 0.3]), samples=200_000).capacity
    extrapolation = extrapolate(threshold_estimates(result.tables["instances"]))
    assert not compare("alpha_c", looser, extrapolation).agree


def test_the_check_refuses_sets_it_cannot_decide():
    with pytest.raises(ParameterError, match="^offset: must be positive"):
        verify_storing_set(Polyhedron([[1.0]], [0.0]))
    with pytest.raises(ParameterError, match="^n: needs at least two different sizes"):
        verify_storing_set(RANKED, ns=(40, 40))
