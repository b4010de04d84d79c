"""Bayes-optimal teacher-student GLMs: fixed points, transitions and closed forms (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019)."""

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.stats import norm

import replica
from replica.glm import glm_model, glm_point, glm_transitions, solve_glm
from replica.errors import ModelDeclarationError, ParameterError
from replica.models import Model, SphericalPrior
from replica.models.teacher import GaussianPrior, SignTeacher
from tests.catalogue import LAWS, published


@pytest.fixture(scope="module")
def rademacher_sign_transitions():
    return glm_transitions("rademacher", "sign")


def _rademacher_sign_potential_independently(alpha):
    """The Bayes-optimal potential of the uninformative branch, independently of the engine: state evolution
    q_hat = 2 alpha psi_out'(q) (central difference), q = E tanh(q_hat + sqrt(q_hat) z), iterated from q = 0.01,
    then f = psi_P(q_hat) + alpha psi_out(q) - q q_hat / 2 with psi_P(r) = E ln cosh(r + sqrt(r) z) - r/2 and
    psi_out(q) = 2 E H(a xi) ln H(a xi), a = sqrt(q/(1-q)) (Barbier, Krzakala, Macris, Miolane & Zdeborova,
    PNAS 116, 5451 (2019)). Gaussian means by a 2000-point Gauss-Legendre rule on [-14, 14] (not the engine's
    Gauss-Hermite code): integrand error below 1e-14."""
    nodes, weights = np.polynomial.legendre.leggauss(2000)
    z, w = 14 * nodes, 14 * weights * norm.pdf(14 * nodes)

    def psi_out(q):
        a = np.sqrt(q / (1 - q))
        return 2 * np.sum(w * norm.sf(a * z) * norm.logsf(a * z))

    q, h = 0.01, 1e-6
    for _ in range(2000):
        q_hat = 2 * alpha * (psi_out(q + h) - psi_out(q - h)) / (2 * h)
        new = np.sum(w * np.tanh(q_hat + np.sqrt(q_hat) * z))
        if abs(new - q) < 1e-14:
            break
        q = new
    field = q_hat + np.sqrt(q_hat) * z
    psi_prior = np.sum(w * (np.abs(field) + np.log1p(np.exp(-2 * np.abs(field))) - np.log(2))) - q_hat / 2
    return psi_prior + alpha * psi_out(q) - q * q_hat / 2


def test_rademacher_sign_transitions(rademacher_sign_transitions):
    """alpha_IT: Gyorgyi (Phys. Rev. A 41, 7097 (1990)) quotes 1.245 (half a unit in the third decimal), and an
    independent computation (Gauss-Legendre sums and plain state-evolution iteration, finite-difference
    derivative of psi_out: accurate to about 1e-8) must agree to 1e-6 where the uninformative potential crosses -ln 2 (the
    perfect-recovery potential). alpha_alg: Barbier et al. (2019) quote 1.493 (to half a unit in the third
    decimal); its definition is tested in test_transitions_are_what_they_claim."""
    q = rademacher_sign_transitions.quantities
    gyorgyi = published("glm-transitions", "alpha_it", prior="rademacher", channel="sign")
    barbier = published("glm-transitions", "alpha_alg", prior="rademacher", channel="sign")
    assert q["alpha_it"] == pytest.approx(gyorgyi.value, abs=gyorgyi.tolerance)
    independent = optimize.brentq(lambda a: _rademacher_sign_potential_independently(a) + np.log(2), 1.2, 1.3,
                                  xtol=1e-9)
    assert q["alpha_it"] == pytest.approx(independent, abs=1e-6)
    assert q["alpha_alg"] == pytest.approx(barbier.value, abs=barbier.tolerance)
    assert q["quadrature_difference"] < 1e-9 and q["transition"] == "first order"


def test_transitions_are_what_they_claim(rademacher_sign_transitions):
    """At alpha_IT the uninformative branch's potential equals -ln 2; just above alpha_alg that branch is gone."""
    q = rademacher_sign_transitions.quantities
    model = glm_model("rademacher", "sign")
    at_it = glm_point(model, q["alpha_it"])
    low = at_it.algorithmic
    assert low["q"] < 1 and low["free_entropy"] == pytest.approx(-np.log(2), abs=1e-9)
    below, above = glm_point(model, q["alpha_alg"] - 1e-4), glm_point(model, q["alpha_alg"] + 1e-4)
    assert below.algorithmic["q"] < 1 and above.algorithmic["q"] == 1.0


