"""Group-invariant readouts (replica.invariant): N_0 from the group-average projector, groups closed and refused."""

import math

import numpy as np
import pytest

from replica.errors import ParameterError
from replica.invariant import close_group, cyclic_shifts, fixed_basis, fixed_dimension, permutation_group, solve_invariant


@pytest.mark.parametrize("n, step", [(12, 1), (12, 3), (10, 5), (7, 7)])
def test_cyclic_shifts_fix_one_direction_per_residue_class(n, step):
    group = cyclic_shifts(n, step)
    assert len(group) == n // step and fixed_dimension(group) == step
    basis = fixed_basis(group)
    for g in group:  # invariant readouts: w^T rho(g) = w^T
        np.testing.assert_allclose(g.T @ basis, basis, atol=1e-12)


def test_permutation_and_matrix_groups():
    # a swap and a 3-cycle (S2 x C3) on six coordinates: orbits {0, 1}, {2, 3, 4}, {5}
    group = permutation_group(6, [[1, 0, 2, 3, 4, 5], [0, 1, 3, 4, 2, 5]])
    assert len(group) == 6 and fixed_dimension(group) == 3
    # rotations by 90 degrees of a plane, identity on a third axis: only the axis is fixed
    rotation = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    cyclic4 = close_group([rotation])
    assert len(cyclic4) == 4 and fixed_dimension(cyclic4) == 1
    report = solve_invariant(cyclic4)
    assert report.quantities["P_c"] == 2 and report.quantities["alpha_c"] == pytest.approx(2 / 3)
    with pytest.raises(ParameterError, match="closed"):
        fixed_dimension(cyclic4[:2])
    angle = math.sqrt(2)  # an irrational rotation generates an infinite group
    with pytest.raises(ParameterError, match="finite"):
        close_group([[[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]], max_order=500)
