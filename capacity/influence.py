r"""Influence of removing training points from a linearised model, in the primal and in the dual, and retraining.

Setting (Sun & Valaee 2026, "Extending Kernel Trick to Influence Functions", arXiv:2605.11239). A linearised model
(:mod:`capacity.linearised`) :math:`f(x) = f_0(x) + J(x)\delta` is trained on :math:`N` points by

.. math:: L_w(\delta) = \frac1N\sum_{i=1}^N w_i\,\ell\big(y_i, f(x_i)\big) + \frac\lambda2|\delta|^2,
    \qquad w_i = 1,

and removing a set :math:`R` of points sets :math:`w_i = 0` for :math:`i\in R` (the influence-function convention of
Koh & Liang, ICML 2017: the remaining points keep their weight :math:`1/N`; retraining on the retained data with
their mean instead is the same problem with ridge :math:`\lambda N/(N - |R|)`).

Stationarity gives the *dual* (representer) form of the optimum, :math:`\delta^* = J^\top a` with
:math:`a = -g/(N\lambda)`, :math:`g_i = \partial_f\ell(y_i, f(x_i))`: every change of the parameters caused by
reweighting lies in the span of the Jacobian rows. The influence of removing :math:`R` is the Newton step of the
retained objective from :math:`\delta^*`,

.. math:: \Delta\delta = H_S^{-1}\,\frac1N J_R^\top g_R,\qquad
    H_S = \lambda I + \frac1N J_S^\top D_S J_S,

with :math:`D` the loss curvature (blocks :math:`d_\text{out}\times d_\text{out}`) and :math:`S` the retained points
(``hessian="retained"``, exact for the square loss) or all points (``hessian="full"``, the classical influence
function). It is computed

* in the **primal** (:func:`influence_primal`): conjugate gradients on :math:`H_S x = v` with Hessian-vector
  products :math:`\lambda x + J_S^\top D_S J_Sx/N`, never forming the :math:`P\times P` matrix;
* in the **dual** (:func:`influence_dual`): with :math:`D_S = R_S^2` and the kernel :math:`K = JJ^\top`
  (Woodbury's identity, derived from the stationarity condition above),

  .. math:: \Delta\delta = J^\top c,\qquad c = \frac1\lambda\Big[b - E_S R_S\,M^{-1}R_S\,\frac{K_{S\cdot}\,b}N\Big],
      \qquad M = \lambda I + \frac{R_S K_{SS} R_S}N,\quad b = \frac1N E_R\,g_R,

  a system of size :math:`|S|\,d_\text{out}`, whatever :math:`P`.

For the square loss the linearised model is kernel ridge regression with ridge :math:`N\lambda` and leave-one-out is
exact in closed form: with :math:`B = N\lambda(K + N\lambda I)^{-1}` (:math:`= I - S`, :math:`S` the smoother) the
leave-one-out residual of point :math:`i` is :math:`B_{ii}^{-1}r_i` (:math:`d_\text{out}\times d_\text{out}` blocks;
:math:`r_i/(1 - S_{ii})` for one output), :func:`leave_one_out_residuals`.

Retraining (:func:`retrain`) solves the retained problem from scratch: closed form for the square loss, cvxpy or
L-BFGS in the primal for the logistic and cross-entropy losses. Every fit is certified by its gradient: the
objective is :math:`\lambda`-strongly convex, so :math:`|\delta - \delta^*| \le |\nabla L(\delta)|/\lambda`
(recomputed with the Jacobian, independently of the solver).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.linalg
from scipy.sparse.linalg import LinearOperator, cg
from scipy.special import expit, log_softmax, softmax

from replica.errors import ConvergenceError, ParameterError
from replica.validation import check_real

__all__ = ["LOSSES", "TrainingProblem", "Fit", "Influence", "fit", "retrain", "influence_dual", "influence_primal",
           "leave_one_out_residuals", "leave_one_out_by_refitting", "compare_removal", "removal_table",
           "CERTIFIED_RELATIVE_DISTANCE", "RETRAIN_PRECISION", "CVXPY_TOLERANCES"]

#: Tolerances passed to cvxpy's solvers when retraining (their defaults stop near 1e-8 in the objective, which leaves
#: the parameters uncertain to about 1e-4, too coarse for the change caused by removing one point).
CVXPY_TOLERANCES = {"CLARABEL": {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11, "tol_feas": 1e-11, "tol_ktratio": 1e-9},
                    "SCS": {"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iters": 200_000}}
#: A retrained change is accepted when its uncertainty (the distance bounds of the two fits) is below this fraction
#: of its norm; otherwise the removal is reported as doubtful and left out of the summaries.
RETRAIN_PRECISION = 1e-4
#: A fit is certified when its distance bound :math:`|\nabla L|/\lambda` is below this fraction of :math:`|\delta|`.
CERTIFIED_RELATIVE_DISTANCE = 1e-10


@dataclass(frozen=True)
class _Loss:
    r"""A loss of the outputs :math:`f\in\mathbb R^{d_\text{out}}`: value, gradient :math:`g = \partial_f\ell` and
    the symmetric square root :math:`R` of its curvature :math:`D = \partial_f^2\ell` (``(n, d, d)`` blocks)."""

    name: str
    outputs: str

    def value(self, f, y) -> np.ndarray:
        if self.name == "square":
            return 0.5 * np.sum((f - y) ** 2, axis=1)
        if self.name == "logistic":
            return np.logaddexp(0.0, -y[:, 0] * f[:, 0])
        return -log_softmax(f, axis=1)[np.arange(len(f)), y.astype(int)[:, 0]]

    def gradient(self, f, y) -> np.ndarray:
        if self.name == "square":
            return f - y
        if self.name == "logistic":
            return (-y[:, 0] * expit(-y[:, 0] * f[:, 0]))[:, None]
        p = softmax(f, axis=1)
        p[np.arange(len(f)), y.astype(int)[:, 0]] -= 1.0
        return p

    def curvature_root(self, f, y) -> np.ndarray:
        n, d = f.shape
        if self.name == "square":
            return np.broadcast_to(np.eye(d), (n, d, d)).copy()
        if self.name == "logistic":
            margin = y[:, 0] * f[:, 0]
            return np.sqrt(expit(margin) * expit(-margin))[:, None, None]
        p = softmax(f, axis=1)
        curvature = np.einsum("ij,jk->ijk", p, np.eye(d)) - p[:, :, None] * p[:, None, :]
        values, vectors = np.linalg.eigh(curvature)
        return np.einsum("nij,nj,nkj->nik", vectors, np.sqrt(np.clip(values, 0.0, None)), vectors)


#: The losses: ``square`` (any number of outputs, real labels), ``logistic`` (one output, labels ±1) and
#: ``cross-entropy`` (softmax over ``d_out >= 2`` outputs, integer class labels).
LOSSES = {"square": _Loss("square", "any"), "logistic": _Loss("logistic", "one"),
          "cross-entropy": _Loss("cross-entropy", "several")}


@dataclass
class TrainingProblem:
    r"""A linearised model's training problem: stacked Jacobian, initial outputs, labels, loss and ridge.

    Parameters
    ----------
    jacobian : ndarray, shape (N * d_out, P)
        Point-major stacked Jacobian of the training inputs (:meth:`capacity.linearised.LinearisedModel.stacked`).
    initial : ndarray, shape (N, d_out)
        :math:`f_0` on the training inputs.
    labels : ndarray, shape (N, d_out) or (N,)
        Real targets (square loss), ±1 (logistic) or class indices (cross-entropy).
    loss : str
        A key of :data:`LOSSES`.
    ridge : float
        :math:`\lambda > 0`.
    """

    jacobian: np.ndarray
    initial: np.ndarray
    labels: np.ndarray
    loss: str
    ridge: float
    _kernel: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ParameterError("loss", f"must be one of {', '.join(LOSSES)}; got {self.loss!r}")
        self.ridge = check_real("ridge", self.ridge, 0.0, 1e12, low_open=True)
        self.initial = np.asarray(self.initial, dtype=float)
        n, d = self.initial.shape
        self.labels = np.asarray(self.labels, dtype=float).reshape(n, -1)
        self.jacobian = np.asarray(self.jacobian, dtype=float)
        if self.jacobian.shape[0] != n * d:
            raise ParameterError("jacobian", f"must have N * d_out = {n * d} rows; got {self.jacobian.shape[0]}")
        if self.loss == "logistic" and (d != 1 or not np.all(np.abs(self.labels) == 1)):
            raise ParameterError("labels", "the logistic loss takes one output and labels +1 or -1")
        if self.loss == "cross-entropy" and (d < 2 or self.labels.shape[1] != 1 or np.any(self.labels < 0)
                                             or np.any(self.labels >= d) or np.any(self.labels % 1)):
            raise ParameterError("labels", f"the cross-entropy loss takes d_out >= 2 outputs and class indices in "
                                           f"[0, {d - 1}]")
        if self.loss == "square" and self.labels.shape[1] != d:
            raise ParameterError("labels", f"the square loss takes one label per output ({d}); got "
                                           f"{self.labels.shape[1]}")

    @property
    def points(self) -> int:
        return self.initial.shape[0]

    @property
    def outputs(self) -> int:
        return self.initial.shape[1]

    @property
    def kernel(self) -> np.ndarray:
        r"""The empirical kernel :math:`K = JJ^\top` (computed once)."""
        if self._kernel is None:
            self._kernel = self.jacobian @ self.jacobian.T
        return self._kernel

    def rows(self, points) -> np.ndarray:
        """Row indices of the stacked Jacobian for the given point indices."""
        points = np.asarray(points, dtype=int)
        return (points[:, None] * self.outputs + np.arange(self.outputs)).ravel()

    def outputs_at(self, delta) -> np.ndarray:
        """:math:`f = f_0 + J\\delta` on the training points, shape ``(N, d_out)``."""
        return self.initial + (self.jacobian @ delta).reshape(self.points, self.outputs)

    def objective(self, delta, kept) -> float:
        """:math:`L_w(\\delta)` with weights 1 on ``kept`` (a boolean mask) and 0 elsewhere."""
        f = self.outputs_at(delta)
        return float(LOSSES[self.loss].value(f[kept], self.labels[kept]).sum() / self.points
                     + 0.5 * self.ridge * delta @ delta)

    def gradient(self, delta, kept) -> np.ndarray:
        r""":math:`\nabla L_w(\delta) = J^\top (w\,g)/N + \lambda\delta`, computed with the Jacobian."""
        g = LOSSES[self.loss].gradient(self.outputs_at(delta), self.labels) * kept[:, None]
        return self.jacobian.T @ g.ravel() / self.points + self.ridge * delta


@dataclass(frozen=True)
class Fit:
    r"""A certified minimiser of :math:`L_w`.

    Attributes
    ----------
    delta : ndarray, shape (P,)
    status : str
        ``certified`` (the distance bound is below :data:`CERTIFIED_RELATIVE_DISTANCE` of :math:`|\delta|`, or below
        the caller's tolerance) or ``doubtful``.
    distance_bound : float
        :math:`|\nabla L_w(\delta)|/\lambda \ge |\delta - \delta^*|`.
    iterations : int
    method : str
    """

    delta: np.ndarray
    status: str
    distance_bound: float
    iterations: int
    method: str


def _certify(problem: TrainingProblem, delta, kept, iterations, method, tolerance=None) -> Fit:
    bound = float(np.linalg.norm(problem.gradient(delta, kept)) / problem.ridge)
    limit = CERTIFIED_RELATIVE_DISTANCE * max(float(np.linalg.norm(delta)), 1e-300) if tolerance is None else tolerance
    return Fit(delta, "certified" if bound <= limit else "doubtful", bound, iterations, method)


def _kept_mask(problem, removed) -> np.ndarray:
    kept = np.ones(problem.points, dtype=bool)
    kept[np.asarray(removed, dtype=int)] = False
    return kept


def _curvature_roots(problem, f, points) -> np.ndarray:
    """Block-diagonal :math:`R_S` as a dense matrix over the rows of ``points``."""
    roots = LOSSES[problem.loss].curvature_root(f[points], problem.labels[points])
    return scipy.linalg.block_diag(*roots) if problem.outputs > 1 else np.diag(roots[:, 0, 0])


def fit(problem: TrainingProblem, removed=(), *, max_iterations: int = 100) -> Fit:
    r"""Minimise :math:`L_w` (points ``removed`` have weight 0) by Newton's method on the dual coefficients.

    With :math:`\delta = J_S^\top a` the stationarity condition is :math:`F(a) = g_S(f_0 + K_{SS}a)/N + \lambda a = 0`;
    the Newton step solves :math:`(\lambda I + D_SK_{SS}/N)\,s = -F` and is damped by backtracking on :math:`L_w`
    (convex). One step is exact for the square loss. The result is certified by the primal gradient
    (:func:`_certify`)."""
    loss = LOSSES[problem.loss]
    kept = _kept_mask(problem, removed)
    points = np.flatnonzero(kept)
    rows = problem.rows(points)
    kernel = problem.kernel[np.ix_(rows, rows)]
    jac = problem.jacobian[rows]
    n = problem.points
    a = np.zeros(rows.size)
    for iteration in range(1, max_iterations + 1):
        f = problem.initial[points] + (kernel @ a).reshape(-1, problem.outputs)
        y = problem.labels[points]
        residual = loss.gradient(f, y).ravel() / n + problem.ridge * a
        roots = loss.curvature_root(f, y)
        curvature = np.einsum("nij,njk->nik", roots, roots)
        scaled = (curvature @ kernel.reshape(len(points), problem.outputs, -1)).reshape(rows.size, -1)
        step = np.linalg.solve(problem.ridge * np.eye(rows.size) + scaled / n, -residual)
        if problem.loss != "square":
            step = _backtrack(problem, jac, kept, a, step, residual, kernel)
        a = a + step
        delta = jac.T @ a
        certified = _certify(problem, delta, kept, iteration, "dual Newton")
        if certified.status == "certified" or np.linalg.norm(step) <= 1e-15 * max(np.linalg.norm(a), 1e-300):
            return certified
    return certified


def _backtrack(problem, jac, kept, a, step, residual, kernel):
    """Armijo backtracking on :math:`L_w(J^\\top a)`; the directional derivative is :math:`(KF)\\cdot s`."""
    current = problem.objective(jac.T @ a, kept)
    slope = float((kernel @ residual) @ step)
    t = 1.0
    for _ in range(60):
        if problem.objective(jac.T @ (a + t * step), kept) <= current + 1e-4 * t * slope:
            break
        t *= 0.5
    return t * step


def retrain(problem: TrainingProblem, removed=(), *, method: str = "auto", solver: str = "CLARABEL",
            tolerance: float | None = None) -> Fit:
    r"""Retrain on the retained points from scratch, independently of the influence computations.

    ``method``: ``closed-form`` (square loss: :math:`(J_S^\top J_S/N + \lambda I)\delta = J_S^\top(y-f_0)_S/N`,
    a :math:`P\times P` solve when :math:`P` is at most the number of retained outputs, otherwise the push-through form
    :math:`\delta = J_S^\top(K_{SS} + N\lambda I)^{-1}(y-f_0)_S`), ``cvxpy`` (the primal program), ``lbfgs``
    (scipy's L-BFGS in the primal), ``auto`` (closed form for the square loss, cvxpy up to :math:`P = 2000`,
    L-BFGS above). Certified by the gradient bound, against ``tolerance`` when given. A cvxpy solve that does not
    end ``optimal`` is not used: the retained problem is then solved by L-BFGS (``method`` says so)."""
    kept = _kept_mask(problem, removed)
    points = np.flatnonzero(kept)
    rows = problem.rows(points)
    jac, n, lam = problem.jacobian[rows], problem.points, problem.ridge
    target = (problem.labels - problem.initial)[points].ravel() if problem.loss == "square" else None
    if method == "auto":
        method = "closed-form" if problem.loss == "square" else "cvxpy" if jac.shape[1] <= 2000 else "lbfgs"
    if method == "closed-form":
        if problem.loss != "square":
            raise ParameterError("method", "closed-form retraining exists for the square loss only")
        if jac.shape[1] <= rows.size:
            delta = scipy.linalg.solve(jac.T @ jac / n + lam * np.eye(jac.shape[1]), jac.T @ target / n,
                                       assume_a="pos")
        else:
            delta = jac.T @ scipy.linalg.solve(jac @ jac.T + n * lam * np.eye(rows.size), target, assume_a="pos")
        return _certify(problem, delta, kept, 1, "closed form", tolerance)
    if method == "lbfgs":
        from scipy.optimize import minimize

        def objective(delta):
            return problem.objective(delta, kept), problem.gradient(delta, kept)

        result = minimize(objective, np.zeros(problem.jacobian.shape[1]), jac=True, method="L-BFGS-B",
                          options={"gtol": 1e-14, "ftol": 0.0, "maxiter": 50_000, "maxcor": 30})
        return _certify(problem, result.x, kept, int(result.nit), "L-BFGS", tolerance)
    if method == "cvxpy":
        solved = _retrain_cvxpy(problem, kept, solver, tolerance)
        if math.isfinite(solved.distance_bound):
            return solved
        # the solver's doubt is not overruled: the answer comes from the certified first-order solver instead
        fallback = retrain(problem, removed, method="lbfgs", tolerance=tolerance)
        return Fit(fallback.delta, fallback.status, fallback.distance_bound, fallback.iterations,
                   f"L-BFGS after {solved.method}")
    raise ParameterError("method", f"must be auto, closed-form, cvxpy or lbfgs; got {method!r}")


def _retrain_cvxpy(problem, kept, solver, tolerance) -> Fit:
    import cvxpy as cp

    points = np.flatnonzero(kept)
    jac = problem.jacobian[problem.rows(points)]
    delta = cp.Variable(jac.shape[1])
    f = (problem.initial[points].ravel() + jac @ delta)
    y = problem.labels[points]
    if problem.loss == "square":
        risk = cp.sum_squares(f - y.ravel()) / 2
    elif problem.loss == "logistic":
        risk = cp.sum(cp.logistic(-cp.multiply(y[:, 0], f)))
    else:
        scores = cp.reshape(f, (len(points), problem.outputs), order="C")
        risk = cp.sum(cp.log_sum_exp(scores, axis=1)) - cp.sum(cp.multiply(np.eye(problem.outputs)[y[:, 0].astype(int)],
                                                                              scores))
    program = cp.Problem(cp.Minimize(risk / problem.points + problem.ridge * cp.sum_squares(delta) / 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            program.solve(solver=solver, **CVXPY_TOLERANCES.get(solver, {}))
        except cp.error.SolverError:
            return Fit(np.full(jac.shape[1], np.nan), "doubtful", math.inf, 0, f"cvxpy {solver} (solver error)")
    if delta.value is None:
        return Fit(np.full(jac.shape[1], np.nan), "doubtful", math.inf, 0, f"cvxpy {solver} ({program.status})")
    certified = _certify(problem, np.asarray(delta.value), kept, 0, f"cvxpy {solver}", tolerance)
    if program.status != cp.OPTIMAL:  # the solver's own doubt is kept: no distance is vouched for
        return Fit(certified.delta, "doubtful", math.inf, 0, f"cvxpy {solver} ({program.status})")
    return certified


@dataclass(frozen=True)
class Influence:
    r"""A predicted change of the parameters, :math:`\Delta\delta`, with how it was computed.

    Attributes
    ----------
    change : ndarray, shape (P,)
    dual : ndarray or None
        The dual coefficients :math:`c` (:math:`\Delta\delta = J^\top c`), for the dual computation.
    method : str
        ``dual`` or ``primal CG``.
    status : str
        ``converged`` or ``doubtful`` (CG stopped before its tolerance).
    residual : float
        Relative residual of the linear system solved.
    iterations : int
    seconds : float
        Time of the solve (the kernel, or the Jacobian, given).
    """

    change: np.ndarray
    dual: np.ndarray | None
    method: str
    status: str
    residual: float
    iterations: int
    seconds: float


def _influence_setup(problem: TrainingProblem, fitted: Fit, removed, hessian: str):
    if hessian not in ("retained", "full"):
        raise ParameterError("hessian", f"must be retained (the Newton step, exact for the square loss) or full (the "
                                        f"classical influence function); got {hessian!r}")
    removed = np.unique(np.asarray(removed, dtype=int))
    if removed.size == 0 or removed.size >= problem.points:
        raise ParameterError("remove", f"must remove between 1 and N - 1 = {problem.points - 1} points; got "
                                       f"{removed.size}")
    f = problem.outputs_at(fitted.delta)
    g = LOSSES[problem.loss].gradient(f, problem.labels)
    b = np.zeros(problem.points * problem.outputs)
    b[problem.rows(removed)] = g[removed].ravel() / problem.points
    hessian_points = np.flatnonzero(_kept_mask(problem, removed)) if hessian == "retained" \
        else np.arange(problem.points)
    return f, b, hessian_points


def influence_dual(problem: TrainingProblem, fitted: Fit, removed, *, hessian: str = "retained") -> Influence:
    r"""The predicted :math:`\Delta\delta` from the kernel: :math:`c` of the module docstring, by a Cholesky solve
    of size :math:`|S|\,d_\text{out}`; :math:`\Delta\delta = J^\top c`."""
    f, b, points = _influence_setup(problem, fitted, removed, hessian)
    start = time.perf_counter()
    rows = problem.rows(points)
    root = _curvature_roots(problem, f, points)
    kernel = problem.kernel
    n, lam = problem.points, problem.ridge
    system = lam * np.eye(rows.size) + root @ kernel[np.ix_(rows, rows)] @ root / n
    right = root @ (kernel[rows] @ b) / n
    solution = scipy.linalg.cho_solve(scipy.linalg.cho_factor(system), right)
    c = b.copy()
    c[rows] -= root @ solution
    c /= lam
    residual = float(np.linalg.norm(system @ solution - right) / max(np.linalg.norm(right), 1e-300))
    seconds = time.perf_counter() - start
    return Influence(problem.jacobian.T @ c, c, "dual", "converged", residual, 1, seconds)


def influence_primal(problem: TrainingProblem, fitted: Fit, removed, *, hessian: str = "retained",
                     rtol: float = 1e-12, max_iterations: int | None = None) -> Influence:
    r"""The predicted :math:`\Delta\delta` from conjugate gradients on :math:`H_Sx = J_R^\top g_R/N` (scipy's
    ``cg``), with Hessian-vector products through the Jacobian; ``doubtful`` if CG stops above ``rtol``."""
    f, b, points = _influence_setup(problem, fitted, removed, hessian)
    start = time.perf_counter()
    jac = problem.jacobian
    rows = problem.rows(points)
    jac_s = jac[rows]
    roots = LOSSES[problem.loss].curvature_root(f[points], problem.labels[points])
    curvature = np.einsum("nij,njk->nik", roots, roots)
    n, lam, size = problem.points, problem.ridge, jac.shape[1]

    def product(x):
        inner = (jac_s @ x).reshape(len(points), problem.outputs, 1)
        return lam * x + jac_s.T @ (curvature @ inner).ravel() / n

    operator = LinearOperator((size, size), matvec=product, dtype=float)
    right = jac.T @ b
    count = [0]

    def callback(_):
        count[0] += 1

    x, _ = cg(operator, right, rtol=rtol, atol=0.0, maxiter=max_iterations or 10 * size, callback=callback)
    residual = float(np.linalg.norm(product(x) - right) / max(np.linalg.norm(right), 1e-300))
    seconds = time.perf_counter() - start
    status = "converged" if residual <= 10 * rtol else "doubtful"
    return Influence(x, None, "primal CG", status, residual, count[0], seconds)


def leave_one_out_residuals(problem: TrainingProblem) -> np.ndarray:
    r"""Exact leave-one-out residuals of the square loss, all points at the cost of one solve:
    :math:`r^{\rm loo}_i = B_{ii}^{-1}r_i`, :math:`B = N\lambda(K + N\lambda I)^{-1}`, :math:`r = y - f` at the
    full fit (kernel ridge regression's identity; Wahba 1990, Allen 1974). Shape ``(N, d_out)``."""
    if problem.loss != "square":
        raise ParameterError("loss", "the closed-form leave-one-out residuals exist for the square loss only")
    n, d, lam = problem.points, problem.outputs, problem.ridge
    target = (problem.labels - problem.initial).ravel()
    factor = scipy.linalg.cho_factor(problem.kernel + n * lam * np.eye(n * d))
    inverse = scipy.linalg.cho_solve(factor, np.eye(n * d))
    residuals = (n * lam * inverse @ target).reshape(n, d)  # y - f at the full fit
    blocks = n * lam * np.stack([inverse[i * d:(i + 1) * d, i * d:(i + 1) * d] for i in range(n)])
    return np.linalg.solve(blocks, residuals[:, :, None])[:, :, 0]


def leave_one_out_by_refitting(problem: TrainingProblem, points=None) -> np.ndarray:
    """Leave-one-out residuals by refitting without each point (:func:`retrain`), for checking
    :func:`leave_one_out_residuals`; ``points`` defaults to all."""
    points = range(problem.points) if points is None else points
    rows = []
    for i in points:
        refit = retrain(problem, [i])
        rows.append(problem.labels[i] - problem.outputs_at(refit.delta)[i])
    return np.array(rows)


def compare_removal(problem: TrainingProblem, fitted: Fit, removed, *, test_jacobian, test_initial, test_labels,
                    hessian: str = "retained", primal: bool = True, retrain_method: str = "auto",
                    solver: str = "CLARABEL", rng=None) -> dict:
    r"""One removal: the dual and primal predictions against retraining, with a random baseline.

    Metrics (the paper's): the relative L2 distance of the predicted parameter change to the retrained one,
    :math:`|\Delta\delta_\text{pred} - \Delta\delta_\text{true}|/|\Delta\delta_\text{true}|`; the same for the
    outputs on test points (:math:`J_\text{test}\Delta\delta`); the predicted and actual change of the mean test
    loss. Baseline: a parameter change of the same norm as the prediction in a uniformly random direction (its
    relative distance is about :math:`\sqrt2` in parameters). ``primal_dual_gap`` is the relative distance between
    the two predictions.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    removed = np.unique(np.asarray(removed, dtype=int))
    dual = influence_dual(problem, fitted, removed, hessian=hessian)
    row = {"removed": int(removed.size), "fraction": removed.size / problem.points, "hessian": hessian,
           "dual_seconds": dual.seconds}
    if primal:
        primal_influence = influence_primal(problem, fitted, removed, hessian=hessian)
        row |= {"primal_dual_gap": _relative(primal_influence.change - dual.change, dual.change),
                "cg_status": primal_influence.status, "cg_iterations": primal_influence.iterations,
                "primal_seconds": primal_influence.seconds}
    truth_fit = retrain(problem, removed, method=retrain_method, solver=solver)
    truth = truth_fit.delta - fitted.delta
    # the retrained change is known to within the two fits' distance bounds (infinite if a solver was in doubt)
    uncertainty = (truth_fit.distance_bound + fitted.distance_bound) / max(float(np.linalg.norm(truth)), 1e-300)
    direction = rng.standard_normal(truth.size)
    baseline = direction * np.linalg.norm(dual.change) / np.linalg.norm(direction)
    loss = LOSSES[problem.loss]
    d = problem.outputs
    test_initial = np.asarray(test_initial, dtype=float).reshape(-1, d)
    test_labels = np.asarray(test_labels, dtype=float).reshape(len(test_initial), -1)

    def test_outputs(delta):
        return test_initial + (test_jacobian @ delta).reshape(-1, d)

    before = test_outputs(fitted.delta)
    loss_before = float(loss.value(before, test_labels).mean())
    true_outputs = test_outputs(truth_fit.delta) - before
    retrain_status = "certified" if uncertainty <= RETRAIN_PRECISION else "doubtful"
    row |= {"retrain_status": retrain_status, "retrain_method": truth_fit.method,
            "retrain_uncertainty": uncertainty,
            "param_change_norm": float(np.linalg.norm(truth)),
            "param_rel_error": _relative(dual.change - truth, truth),
            "baseline_param_rel_error": _relative(baseline - truth, truth),
            "output_rel_error": _relative((test_jacobian @ (dual.change - truth)), true_outputs),
            "baseline_output_rel_error": _relative((test_jacobian @ (baseline - truth)), true_outputs),
            "loss_change": float(loss.value(before + true_outputs, test_labels).mean()) - loss_before,
            "predicted_loss_change": float(loss.value(test_outputs(fitted.delta + dual.change), test_labels).mean())
            - loss_before}
    row["loss_rel_error"] = abs(row["predicted_loss_change"] - row["loss_change"]) / max(abs(row["loss_change"]),
                                                                                         1e-300)
    return row


def _relative(difference, reference) -> float:
    return float(np.linalg.norm(difference) / max(float(np.linalg.norm(reference)), 1e-300))



def removal_table(problem: TrainingProblem, removals, *, test_jacobian, test_initial, test_labels,
                  fitted: Fit | None = None, seed: int = 0, **options) -> pd.DataFrame:
    """Every removal in ``removals`` (a list of index arrays) compared with retraining (:func:`compare_removal`,
    whose keywords ``options`` are passed on): a tidy frame, one row per removal, the first column its position in
    ``removals``. The model is fitted once (:func:`fit`) unless ``fitted`` is given; an uncertified fit is an error."""
    fitted = fit(problem) if fitted is None else fitted
    if fitted.status != "certified":
        raise ConvergenceError(f"the fit is not certified: distance bound {fitted.distance_bound:.3g} after "
                               f"{fitted.iterations} Newton iterations")
    rng = np.random.default_rng(seed)
    return pd.DataFrame([{"removal": k, **compare_removal(problem, fitted, removed, test_jacobian=test_jacobian,
                                                          test_initial=test_initial, test_labels=test_labels,
                                                          rng=rng, **options)}
                         for k, removed in enumerate(removals)])