def test_hard_phase_is_reported():
    report = solve_glm("rademacher", "sign", 1.3)
    q = report.quantities
    assert q["branch"] == "perfect" and q["gen_error"] == 0.0 and q["mutual_information"] == pytest.approx(np.log(2))
    assert "hard phase" in report.message
    # independent path to the AMP branch: iterate state evolution from q = 0 instead of scanning for roots
    limit = replica.theory(glm_model("rademacher", "sign")).state_evolution(1.3, steps=400)[-1]
    assert q["amp_overlap"] == pytest.approx(limit, abs=1e-9) and limit < 1
    easy = solve_glm("rademacher", "sign", 1.0).quantities
    assert easy["branch"] == "uninformative" and easy["overlap"] == easy["amp_overlap"] < 1


def _psi_out_sign(q):
    """psi_out(q) = 2 int Dxi H(a xi) ln H(a xi), a = sqrt(q/(1-q)) (Barbier et al. 2019), by scipy's quad."""
    a = np.sqrt(q / (1 - q))
    value, _ = integrate.quad(lambda x: 2 * norm.sf(a * x) * norm.logsf(a * x) * norm.pdf(x), -np.inf, np.inf,
                              epsabs=1e-14, epsrel=1e-13)
    return value


def _gaussian_sign_by_quadrature(alpha):
    """Independent state evolution: q_hat = 2 alpha psi_out'(q) by finite differences of psi_out, and
    q = q_hat/(1+q_hat) (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019)."""
    psi_out = _psi_out_sign

    def residual(q):
        h = 1e-6
        q_hat = 2 * alpha * (psi_out(q + h) - psi_out(q - h)) / (2 * h)
        return q_hat / (1 + q_hat) - q

    return optimize.brentq(residual, 1e-3, 0.99, xtol=1e-12)


@pytest.mark.parametrize("alpha", [0.5, 2.0, 5.0])
def test_gaussian_sign_against_independent_state_evolution(alpha):
    report = solve_glm("gaussian", "sign", alpha)
    q = report.quantities
    assert q["n_fixed_points"] == 1 and q["branch"] == "unique"
    assert q["overlap"] == pytest.approx(_gaussian_sign_by_quadrature(alpha), abs=1e-7)
    assert q["gen_error"] == pytest.approx(np.arccos(np.sqrt(q["overlap"])) / np.pi, abs=1e-14)


def test_gaussian_sign_has_no_transition():
    report = glm_transitions("gaussian", "sign")
    assert report.quantities["transition"] == "none" and report.quantities["alpha_it"] is None


@pytest.mark.parametrize("alpha,delta", [(0.3, 0.1), (1.0, 0.5), (3.0, 0.01)])
def test_gaussian_linear_is_the_ridge_closed_form(alpha, delta):
    """q_hat = alpha / (1 - q + Delta), q = q_hat/(1 + q_hat): q solves q (1 - q + Delta + alpha) = alpha."""
    q = solve_glm("gaussian", "linear", alpha, Delta=delta).quantities
    b = 1 + delta + alpha
    closed = (b - np.sqrt(b**2 - 4 * alpha)) / 2
    assert q["overlap"] == pytest.approx(closed, abs=1e-12)
    assert q["gen_error"] == pytest.approx(1 - closed + delta, abs=1e-12)
    # I = (alpha/2) ln(1 + (1 - q)/Delta)... checked through its derivative: dI/dalpha = (1/2) ln(1 + mmse/Delta)
    h = 1e-5
    up = solve_glm("gaussian", "linear", alpha + h, Delta=delta).quantities["mutual_information"]
    down = solve_glm("gaussian", "linear", alpha - h, Delta=delta).quantities["mutual_information"]
    assert (up - down) / (2 * h) == pytest.approx(0.5 * np.log(1 + q["mmse"] / delta), rel=1e-6)


