"""Group-invariant readouts: N_0 from the group-average projector, and certified verdicts against Cover with N_0."""

import json
import math

import numpy as np
import pytest

from capacity.cli import main
from capacity.verify_invariant import verify_invariant
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


def test_invariant_separability_follows_cover_with_n0_not_n():
    result = verify_invariant(cyclic_shifts(12, 3), trials=150, seed=2)
    assert result["N_0"] == 3 and result["P_c"] == 6 and result["doubtful"] == 0
    assert result["status"] == "success" and result["p_value_N0"] > 1e-3
    assert result["p_value_N"] < 1e-6  # the test can tell N_0 from N
    at_capacity = result["table"].set_index("p").loc[6]
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
