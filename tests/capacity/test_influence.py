"""Influence of removing training points from linearised models: primal against dual, Newton step against exact
retraining, the leave-one-out formula against refits, and the leave-one-out theory of the kernel curves."""

import numpy as np
import pytest

from capacity.checks.influence import THEORY_ALLOWANCE, theory_link, verify_influence
from capacity.influence import (
    TrainingProblem, compare_removal, fit, influence_dual, influence_primal, leave_one_out_by_refitting,
    leave_one_out_residuals, removal_table, retrain,
)
from capacity.linearised import LinearisedModel, gaussian_features, linearised_network, random_features
from replica.errors import ParameterError
from replica.kernel_curve import leave_one_out_curve, mode_errors, power_law_problem


def _problem(loss, model, outputs, n=60, d=8, ridge=1e-2, seed=0, test=False):
    rng = np.random.default_rng(seed)
    teacher = rng.standard_normal((d, outputs))

    def draw(count, noise):
        x = rng.standard_normal((count, d))
        field = x @ teacher / np.sqrt(d)
        if loss == "square":
            return x, field + noise * rng.standard_normal(field.shape)
        if loss == "logistic":
            return x, np.sign(field[:, 0])
        return x, np.argmax(field, axis=1)

    x, y = draw(n, 0.3)
    problem = TrainingProblem(*model.stacked(x), y, loss, ridge)
    if not test:
        return problem
    x_test, y_test = draw(200, 0.0)
    return problem, (*model.stacked(x_test), y_test)


CASES = [("square", random_features(500, 8), 1), ("square", linearised_network(20, 8, outputs=3), 3),
         ("logistic", random_features(400, 8), 1), ("logistic", linearised_network(30, 8), 1),
         ("cross-entropy", linearised_network(15, 8, outputs=3), 3)]


@pytest.mark.parametrize("loss, model, outputs", CASES, ids=[f"{c[0]}-{c[1].name}-{c[2]}" for c in CASES])
@pytest.mark.parametrize("hessian", ["retained", "full"])
def test_primal_and_dual_influence_agree_to_solver_precision(loss, model, outputs, hessian):
    problem = _problem(loss, model, outputs)
    fitted = fit(problem)
    assert fitted.status == "certified"
    for removed in ([3], list(range(0, 60, 10)), list(range(45))):
        dual = influence_dual(problem, fitted, removed, hessian=hessian)
        primal = influence_primal(problem, fitted, removed, hessian=hessian)
        assert primal.status == "converged"
        assert np.linalg.norm(primal.change - dual.change) <= 1e-8 * np.linalg.norm(dual.change)
        assert np.allclose(problem.jacobian.T @ dual.dual, dual.change)


@pytest.mark.parametrize("model, outputs", [(random_features(500, 8), 1), (linearised_network(20, 8, outputs=3), 3)])
def test_square_loss_newton_step_is_exact_retraining(model, outputs):
    problem = _problem("square", model, outputs)
    fitted = fit(problem)
    for removed in ([7], list(range(6)), list(range(54))):  # one point, 10 %, 90 %
        predicted = fitted.delta + influence_dual(problem, fitted, removed).change
        retrained = retrain(problem, removed)
        assert retrained.status == "certified"
        assert np.linalg.norm(predicted - retrained.delta) <= 1e-8 * np.linalg.norm(retrained.delta - fitted.delta)
        # the classical influence function (Hessian of all points) is not exact: the test can tell them apart
        classical = fitted.delta + influence_dual(problem, fitted, removed, hessian="full").change
        if len(removed) > 1:
            assert np.linalg.norm(classical - retrained.delta) > 1e-3 * np.linalg.norm(retrained.delta - fitted.delta)


def test_closed_form_retraining_in_both_forms_equals_a_first_order_solver():
    small, large = random_features(20, 8), random_features(300, 8)  # P x P solve, and the push-through form
    for model in (small, large):
        problem = _problem("square", model, 1, n=40)
        exact = retrain(problem, [1, 2, 3])
        iterative = retrain(problem, [1, 2, 3], method="lbfgs")
        assert exact.method == "closed form"
        assert np.linalg.norm(exact.delta - iterative.delta) <= max(iterative.distance_bound, 1e-9) * 1.01 + 1e-9