def test_gaussian_linear_matches_ridge_regression_at_finite_n():
    """The posterior mean is ridge regression with lambda = Delta; its error at N = 400 matches the MMSE."""
    alpha, delta, n, trials = 1.5, 0.3, 400, 20
    theory_mmse = solve_glm("gaussian", "linear", alpha, Delta=delta).quantities["mmse"]
    rng = np.random.default_rng(7)
    errors = []
    for _ in range(trials):
        w = rng.standard_normal(n)
        x = rng.standard_normal((int(alpha * n), n)) / np.sqrt(n)
        y = x @ w + np.sqrt(delta) * rng.standard_normal(len(x))
        estimate = np.linalg.solve(x.T @ x + delta * np.eye(n), x.T @ y)
        errors.append(np.mean((estimate - w) ** 2))
    mean, sem = np.mean(errors), np.std(errors, ddof=1) / np.sqrt(trials)
    assert abs(mean - theory_mmse) < 4 * sem + 2 / n  # statistical error plus O(1/N) finite size


def test_free_entropy_derivative_in_load_is_the_channel_term():
    """Envelope theorem: df/dalpha = Psi_out(q) at the saddle (Rademacher prior, sign channel)."""
    model = glm_model("rademacher", "sign")
    a, h = 0.8, 1e-5
    q = glm_point(model, a).equilibrium["q"]
    fd = (glm_point(model, a + h).equilibrium["free_entropy"] - glm_point(model, a - h).equilibrium["free_entropy"])
    k = np.sqrt(q / (1 - q))
    psi_out, _ = integrate.quad(lambda x: 2 * norm.sf(k * x) * norm.logsf(k * x) * norm.pdf(x), -np.inf, np.inf,
                                epsabs=1e-14)
    assert fd / (2 * h) == pytest.approx(psi_out, rel=1e-6)


def test_glm_parameter_and_declaration_errors():
    with pytest.raises(ParameterError, match="prior: must be one of gaussian, rademacher"):
        solve_glm("laplace", "sign", 1.0)
    with pytest.raises(ParameterError, match="Delta: is required"):
        solve_glm("gaussian", "linear", 1.0)
    with pytest.raises(ParameterError, match="alpha"):
        solve_glm("gaussian", "sign", -1.0)
    with pytest.raises(ModelDeclarationError, match="teacher channel"):
        Model(name="mixed", summary="", reference="", prior=GaussianPrior(), channel=replica.models.MarginConstraint())
    with pytest.raises(ModelDeclarationError, match="teacher channel"):
        Model(name="mixed", summary="", reference="", prior=SphericalPrior(), channel=SignTeacher())
    with pytest.raises(replica.ReplicaError, match="no capacity"):
        replica.theory(glm_model("gaussian", "sign")).alpha_c()
    with pytest.raises(replica.ReplicaError, match="solve_glm"):
        replica.solve(glm_model("gaussian", "sign"), alpha=1.0)


def _spike_slab_overlap(q_hat, rho):
    """q = E[<w>^2] for y = sqrt(q_hat) w* + z, w* ~ (1-rho) delta_0 + rho N(0, 1/rho), by quadrature."""
    slab = 1 / rho

    def mean(y):
        log_zero = np.log(1 - rho) + norm.logpdf(y)
        log_slab = np.log(rho) + norm.logpdf(y, scale=np.sqrt(1 + q_hat * slab))
        weight = 1 / (1 + np.exp(log_zero - log_slab))
        return weight * np.sqrt(q_hat) * slab / (1 + q_hat * slab) * y

    def density(y):
        return (1 - rho) * norm.pdf(y) + rho * norm.pdf(y, scale=np.sqrt(1 + q_hat * slab))

    value, _ = integrate.quad(lambda y: mean(y) ** 2 * density(y), -np.inf, np.inf, epsabs=1e-13, epsrel=1e-12)
    return value


