r"""Convex empirical risk minimisation on teacher–student data: the comparison point for the Bayes-optimal error.

For the sign channel (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019) a student :math:`\hat w` trained on :math:`P = \alpha N` Gaussian patterns
misclassifies a fresh pattern with probability :math:`\arccos(\rho)/\pi`, where
:math:`\rho = \hat w\cdot w^*/(|\hat w||w^*|)` (exact for Gaussian patterns), so no test set is needed. Estimators,
all solved with cvxpy:

* ``max-margin``: :math:`\min |w|^2` s.t. :math:`y_\mu x_\mu\cdot w \ge 1` (the data are separable by the teacher);
* ``hinge``: :math:`\sum_\mu \max(0, 1 - y_\mu x_\mu\cdot w) + \lambda |w|^2`;
* ``logistic``: :math:`\sum_\mu \ln(1 + e^{-y_\mu x_\mu\cdot w}) + \lambda |w|^2`.

The Bayes-optimal error (:func:`replica.glm.solve_glm`) bounds every one of them from below.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd

from replica.errors import ParameterError
from replica.models.teacher import BAYES_PRIORS
from replica.validation import check_int, check_real

from .estimates import standard_error_of_mean

__all__ = ["erm_errors", "erm_instance", "LOSSES"]

LOSSES = ("max-margin", "hinge", "logistic")


def _fit(loss: str, signed: np.ndarray, regularisation: float) -> np.ndarray | None:
    w = cp.Variable(signed.shape[1])
    margins = signed @ w
    if loss == "max-margin":
        problem = cp.Problem(cp.Minimize(cp.sum_squares(w)), [margins >= 1])
    elif loss == "hinge":
        problem = cp.Problem(cp.Minimize(cp.sum(cp.pos(1 - margins)) + regularisation * cp.sum_squares(w)))
    else:
        problem = cp.Problem(cp.Minimize(cp.sum(cp.logistic(-margins)) + regularisation * cp.sum_squares(w)))
    problem.solve(solver="CLARABEL")
    if problem.status != "optimal":  # the logistic loss on separable data stalls Clarabel now and then: once more
        problem.solve(solver="CLARABEL", static_regularization_constant=1e-7)  # with a larger KKT regularisation
    return w.value if problem.status == "optimal" else None


def erm_instance(prior: str, n: int, alpha: float, losses, regularisation: float, seed: int, trial: int) -> dict:
    """Generalisation error of each estimator on one sign-teacher instance, drawn from ``(seed, n, trial)``;
    ``None`` for a failed solve."""
    rng = np.random.default_rng([seed, n, trial])
    teacher = BAYES_PRIORS[prior]().sample(n, {}, rng)
    patterns = rng.standard_normal((max(1, round(alpha * n)), n))
    signed = np.sign(patterns @ teacher)[:, None] * patterns
    errors = {}
    for loss in losses:
        w = _fit(loss, signed, regularisation)
        if w is None or not np.any(w):
            errors[loss] = None
            continue
        cosine = w @ teacher / (np.linalg.norm(w) * np.linalg.norm(teacher))
        errors[loss] = float(np.arccos(np.clip(cosine, -1, 1)) / np.pi)
    return errors


def erm_errors(prior: str, alpha: float, *, n: int = 200, trials: int = 10, losses=LOSSES,
               regularisation: float = 1e-3, seed: int = 0, ensemble=None) -> pd.DataFrame:
    r"""Generalisation errors of convex estimators on sign-teacher data.

    Parameters
    ----------
    prior : str
        Teacher prior (``gaussian``, ``rademacher``, ``gauss-bernoulli`` needs ``rho`` and is not offered here).
    alpha : float
        Load :math:`P/N`.
    n, trials, seed : int
        Instance ``t`` is drawn from ``(seed, n, t)`` (:func:`erm_instance`).
    losses : sequence of str
        Among :data:`LOSSES`.
    regularisation : float
        :math:`\lambda` of the hinge and logistic losses.
    ensemble : capacity.checks.base.Ensemble, optional
        Runs the instances (workers, record, progress); in this process if omitted.

    Returns
    -------
    pandas.DataFrame
        Per loss: ``mean`` error, ``standard_error``, ``failed`` solves (counted, not averaged).
    """
    if prior not in ("gaussian", "rademacher"):
        raise ParameterError("prior", f"must be gaussian or rademacher; got {prior!r}")
    alpha = check_real("alpha", alpha, 0.0, 1e3, low_open=True)
    n = check_int("n", n, 2, 5000)
    trials = check_int("trials", trials, 2, 10**4)
    regularisation = check_real("regularisation", regularisation, 0.0, 1e6, low_open=True)
    unknown = [loss for loss in losses if loss not in LOSSES]
    if unknown:
        raise ParameterError("losses", f"must be among {', '.join(LOSSES)}; got {unknown}")
    tasks = [(prior, n, alpha, list(losses), regularisation, seed, trial) for trial in range(trials)]
    results = (ensemble.run(erm_instance, tasks, "ERM instances") if ensemble is not None
               else [erm_instance(*task) for task in tasks])
    rows = []
    for loss in losses:
        values = np.array([r[loss] for r in results if r[loss] is not None])
        rows.append({"loss": loss, "alpha": alpha, "n": n, "mean": values.mean() if values.size else np.nan,
                     "standard_error": standard_error_of_mean(values),
                     "trials": int(values.size), "failed": sum(r[loss] is None for r in results)})
    return pd.DataFrame(rows)