@pytest.mark.parametrize("model, outputs", [(random_features(200, 8), 1), (linearised_network(10, 8, outputs=2), 2)])
def test_leave_one_out_formula_equals_refitting_without_each_point(model, outputs):
    problem = _problem("square", model, outputs, n=30)
    formula = leave_one_out_residuals(problem)
    refits = leave_one_out_by_refitting(problem)
    assert np.max(np.abs(formula - refits)) <= 1e-8 * np.max(np.abs(refits))
    # ... and differs from the training residuals (what the formula corrects)
    training = problem.labels - problem.outputs_at(fit(problem).delta)
    assert np.max(np.abs(training - refits)) > 1e-2 * np.max(np.abs(refits))


def test_logistic_influence_beats_the_random_baseline_and_improves_with_the_ridge():
    errors = []
    for ridge in (1e-3, 1e-2, 1e-1):
        problem, (test_jac, test_f0, test_y) = _problem("logistic", random_features(400, 8), 1, n=120, ridge=ridge,
                                                        seed=3, test=True)
        fitted = fit(problem)
        rows = [compare_removal(problem, fitted, np.random.default_rng(k).choice(120, 12, replace=False),
                                test_jacobian=test_jac, test_initial=test_f0, test_labels=test_y,
                                rng=np.random.default_rng(k)) for k in range(4)]
        assert all(row["retrain_status"] == "certified" for row in rows)
        error = np.mean([row["param_rel_error"] for row in rows])
        baseline = np.mean([row["baseline_param_rel_error"] for row in rows])
        assert error < 0.1 * baseline
        errors.append(error)
    assert errors[0] > errors[1] > errors[2]


def test_removal_table_is_one_row_per_removal():
    problem, (test_jac, test_f0, test_y) = _problem("square", random_features(100, 8), 1, n=30, test=True)
    table = removal_table(problem, [[0], [1, 2, 3], list(range(20))], test_jacobian=test_jac, test_initial=test_f0,
                          test_labels=test_y)
    assert list(table.removal) == [0, 1, 2] and list(table.removed) == [1, 3, 20]
    assert (table.param_rel_error < 1e-8).all() and (table.primal_dual_gap < 1e-8).all()
    assert (table.baseline_param_rel_error > 1).all()


def test_the_check_trains_and_tests_on_the_same_teacher():
    result = verify_influence("random-features", P=500, N=200, d=10, remove=(0.1,), trials=2)
    assert result.status == "success", result.message
    assert (result.tables["instances"].test_error < 0.25).all()  # a different test teacher would give 1/2
    classes = verify_influence("linearised-network", P=600, N=200, d=10, outputs=3, loss="cross-entropy",
                               remove=(0.1,), trials=2)
    assert classes.status == "success", classes.message
    assert (classes.tables["instances"].test_error < 0.5).all()  # chance is 2/3


def test_a_fit_stopped_early_is_doubtful_and_certified_when_converged():
    problem = _problem("logistic", random_features(300, 8), 1)
    assert fit(problem, max_iterations=1).status == "doubtful"
    converged = fit(problem)
    assert converged.status == "certified" and converged.distance_bound < 1e-9 * np.linalg.norm(converged.delta)


def test_network_jacobian_matches_finite_differences_of_the_network():
    d, width, outputs = 5, 7, 2
    model = linearised_network(width, d, outputs=outputs, activation="tanh", seed=4)
    rng = np.random.default_rng([4, 2])  # the initialisation drawn by linearised_network
    w0, a0 = rng.standard_normal((width, d)), rng.standard_normal((outputs, width))

    def network(theta, x):
        w, a = theta[:width * d].reshape(width, d), theta[width * d:].reshape(outputs, width)
        return (np.tanh(x @ w.T / np.sqrt(d)) @ a.T / np.sqrt(width)).ravel()

    x = np.random.default_rng(1).standard_normal((3, d))
    theta0 = np.concatenate([w0.ravel(), a0.ravel()])
    jac, f0 = model.stacked(x)
    assert np.allclose(f0.ravel(), network(theta0, x))
    step = 1e-6
    numeric = np.stack([(network(theta0 + step * e, x) - network(theta0 - step * e, x)) / (2 * step)
                        for e in np.eye(theta0.size)], axis=1)
    assert np.allclose(jac, numeric, atol=1e-8)


def test_a_users_feature_map_is_a_model():
    model = LinearisedModel.from_feature_map(lambda x: np.cos(x[:, :1] * np.arange(1, 11)), 10, outputs=2)
    jac, f0 = model.stacked(np.ones((4, 3)))
    assert jac.shape == (8, 20) and np.all(f0 == 0)
    assert np.allclose(jac[1, 10:], np.cos(np.arange(1, 11))) and np.all(jac[1, :10] == 0)


