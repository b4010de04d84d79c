"""The ERM check: the trained estimators at finite N against the learning curves, and the power of the comparison."""

import json

import pandas as pd
import pytest

from capacity.checks import Execution
from capacity.checks.erm import erm_agreement, verify_erm
from capacity.cli import main
from replica.erm import solve_erm


def test_logistic_regression_agrees_and_a_doubled_penalty_is_rejected():
    """Logistic loss, lambda = 0.1, alpha = 3, N = 1000, 6 instances (L-BFGS certified by its KKT residual): every
    quantity agrees, and the same instances reject the theory of lambda = 0.2 (the rule is three standard errors
    plus 1% and 2/N)."""
    check = verify_erm("logistic", 3.0, 0.1, n=1000, trials=6, seed=1, execution=Execution(n_jobs=2))
    assert check.status == "success", check.message
    instances = check.tables["instances"]
    assert (instances.verdict == "certified").all() and (instances.residual <= 1e-7).all()
    wrong = solve_erm("logistic", 3.0, 0.2).quantities
    rejected = erm_agreement(instances, wrong, 1000).set_index("quantity")
    assert not rejected.agree["m"] and not rejected.agree["q"]


def test_ridge_and_the_minimum_norm_interpolator_agree():
    for lam in (0.1, 0.0):
        check = verify_erm("square", 0.5, lam, channel="linear", noise=0.3, n=1000, trials=6, seed=2)
        assert check.status == "success", check.message
    assert check.theory["gen_error"] == pytest.approx(1.1, rel=1e-4)  # 1 - alpha + Delta alpha/(1 - alpha) + Delta


def test_max_margin_agrees_with_the_hinge_limit():
    """lambda = 0 with the hinge loss: the hard-margin program (cvxpy) against the lambda -> 0+ limit of the
    theory, at N = 300; the Bayes-optimal error lies below it."""
    check = verify_erm("hinge", 1.0, 0.0, n=300, trials=6, seed=3)
    assert check.status == "success", check.message
    assert check.theory["train_loss"] == 0 and check.estimate["train_loss_mean"] == 0
    assert check.theory["bayes_optimal_gen_error"] < check.theory["gen_error"]


def test_cli_verify_erm(capfd):
    code = main(["verify", "erm", "--set", "loss=square", "--set", "alpha=2", "--n", "400", "--trials", "8",
                 "--json"])
    payload = json.loads(capfd.readouterr().out)
    assert code == 0 and payload["model"] == "erm" and payload["params"]["lambda"] == 0.1
    comparison = pd.DataFrame(payload["tables"]["comparison"])
    assert set(comparison.quantity) == {"gen_error", "train_loss", "train_error", "m", "q"}
    assert main(["verify", "erm", "--n", "100", "200"]) == 2
    assert "one size" in capfd.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("loss, alpha, lam, channel, noise, n, trials", [
    ("logistic", 3.0, 0.05, "sign", 0.1, 2000, 6), ("logistic", 0.8, 1.0, "sign", 0.0, 2000, 6),
    ("hinge", 1.5, 0.1, "sign", 0.0, 2000, 6), ("hinge", 1.0, 0.0, "sign", 0.0, 2000, 4),  # the max-margin classifier
    ("square", 0.5, 0.5, "sign", 0.0, 2000, 6), ("square", 2.0, 0.01, "linear", 0.2, 2000, 6),
    ("absolute", 2.0, 0.1, "linear", 0.3, 1000, 6)])  # cvxpy's absolute loss at N = 2000 needs 4 GB a worker
def test_every_loss_agrees_at_large_n(loss, alpha, lam, channel, noise, n, trials):
    """N = 2000 for the four losses of the learning-curve literature (the max-margin: 2 minutes an instance in
    cvxpy), N = 1000 for the absolute loss."""
    check = verify_erm(loss, alpha, lam, channel=channel, noise=noise, n=n, trials=trials, seed=4,
                       execution=Execution(n_jobs=2))
    assert check.status == "success", check.message


def test_noisy_labels_stop_being_separable_at_the_interpolation_threshold():
    """Certified LP verdicts (the capacity programs) on noisy-sign data at N = 200: separable at 0.8 alpha_sep,
    not at 1.2 alpha_sep (alpha_sep = 2.385 at flip probability 0.2; 10 instances each)."""
    import numpy as np

    from capacity.programs import make_program
    from replica.erm import interpolation_threshold

    n, noise = 200, 0.2
    threshold = interpolation_threshold(noise)
    separable = {}
    for fraction in (0.8, 1.2):
        p, count = int(fraction * threshold * n), 0
        for trial in range(10):
            rng = np.random.default_rng([trial, p])
            teacher, patterns = rng.standard_normal(n), rng.standard_normal((p, n))
            labels = np.sign(patterns @ teacher) * np.where(rng.random(p) < noise, -1, 1)
            verdict = make_program(n, p, kappa=0.0).certify(labels[:, None] * patterns, 0.0).verdict
            count += str(getattr(verdict, "value", verdict)) == "separable"
        separable[fraction] = count
    assert separable[0.8] >= 9 and separable[1.2] <= 1