@pytest.mark.parametrize("alpha", [0.2, 0.6, 1.5])
def test_gauss_bernoulli_fixed_point_by_independent_quadrature(alpha):
    rho, delta = 0.3, 0.05
    point = glm_point(glm_model("gauss-bernoulli", "linear"), alpha, rho=rho, Delta=delta).equilibrium
    assert point["q_hat"] == pytest.approx(alpha / (1 - point["q"] + delta), rel=1e-12)
    assert point["q"] == pytest.approx(_spike_slab_overlap(point["q_hat"], rho), abs=1e-9)


def test_an_under_resolved_fixed_point_is_flagged_and_not_used(monkeypatch):
    """A fixed point failing the doubled-quadrature check is INACCURATE, and solve_glm then reports failure."""
    model = glm_model("gauss-bernoulli", "linear")
    th = replica.theory(model)
    monkeypatch.setattr(th, "_quadrature_converged", lambda *args: np.array(False))
    points = th.fixed_points(1.5, rho=0.3, Delta=0.05)
    assert points and all(p["status"] == replica.Status.INACCURATE for p in points)
    report = solve_glm("gauss-bernoulli", "linear", 1.5, rho=0.3, Delta=0.05)
    assert report.status == "failure" and "overlap" not in report.quantities


def test_continuation_follows_both_branches_and_jumps_at_the_spinodal(rademacher_sign_transitions):
    """Up from q ~ 0 the uninformative branch survives until alpha_alg, then jumps to perfect recovery; down from
    q ~ 1 the informative branch stays at perfect recovery (hysteresis of the first-order transition)."""
    alpha_alg = rademacher_sign_transitions.quantities["alpha_alg"]
    th = replica.theory(glm_model("rademacher", "sign"))
    loads = np.array([1.0, 1.2, 1.4, alpha_alg - 1e-3, alpha_alg + 1e-3, 1.6])
    up = th.continuation(loads, start=1e-6)
    assert up.success
    np.testing.assert_array_equal(up["jumped"], [False, False, False, False, True, False])
    assert np.all(up["q"][:4] < 0.95) and np.all(up["at_boundary"][4:])
    low = [glm_point(th.model, a).algorithmic["q"] for a in loads[:4]]
    np.testing.assert_allclose(up["q"][:4], low, atol=1e-10)
    down = th.continuation(loads[::-1], start=1 - 1e-9)
    assert down.success and np.all(down["at_boundary"])


def test_continuation_agrees_with_the_cold_solve_where_the_branch_is_unique():
    ising = replica.theory("ising-perceptron")
    loads = np.linspace(0.1, 1.0, 10)
    warm, cold = ising.continuation(loads, kappa=0.0), ising.saddle_point(loads, kappa=0.0)
    assert warm.success and not warm["jumped"].any()
    np.testing.assert_allclose(warm["q"], cold["q"], atol=1e-12)
    with pytest.raises(replica.ReplicaError, match="unique root"):
        replica.theory("gardner").continuation(loads)


def test_curve_is_the_pointwise_answer_vectorised():
    from replica.glm import glm_curve

    loads = [0.3, 1.1, 1.3, 1.45, 2.0]
    curve = glm_curve("rademacher", "sign", loads)
    for row, load in zip(curve.itertuples(), loads):
        single = solve_glm("rademacher", "sign", load).quantities
        assert row.overlap == pytest.approx(single["overlap"], abs=1e-12)
        assert row.amp_overlap == pytest.approx(single["amp_overlap"], abs=1e-12)
        assert row.branch == single["branch"]
    assert list(curve.branch) == ["uninformative", "uninformative", "perfect", "perfect", "perfect"]


def test_noisy_sign_reduces_to_sign_and_has_a_shifted_transition(rademacher_sign_transitions):
    clean = solve_glm("gaussian", "sign", 1.3).quantities
    nearly = solve_glm("gaussian", "noisy-sign", 1.3, eta=1e-6).quantities
    assert nearly["overlap"] == pytest.approx(clean["overlap"], abs=1e-4)
    noisy = solve_glm("gaussian", "noisy-sign", 1.3, eta=0.1).quantities
    assert noisy["overlap"] < clean["overlap"]
    h2 = -(0.1 * np.log(0.1) + 0.9 * np.log(0.9))
    assert noisy["mutual_information"] == pytest.approx(-noisy["free_entropy"] - 1.3 * h2, abs=1e-14)
    shifted = glm_transitions("rademacher", "noisy-sign", eta=0.05).quantities
    clean_transitions = rademacher_sign_transitions.quantities  # label noise needs more data for both
    assert clean_transitions["alpha_it"] < shifted["alpha_it"] < shifted["alpha_alg"]
    assert shifted["alpha_alg"] > clean_transitions["alpha_alg"]


