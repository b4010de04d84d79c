"""The kappa = 0 pipeline against Cover's exact finite-N probability C(P, N) (Cover 1965)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity.cover import cover_probability, cover_test, orthant_probability
from capacity.experiments import separability_trials


@pytest.mark.parametrize("n", [1, 2, 7, 50, 300])
def test_half_at_twice_the_dimension(n):
    assert cover_probability(2 * n, n) == 0.5


@given(st.integers(1, 60), st.integers(2, 60))
def test_cover_recursion(p, n):
    """C(P+1, N) = (C(P, N) + C(P, N-1)) / 2 (Cover 1965), and C = 1 for P <= N."""
    assert cover_probability(p + 1, n) == pytest.approx(
        (cover_probability(p, n) + cover_probability(p, n - 1)) / 2, rel=1e-12)
    if p <= n:
        assert cover_probability(p, n) == 1.0


def test_small_case_by_hand():
    # P = 3 points in R^2: C = 2^-2 (1 + 2) = 3/4
    assert cover_probability(3, 2) == 0.75
    assert cover_probability(4, 1) == pytest.approx(2.0**-3)


N = 10
PS = [12, 16, 20, 24, 28]
TRIALS = 200


@pytest.fixture(scope="module")
def pipeline_verdicts():
    return separability_trials(N, PS, TRIALS, seed=2024, progress=False)


def test_pipeline_reproduces_cover(pipeline_verdicts):
    result = cover_test(pipeline_verdicts, N)
    assert (result.table.doubtful == 0).all()
    assert result.consistent(1e-3), result.table


def test_the_test_rejects_a_wrong_dimension(pipeline_verdicts):
    """Power check: the same data must reject C(P, N +- 1) (an off-by-one pipeline, e.g. an added bias)."""
    assert cover_test(pipeline_verdicts, N, dimension=N + 1).p_value < 1e-3
    assert cover_test(pipeline_verdicts, N, dimension=N - 1).p_value < 1e-3


def test_a_pipeline_that_drops_a_coordinate_is_caught(monkeypatch):
    """Mutant pipeline with an off-by-one slice (the last coordinate zeroed): its law is C(P, N-1), and the test
    against C(P, N) must reject it. (A coordinate replaced by a constant would not be detectable: the points stay
    in general position and Cover's theorem is distribution-free.)"""
    from capacity import ensembles

    original = ensembles.PerceptronEnsemble.instance

    def dropped_coordinate(self, trial, p):
        inst = original(self, trial, p)
        patterns = inst.patterns.copy()
        patterns[:, -1] = 0.0
        return ensembles.Instance(patterns, inst.labels, inst.trial, inst.seed)

    monkeypatch.setattr(ensembles.PerceptronEnsemble, "instance", dropped_coordinate)
    mutant = separability_trials(N, PS, TRIALS, seed=2024, progress=False)
    assert cover_test(mutant, N).p_value < 1e-3
    assert cover_test(mutant, N, dimension=N - 1).consistent(1e-3)


@pytest.mark.parametrize("n", [1, 2, 5, 40])
def test_orthant_probability_is_half_at_the_dimension(n):
    assert orthant_probability(n, n) == 0.5
    assert orthant_probability(0, n) == 1.0


def test_orthant_probability_small_cases_by_hand():
    # N = 1: w > 0 separates iff every a_mu > 0, probability 2^-P
    for p in range(1, 6):
        assert orthant_probability(p, 1) == 2.0**-p
    # N = 2, P = 3: intrinsic volumes (1/4, 1/2, 1/4); C(3, 1) = 1/4, C(3, 2) = 3/4, C(3, 0) = 0
    assert orthant_probability(3, 2) == 0.5 * 0.25 + 0.25 * 0.75


def test_sign_constrained_pipeline_reproduces_the_orthant_count():
    """The w >= 0 programs against C_+(P, N), and the power check that it is not Cover's C(P, N)."""
    n, ps = 10, [6, 10, 14]
    verdicts = separability_trials(n, ps, 400, seed=77, nonnegative=True, progress=False)
    result = cover_test(verdicts, n, sign_constrained=True)
    assert (result.table.doubtful == 0).all()
    assert result.consistent(1e-3), result.table
    assert cover_test(verdicts, n).p_value < 1e-3