def test_leave_one_out_theory_satisfies_its_identities():
    eigenvalues, power = power_law_problem(300, 1.5, 1.5)
    curve = leave_one_out_curve(eigenvalues, power, [100, 400], ridge=0.2, noise=0.1)
    for row in curve.itertuples():
        # lambda / kappa = 1 - (1/P) sum_k P eta_k / (P eta_k + kappa): the kappa equation divided by kappa
        assert row.one_minus_S == pytest.approx(1 - np.sum(eigenvalues / (row.P * eigenvalues + row.kappa)), rel=1e-10)
        assert row.loo_error == pytest.approx(mode_errors(eigenvalues, power, row.P, ridge=0.2, noise=0.1)["E_g"]
                                              + 0.1, rel=1e-12)
        assert row.train_error == pytest.approx(row.one_minus_S**2 * row.loo_error, rel=1e-12)


def test_kernel_theory_link_on_gaussian_features_and_a_wrong_theory_is_rejected():
    result = verify_influence("gaussian-features", P=400, N=300, loss="square", noise=0.05, remove=(0.1,),
                              trials=8, seed=2)
    assert result.status == "success", result.message
    link = result.tables["theory"].set_index("quantity")
    assert abs(link.loc["one_minus_S", "relative_difference"]) < 0.005  # self-averaging: measured 0.07 %
    for quantity in ("loo_error", "train_error"):  # within 2 % up to the sampling error of 8 x 20 training sets
        row = link.loc[quantity]
        assert abs(row["mean"] - row["theory"]) <= 0.02 * row["theory"] + 3 * row["se"]
    # the same measurements against the theory at ridge lambda instead of N lambda, or shifted: rejected
    eigenvalues, power = power_law_problem(400, 1.5, 1.5)
    instances = result.tables["instances"]
    wrong_ridge = leave_one_out_curve(eigenvalues, power, [300], ridge=1e-3, noise=0.05)
    assert not theory_link(instances, wrong_ridge, THEORY_ALLOWANCE["gaussian-features"]).agree.all()
    right = leave_one_out_curve(eigenvalues, power, [300], ridge=0.3, noise=0.05)
    # 5 % off the sharp quantity, 10 % off the errors (their band is 2 % plus four standard errors, ~ 4 %)
    shifted = right.assign(one_minus_S=right.one_minus_S * 1.05, loo_error=right.loo_error * 1.1,
                           train_error=right.train_error * 0.9)
    assert not theory_link(instances, shifted, THEORY_ALLOWANCE["gaussian-features"]).agree.any()


def test_kernel_theory_link_on_a_sphere():
    result = verify_influence("sphere", P=300, N=200, d=10, loss="square", noise=0.05, remove=(0.1,), trials=4)
    assert result.status == "success", result.message
    assert abs(result.tables["theory"].set_index("quantity").loc["one_minus_S", "relative_difference"]) < 0.01


def test_gaussian_features_kernel_is_the_kernel_curve_kernel():
    eigenvalues = np.array([1.0, 0.5, 0.25])
    x = np.random.default_rng(0).standard_normal((5, 3))
    jac, _ = gaussian_features(eigenvalues).stacked(x)
    assert np.allclose(jac @ jac.T, (x * eigenvalues) @ x.T)


@pytest.mark.parametrize("settings, parameter", [
    ({"loss": "logistic", "outputs": 3}, "outputs"), ({"loss": "cross-entropy", "outputs": 1}, "outputs"),
    ({"remove": (0.0,)}, "remove"), ({"remove": (0.99,)}, "remove"), ({"ridge": 0.0}, "ridge"),
    ({"model": "sphere", "P": 5000, "d": 5}, "P"), ({"model": "transformer"}, "model"),
    ({"P": 10**7, "N": 20_000}, "P")])
def test_bad_settings_are_refused_naming_the_parameter(settings, parameter):
    with pytest.raises(ParameterError) as error:
        verify_influence(**{"trials": 2, **settings})
    assert error.value.args[0].startswith(parameter) or parameter in str(error.value)


def test_bad_labels_and_removals_are_refused():
    problem = _problem("square", random_features(50, 8), 1, n=10)
    with pytest.raises(ParameterError, match="remove"):
        influence_dual(problem, fit(problem), list(range(10)))
    x = np.zeros((4, 8))
    with pytest.raises(ParameterError, match="labels"):
        TrainingProblem(*random_features(50, 8).stacked(x), np.array([0.0, 1.0, 1.0, -1.0]), "logistic", 0.1)
