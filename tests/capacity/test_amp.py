"""GAMP at finite N against state evolution and the replica fixed points (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019)."""

import numpy as np
import pytest

from capacity.amp import run_amp
from replica.errors import ParameterError
from replica.glm import glm_model, solve_glm
from replica.theory import theory


def _runs(prior, channel, n, alpha, seeds, iterations, **params):
    frames = [run_amp(prior, channel, n, alpha, iterations=iterations, seed=s, **params) for s in seeds]
    overlaps = np.array([f["overlap"].to_numpy() for f in frames])
    return overlaps.mean(axis=0), overlaps.std(axis=0, ddof=1) / np.sqrt(len(seeds)), frames[0]


def test_trajectory_follows_state_evolution():
    """Rademacher teacher, sign channel, alpha = 1: the mean overlap per iteration over 8 instances at N = 2000
    is within 4 standard errors (plus 0.01 for O(1/N) effects) of the state-evolution iterate."""
    mean, sem, frame = _runs("rademacher", "sign", 2000, 1.0, range(8), 12)
    se = frame["state_evolution"].to_numpy()
    assert np.all(np.abs(mean[1:] - se[1:]) <= 4 * sem[1:] + 0.01), (mean, se)
    assert se[0] == 0.0 and mean[0] == 0.0


def test_gaussian_linear_reaches_the_mmse():
    mean_overlap, sem, frame = _runs("gaussian", "linear", 2000, 1.5, range(6), 20, Delta=0.3)
    theory = solve_glm("gaussian", "linear", 1.5, Delta=0.3).quantities
    assert abs(mean_overlap[-1] - theory["overlap"]) <= 4 * sem[-1] + 0.01
    assert abs(frame["mse"].iloc[-1] - theory["mmse"]) < 0.05


def test_amp_is_stuck_in_the_hard_phase_and_recovers_above_the_spinodal():
    """Between alpha_IT (1.245, Gyorgyi 1990) and alpha_alg (1.493, Barbier et al. 2019) AMP stays on the
    uninformative branch; above it recovers."""
    hard = solve_glm("rademacher", "sign", 1.4).quantities
    assert hard["overlap"] == 1.0
    limit = theory(glm_model("rademacher", "sign")).state_evolution(1.4, steps=400)[-1]
    assert hard["amp_overlap"] == pytest.approx(limit, abs=1e-9) and limit < 1
    mean, sem, _ = _runs("rademacher", "sign", 2000, 1.4, range(6), 40)
    assert abs(mean[-1] - hard["amp_overlap"]) <= 4 * sem[-1] + 0.02
    easy, _, _ = _runs("rademacher", "sign", 2000, 1.8, range(3), 40)
    assert easy[-1] > 0.99


def test_amp_parameter_errors():
    with pytest.raises(ParameterError, match="Delta"):
        run_amp("gaussian", "linear", 100, 1.0)
    with pytest.raises(ParameterError, match="n: must lie in"):
        run_amp("gaussian", "sign", 5, 1.0)
    with pytest.raises(ParameterError, match="entries exceed"):
        run_amp("gaussian", "sign", 100_000, 1.0)


def test_verify_glm_checks_amp_and_ridge_by_cvxpy():
    from capacity.checks.glm import verify_glm

    check = verify_glm("gaussian", "linear", 1.0, n=1000, trials=4, Delta=0.2)
    assert check.agree, check.message
    # cvxpy and the closed form are the same estimator
    assert check.estimate["ridge_largest_estimator_difference"] < 1e-5
    assert abs(check.estimate["ridge_mse_cvxpy"] - check.theory["mmse"]) < 0.05
    assert list(check.tables["trajectory"].columns) == ["t", "amp_mean", "amp_standard_error", "state_evolution"]