def test_near_perfect_recovery_beyond_resolution_is_flagged():
    """Rademacher teacher, linear channel with small noise: 1 - q ~ exp(-alpha / 2 Delta) is below 1e-9."""
    report = solve_glm("rademacher", "linear", 1.3, Delta=0.01)
    assert report.status == "warning" and report.quantities["resolution_limited"] is True
    assert report.quantities["mmse_upper_bound"] <= 1e-9 and "bounds" in report.message
    assert not {"overlap", "mmse", "gen_error", "mutual_information"} & set(report.quantities)


def test_gaussian_sign_at_large_loads_follows_the_asymptotic_laws():
    """Gaussian prior, sign channel: the Bayes-optimal error decays as 0.442/alpha (Opper & Haussler, PRL 66, 2677
    (1991)) and the mutual information per weight grows as ln(alpha) + c (the prior's term 1/2 ln(1 + q_hat) with
    q_hat ~ alpha^2). Both are checked between alpha = 1e2 and 1e4, where 1 - q is resolved (1e-4 to 1e-8); the
    0.442 is quoted to three digits, hence 2e-3. A 1% error in the mutual information's slope would show as 0.05
    in the ln-alpha check, 50 times its tolerance."""
    law, tolerance, _ = LAWS["opper_haussler"]
    low, high = (solve_glm("gaussian", "sign", a).quantities for a in (1e2, 1e4))
    assert low["gen_error"] * 1e2 == pytest.approx(law, abs=tolerance)
    assert high["gen_error"] * 1e4 == pytest.approx(law, abs=tolerance)
    assert high["mutual_information"] - low["mutual_information"] == pytest.approx(np.log(1e2), abs=1e-3)


@pytest.mark.parametrize("alpha", [1e6, 1e300])
def test_loads_beyond_the_scan_resolution_give_bounds_not_numbers(alpha):
    """1 - q ~ 1e-12 at alpha = 1e6: below the scan's 1e-9, so no overlap, error or mutual information is given
    as a value (the edge of the scan gave 32.7 and 2.3e295 for the mutual information, ln(alpha) + c ~ 14 and
    690)."""
    report = solve_glm("gaussian", "sign", alpha)
    assert report.status == "warning" and report.quantities["resolution_limited"] is True
    assert not {"overlap", "mmse", "gen_error", "mutual_information", "free_entropy"} & set(report.quantities)
    assert report.quantities["gen_error_upper_bound"] >= LAWS["opper_haussler"][0] / alpha


def test_loads_below_the_scan_resolution_give_bounds_too():
    """alpha = 1e-300: the overlap (about 2 alpha / pi) lies below the scan's first point 1e-9, so the answer is an
    upper bound on the overlap and lower bounds on the errors (both decrease with the overlap), as a warning."""
    report = solve_glm("gaussian", "sign", 1e-300)
    q = report.quantities
    assert report.status == "warning" and q["resolution_limited"] is True
    assert not {"overlap", "mmse", "gen_error", "mutual_information"} & set(q)
    assert q["overlap_upper_bound"] == pytest.approx(1e-9) and q["mmse_lower_bound"] == pytest.approx(1 - 1e-9)
    assert q["gen_error_lower_bound"] == pytest.approx(np.arccos(np.sqrt(1e-9)) / np.pi, rel=1e-12)


def test_a_failure_says_why_even_without_fixed_points():
    """ReLU channel with noise 1e-6 at alpha = 5: the nested quadrature resolves no fixed point (the overlap is
    within the scan's reach of 1 and the residual is not finite there); the failure must say so, with no numbers."""
    report = solve_glm("gaussian", "relu", 5.0, Delta=1e-6)
    assert report.status == "failure" and report.quantities["n_fixed_points"] is None
    assert "no fixed point could be located" in report.message
