"""Exhaustive enumeration for binary weights, against brute force and against certified LPs."""

import itertools

import numpy as np
import pytest

from capacity.ensembles import PerceptronEnsemble
from capacity.enumeration import longest_storable_prefix
from capacity.experiments import binary_critical_loads, critical_loads
from replica.errors import ParameterError


def brute_force(rows, kappa):
    n = rows.shape[1]
    best = 0
    for w in itertools.product([-1.0, 1.0], repeat=n):
        violated = np.flatnonzero(rows @ np.array(w) / np.sqrt(n) < kappa)
        best = max(best, int(violated[0]) if violated.size else rows.shape[0])
    return best


@pytest.mark.parametrize("kappa", [0.0, 0.4])
def test_matches_brute_force(kappa):
    for trial in range(12):
        rows = PerceptronEnsemble(7, seed=100 + trial).instance(0, 18).signed_patterns
        longest, tie = longest_storable_prefix(rows, kappa)
        assert not tie
        assert longest == brute_force(rows, kappa)


def test_binary_weights_store_no_more_than_continuous_ones():
    """Every binary w lies on the sphere |w|^2 = N, so each instance's binary critical load is at most the LP's."""
    binary = binary_critical_loads([10], 15, seed=4, progress=False)
    continuous = critical_loads([10], 15, seed=4, progress=False)
    assert (binary.verdict == "certified").all() and (continuous.verdict == "certified").all()
    assert (binary.p_star.to_numpy() <= continuous.p_star.to_numpy()).all()
    assert (binary.p_star.to_numpy() < continuous.p_star.to_numpy()).any()


def test_enumeration_size_limit():
    with pytest.raises(ParameterError, match="n: must lie in"):
        binary_critical_loads([30], 1, progress=False)
