"""Long checks (CI skips them; run with ``python -m pytest -m slow``)."""

import numpy as np
import pytest

import replica
from capacity.compare import margin_curve_summary
from capacity.experiments import max_margin_trials
from capacity.verify import verify

pytestmark = pytest.mark.slow


def test_default_verification_agrees_with_gardner():
    check = verify("gardner", progress=False)
    assert check.comparison.agree, check.message
    assert (check.trials.verdict == "certified").all()


def test_positive_margin_verification_agrees():
    check = verify("gardner", kappa=0.5, ns=(25, 50, 100), trials=60, progress=False)
    assert check.comparison.agree, check.message


def test_max_margin_curve_approaches_the_theory():
    """Mean certified max margin at load alpha converges to Gardner's kappa(alpha) as N grows."""
    loads = [0.5, 1.0, 1.5]
    theory = replica.theory("gardner").invert_capacity(loads)["kappa"]
    gaps = {}
    for n in (50, 400):
        summary = margin_curve_summary(max_margin_trials(n, loads, 12, seed=3, n_jobs=-1, progress=False))
        assert (summary.excluded == 0).all()
        gaps[n] = np.abs(summary["mean"].to_numpy() - theory)
    assert np.all(gaps[400] < 0.03), gaps
    assert gaps[400].mean() < gaps[50].mean()


def test_ising_enumeration_agrees_with_krauth_mezard():
    check = verify("ising-perceptron", progress=False)
    assert check.theory_quantities["capacity_criterion"] == "zero-entropy"
    assert check.comparison.agree, check.message


@pytest.mark.parametrize("kappa", [0.0, 0.5])
def test_sign_constrained_verification_agrees(kappa):
    check = verify("sign-perceptron", kappa=kappa, progress=False)
    assert check.comparison.agree, check.message
    assert (check.trials.verdict == "certified").all()
