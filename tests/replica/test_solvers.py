"""The vectorised root finder and the shared result vocabulary."""

import json

import numpy as np
import pytest

from replica.errors import ConvergenceError
from replica.solvers import Status, find_roots


def test_roots_with_status_per_point():
    solution = find_roots(lambda x, a: x**2 - a, 0.0, 3.0, (np.array([1.0, 2.0, 16.0]),))
    np.testing.assert_allclose(solution["x"][:2], [1.0, np.sqrt(2)], rtol=1e-14)
    assert list(solution.status) == [Status.SUCCESS, Status.SUCCESS, Status.NO_BRACKET]
    assert np.isnan(solution["x"][2])
    assert not solution.success
    assert "1/3 the equation does not change sign" in solution.message
    json.dumps(solution.to_dict())  # JSON-safe


def test_throw_raises_with_the_result_attached():
    with pytest.raises(ConvergenceError) as info:
        find_roots(lambda x: x**2 + 1, -1.0, 1.0, throw=True)
    assert info.value.result.status[()] == Status.NO_BRACKET


def test_iteration_limit_is_a_status():
    solution = find_roots(lambda x: x - 0.123456789, 0.0, 1.0, max_iter=2)
    assert solution.status[()] == Status.MAX_ITERATIONS
