"""ERM learning curves (replica.erm): the losses' proximal maps, the derived fixed point against closed forms,
the free energy identity, the lambda -> 0 limits, the optimal lambda and the Bayes-optimal bound."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

import replica
from replica.erm import derive_erm, erm_curve, erm_point, optimal_lambda, solve_erm
from replica.errors import ParameterError
from replica.glm import solve_glm
from replica.models.losses import LOSSES
from tests.catalogue import published


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_proximal_maps_minimise_the_moreau_objective(name):
    """Closed form or safeguarded Newton against an independent scalar minimisation (Brent), for labels of both
    signs (real labels for the regression losses), points far out and scales from 1e-3 to 1e3."""
    loss = LOSSES[name]()
    rng = np.random.default_rng(1)
    labels = rng.choice([-1.0, 1.0], 60) if loss.needs_sign_labels else 2 * rng.standard_normal(60)
    points, scales = 4 * rng.standard_normal(60), 10 ** rng.uniform(-3, 3, 60)
    proximal = loss.prox(labels, points, scales)
    for label, point, scale, found in zip(labels, points, scales, proximal):
        reference = minimize_scalar(lambda t: (t - point) ** 2 / (2 * scale) + float(loss.value(label, t)),
                                    bracket=(point - 10 * scale - 10, point + 10 * scale + 10),
                                    tol=1e-12).x
        objective = (lambda t: (t - point) ** 2 / (2 * scale) + float(loss.value(label, t)))
        assert objective(found) <= objective(reference) + 1e-10 * (1 + abs(objective(reference)))


def _ridge_closed_form(alpha, lam, delta):
    """Ridge regression on a linear teacher (rho = 1), solved by hand from V = 1/(lam + alpha/(1 + V)),
    m = alpha V/(1 + V), q (1 - r) = r (alpha + 1 + delta - 2m) with r = alpha V^2/(1 + V)^2."""
    v = (-(lam + alpha - 1) + np.sqrt((lam + alpha - 1) ** 2 + 4 * lam)) / (2 * lam)
    m = alpha * v / (1 + v)
    r = alpha * v**2 / (1 + v) ** 2
    q = r * (alpha + 1 + delta - 2 * m) / (1 - r)
    return m, q, v, 1 - 2 * m + q + delta


@pytest.mark.parametrize("alpha, lam, delta", [(0.5, 0.1, 0.5), (2.0, 0.1, 0.5), (3.0, 1e-3, 0.0), (0.2, 5.0, 1.0)])
def test_ridge_agrees_with_its_closed_form(alpha, lam, delta):
    point = erm_point("square", alpha, lam, channel="linear", noise=delta)
    m, q, v, error = _ridge_closed_form(alpha, lam, delta)
    assert int(point["status"]) == 0
    for value, exact in ((point["m"], m), (point["q"], q), (point["V"], v)):
        assert float(value) == pytest.approx(exact, rel=1e-8)
    # the errors are differences of O(1) overlaps (1e-7 at Delta = 0, alpha = 3): 1e-8 relative or 1e-9 absolute
    assert float(point["gen_error"]) == pytest.approx(error, rel=1e-8, abs=1e-9)
    assert float(point["train_loss"]) == pytest.approx((1 + delta - 2 * m + q) / (2 * (1 + v) ** 2), rel=1e-8,
                                                       abs=1e-9)


@pytest.mark.parametrize("alpha", [0.3, 0.7, 2.0, 4.0])
def test_ridgeless_limit_is_least_squares(alpha):
    """lambda -> 0+: the minimum-norm interpolator below alpha = 1 (bias 1 - alpha, variance Delta alpha/(1 - alpha))
    and least squares above (variance Delta/(alpha - 1)): Hastie, Montanari, Rosset & Tibshirani, Ann. Stat. (2022)."""
    delta = 0.3
    report = solve_erm("square", alpha, 0.0, channel="linear", noise=delta)
    exact = (1 - alpha + delta * alpha / (1 - alpha) if alpha < 1 else delta / (alpha - 1)) + delta
    assert report.status == "success", report.message
    assert report.quantities["gen_error"] == pytest.approx(exact, rel=1e-4)


@pytest.mark.parametrize("loss, channel, noise", [("logistic", "sign", 0.0), ("hinge", "noisy-sign", 0.1),
                                                  ("square", "linear", 0.5), ("absolute", "linear", 0.3),
                                                  ("square", "sign", 0.0)])
def test_free_energy_at_the_saddle_is_the_training_energy(loss, channel, noise):
    """At zero temperature the extremum of the derived Phi is the minimal training energy per weight,
    alpha E[loss] + lambda q/2: an identity between the free energy and the observables computed separately."""
    point = erm_point(loss, [0.7, 2.5], 0.2, channel=channel, noise=noise)
    assert (point["status"] == 0).all()
    np.testing.assert_allclose(point["free_energy"], point["training_energy"], rtol=1e-7)


def test_derivation_is_the_ridge_penalty_and_a_teacher_mean():
    d = derive_erm("logistic", "sign")
    lam, mh, qh, vh = (next(s for s in d.free_energy.free_symbols if s.name == n) for n in
                       ("lambda", "mhat", "qhat", "Vhat"))
    m_overlap = next(k for k in d.overlaps if k.name == "m")
    assert (d.overlaps[m_overlap] - mh * next(s for s in d.free_energy.free_symbols if s.name == "rho")
            / (vh + lam)).simplify() == 0
    latex = d.latex()
    assert r"\mathbb{E}_{\xi, y}" in latex and r"\mathcal{M}_{V}" in latex and r"\mathrm{prox}" in latex


def test_hinge_at_vanishing_penalty_is_the_max_margin_limit():
    """On separable data the hinge estimator stops moving once lambda is small: lambda = 1e-3 and 1e-5 give the
    same overlaps (the max-margin classifier), while at lambda = 1 the penalty is felt (a smaller norm)."""
    small, smaller, large = (erm_point("hinge", 1.0, lam) for lam in (1e-3, 1e-5, 1.0))
    assert float(small["q"]) == pytest.approx(float(smaller["q"]), rel=1e-6)
    assert float(large["q"]) < 0.5 * float(small["q"])
    report = solve_erm("hinge", 1.0, 0.0)
    assert report.quantities["train_loss"] == 0 and report.quantities["margin"] == pytest.approx(
        1 / np.sqrt(float(smaller["q"])), rel=1e-6)


def test_logistic_on_separable_data_has_no_vanishing_penalty_limit():
    report = solve_erm("logistic", 1.0, 0.0)
    assert report.status == "failure" and "no lambda -> 0+ limit reached" in report.message
    assert all(v is None for v in report.quantities.values())


def test_optimal_ridge_is_bayes_optimal():
    """For a Gaussian teacher and the linear channel, ridge with lambda = Delta is the posterior mean (Barbier et
    al. 2019): the optimal lambda is Delta and its error is the Bayes-optimal one."""
    delta, alpha = 0.5, 1.5
    best = optimal_lambda("square", alpha, channel="linear", noise=delta)
    bayes = solve_glm("gaussian", "linear", alpha, Delta=delta).quantities["gen_error"]
    assert best["lambda"] == pytest.approx(delta, rel=2e-3) and not best["at_bound"]
    assert best["gen_error"] == pytest.approx(bayes, abs=1e-8)


@pytest.mark.parametrize("loss", ["logistic", "hinge", "square"])
def test_bayes_optimal_error_lies_below_every_erm_curve(loss):
    for alpha in (0.5, 1.5, 4.0):
        for lam in (1e-3, 0.1, 1.0):
            report = solve_erm(loss, alpha, lam, teacher="rademacher")
            q = report.quantities
            assert report.status == "success" and q["gen_error"] > q["bayes_optimal_gen_error"]


def test_curve_is_one_vectorised_solve():
    frame = erm_curve("logistic", np.linspace(0.5, 4, 8), lambda_=0.1)
    assert list(frame.alpha) == pytest.approx(np.linspace(0.5, 4, 8).tolist())
    assert (frame.status == "success").all() and frame.gen_error.is_monotonic_decreasing


def test_bad_input_names_the_parameter():
    with pytest.raises(ParameterError, match="loss: the hinge loss needs labels"):
        solve_erm("hinge", 1.0, 0.1, channel="linear", noise=0.1)
    with pytest.raises(ParameterError, match="noise: the flip probability"):
        solve_erm("logistic", 1.0, 0.1, noise=0.5)
    with pytest.raises(ParameterError, match="lambda: must lie in"):
        replica.family("erm").solve(lambda_=-1)
    with pytest.raises(ParameterError, match="loss: must be one of"):
        replica.family("erm").solve(loss="cauchy")


def test_the_family_takes_lambda_by_its_one_name():
    family = replica.family("erm")
    assert family.solve(**{"lambda": 0.3}).params["lambda"] == family.solve(lambda_=0.3).params["lambda"] == 0.3
    entry = published("erm", "gen_error", loss="square", alpha=0.5, **{"lambda": 0.0}, channel="linear", noise=0.3)
    assert family.solve(**entry.params).quantities["gen_error"] == pytest.approx(entry.value, abs=entry.tolerance)


def test_optimal_ridge_on_sign_labels_is_pi_over_two_minus_one():
    """Square loss on y = sign(z): y is sqrt(2/pi) z plus noise of variance 1 - 2/pi uncorrelated with z, so the
    optimal ridge is the noise-to-signal ratio (1 - 2/pi)/(2/pi) = pi/2 - 1 at every load."""
    for alpha in (0.7, 3.0):
        assert optimal_lambda("square", alpha)["lambda"] == pytest.approx(np.pi / 2 - 1, rel=2e-3)


def test_interpolation_threshold_separates_the_two_vanishing_penalty_limits():
    """Below alpha_sep (noisy labels still separable) the hinge's lambda -> 0+ limit is the max-margin classifier and
    the unregularised logistic estimator does not exist; above it, the reverse. At noise 1/2 it is Cover's 2."""
    from replica.erm import interpolation_threshold

    assert interpolation_threshold(0.4999) == pytest.approx(2.0, abs=1e-6)
    assert interpolation_threshold(0.0) == np.inf
    threshold = interpolation_threshold(0.2)
    below, above = 0.8 * threshold, 1.3 * threshold
    assert solve_erm("hinge", below, 0.0, noise=0.2).quantities["margin"] > 0
    assert "margin" not in solve_erm("hinge", above, 0.0, noise=0.2).quantities  # training loss > 0 there
    assert solve_erm("logistic", below, 0.0, noise=0.2).status == "failure"
    assert solve_erm("logistic", above, 0.0, noise=0.2).status == "success"


@pytest.mark.parametrize("loss", ["logistic", "hinge", "square"])
def test_huge_penalty_is_the_hebbian_rule(loss):
    """lambda -> infinity: w -> -l'(y, 0) sum_mu y_mu x_mu / lambda, the Hebbian rule (Vallet 1989), whose overlap
    ratio is R = sqrt(2 alpha/pi)/sqrt(1 + 2 alpha/pi) whatever the loss: the error is arccos(R)/pi."""
    alpha = 2.0
    ratio = np.sqrt(2 * alpha / np.pi) / np.sqrt(1 + 2 * alpha / np.pi)
    report = solve_erm(loss, alpha, 1e6)
    assert report.status == "success", report.message
    assert report.quantities["gen_error"] == pytest.approx(np.arccos(ratio) / np.pi, abs=1e-6)
