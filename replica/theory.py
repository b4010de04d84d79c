r"""Compiled numerics of a model's derivation, vectorised over parameter grids.

For the spherical perceptron (Gardner 1988) this gives

* the capacity :math:`\alpha_c(\kappa) = 1/\int_{-\kappa}^\infty Dt\,(t+\kappa)^2` over arrays of margins;
* the finite-load saddle point :math:`q(\alpha)`, the root in :math:`(0,1)` of the scaled stationarity
  :math:`r(q) = 2(1-q)^2\, d\phi/dq` (bounded as :math:`q \to 1`, where :math:`r \to 1 - \alpha/\alpha_c`);
* the replicon eigenvalue (RS stability) at finite load and at capacity;
* the inverse :math:`\kappa(\alpha)` of the capacity curve, the largest margin at load :math:`\alpha`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy as sp

from .derivation import Derivation, derive
from .errors import ModelDeclarationError, ParameterError, ReplicaError
from .models import Model, get_model
from .solvers import Solution, Status, damped_iteration, find_roots
from .solvers.branches import follow_branch, sign_changes
from .symbolic import compile_expression
from .symbolic.codegen import DEFAULT_NODES
from .symbolic.saddle_point import fixed_point_form
from .symbolic.symbols import alpha, q
from .validation import check_int, check_real, check_real_array

__all__ = ["Theory", "theory", "RSInstabilityWarning"]

#: Overlaps searched for the saddle point: (Q_MIN, 1 - Q_MIN).
Q_MIN = 1e-10
#: Tolerance on the stationarity residual re-evaluated with twice the quadrature nodes.
QUADRATURE_TOLERANCE = 1e-8
#: Relative accuracy of a reported order parameter x: the root may move by at most this times min(x, 1 - x).
POSITION_TOLERANCE = 1e-5
#: Rounding error assumed in one evaluation of a fixed-point map of order one (a few ulps).
ROUNDING_FLOOR = 8 * np.finfo(float).eps
#: Damping and tolerance of the fixed-point iteration (models whose conjugates are not eliminated).
DAMPING = 0.5
FIXED_POINT_TOLERANCE = 1e-13
#: Relative distances below the q -> 1 load tried, in order, as the upper end of the zero-entropy search; below
#: about 1e-5 the saddle point of binary weights is no longer resolved in double precision.
ZERO_ENTROPY_GAPS = (1e-4, 1e-5)
#: |replicon| below this is reported as marginal stability.
MARGINAL_TOLERANCE = 1e-9


class RSInstabilityWarning(UserWarning):
    """The replica-symmetric answer was computed where replica symmetry is unstable."""


def stability_label(replicon_value: float) -> str:
    """``"stable"``, ``"marginal"`` or ``"unstable"`` from the sign of the replicon eigenvalue."""
    if abs(replicon_value) <= MARGINAL_TOLERANCE:
        return "marginal"
    return "stable" if replicon_value > 0 else "unstable"


class LoadAffineExpression:
    r"""A compiled :math:`a(x, \theta) + \alpha\, b(x, \theta)`, with :math:`a` and :math:`b` evaluated once per distinct argument.

    The energetic term of a replica free entropy enters as :math:`\alpha\,\Psi_{out}`, so stationarity conditions
    and conjugate updates are affine in the load (e.g. :math:`\hat q = 2\alpha\Psi_{out}'(q)` on the Nishimori
    line). A scan over loads evaluates the same overlaps at every load; this evaluates both parts on the distinct
    tuples of the other arguments only (the expensive part when :math:`\Psi_{out}` is a nested Gaussian mean) and
    combines them with the load.
    """

    def __init__(self, expression, point, n_nodes):
        self._load_index = point.index(alpha)
        constant = expression.xreplace({alpha: sp.S.Zero})
        rate = expression.xreplace({alpha: sp.S.One}) - constant
        self._parts = []
        for part in (constant, rate):
            used = [i for i, symbol in enumerate(point) if symbol in part.free_symbols] or [0]  # 0: a constant
            self._parts.append((used, compile_expression(part, [point[i] for i in used], n_nodes)))

    @staticmethod
    def applies(expression) -> bool:
        """Whether ``expression`` is affine in the load (and depends on it)."""
        return expression.has(alpha) and sp.diff(expression, alpha, 2) == 0

    def __call__(self, *values):
        arrays = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in values])
        shape = arrays[0].shape
        constant, rate = (self._distinct(used, function, arrays, shape) for used, function in self._parts)
        out = constant + arrays[self._load_index] * rate
        return out[()] if out.ndim == 0 else out

    @staticmethod
    def _distinct(used, function, arrays, shape):
        stacked = np.stack([arrays[i].ravel() for i in used], axis=1)
        distinct, inverse = np.unique(stacked, axis=0, return_inverse=True)
        return np.asarray(function(*distinct.T), dtype=float)[inverse.ravel()].reshape(shape)


def _compile_affine(expression, point, n_nodes):
    """Compile ``expression``, as a :class:`LoadAffineExpression` where it is affine in the load."""
    if LoadAffineExpression.applies(expression):
        return LoadAffineExpression(expression, point, n_nodes)
    return compile_expression(expression, point, n_nodes)


class _OnFirstCall:
    """A compiled function built the first time it is called: a call that needs only the capacity does not pay
    for compiling the saddle-point equations (tenths of a second per model at start-up)."""

    def __init__(self, build, *args):
        self._build, self._args, self._function = build, args, None

    def __call__(self, *values):
        if self._function is None:
            self._function = self._build(*self._args)
        return self._function(*values)


class Theory:
    """Numerical theory of one model, compiled from its :class:`~replica.derivation.Derivation`.

    Parameters
    ----------
    model : str or Model
    n_nodes : int
        Gauss–Hermite nodes for Gaussian means that have no closed form.
    """

    def __init__(self, model: str | Model, n_nodes: int = DEFAULT_NODES):
        self.model = get_model(model)
        self.n_nodes = check_int("n_nodes", n_nodes, 8, 4000)
        self.derivation: Derivation = derive(self.model)
        specs = self.model.parameters[1:]  # all but the load
        self._names = tuple(spec.name for spec in specs)
        symbols = tuple(spec.symbol for spec in specs)
        d = self.derivation
        saddle = d.saddle_point
        self._maps, self._inner = {}, {}  # fixed-point map per quadrature order, where the model has one
        lazy = _OnFirstCall
        self._alpha_c = None if d.capacity is None else lazy(compile_expression, d.capacity.alpha_c, symbols)
        self._replicon_at_capacity = (None if d.replicon_at_capacity is None
                                      else lazy(compile_expression, d.replicon_at_capacity, symbols))
        if saddle.eliminated:
            point = (q, alpha) + symbols
            scaled = 2 * (1 - q) ** 2 * saddle.stationarity
            self._scaled_stationarity = {n: lazy(_compile_affine, scaled, point, n)
                                         for n in (self.n_nodes, 2 * self.n_nodes)}
            self._stationarity = lazy(compile_expression, saddle.stationarity, point, self.n_nodes)
            self._free_entropy = lazy(compile_expression, saddle.reduced, point, self.n_nodes)
            self._replicon = None if d.replicon is None else lazy(compile_expression, d.replicon, point, self.n_nodes)
            self._conjugates = {str(c): lazy(compile_expression, v, (q,)) for c, v in saddle.conjugate_solution.items()}
            if self.model.bayes_optimal:  # state evolution iterates the map even where the conjugate is eliminated
                mapping, _ = fixed_point_form(d.free_entropy, saddle.gradient)
                self._compile_maps(mapping, {}, symbols)
        else:
            self._compile_maps(saddle.fixed_point, saddle.inner_equations, symbols)
            fe = d.free_entropy
            point = fe.order_parameters + fe.conjugates + (alpha,) + symbols
            self._free_entropy_at = lazy(compile_expression, fe.expression, point, self.n_nodes)
            self._replicon = None if d.replicon is None else lazy(compile_expression, d.replicon, point, self.n_nodes)

    def _compile_maps(self, mapping: dict, inner: dict, symbols: tuple) -> None:
        """Compile the fixed-point map (and inner equations) at the solve and the check quadrature orders."""
        fe = self.derivation.free_entropy
        point = fe.order_parameters + fe.conjugates + (alpha,) + symbols
        self._orders = tuple(str(x) for x in fe.order_parameters)
        self._conjugate_names = tuple(str(x) for x in fe.conjugates)
        if len(inner) > 1:
            raise ModelDeclarationError("at most one conjugate without a partner order parameter is supported; "
                                        f"got {list(inner)}")
        for n in (self.n_nodes, 2 * self.n_nodes):  # n_nodes solves, 2 n_nodes checks
            self._maps[n] = {str(x): _OnFirstCall(_compile_affine, v, point, n) for x, v in mapping.items()}
            self._inner[n] = {str(x): _OnFirstCall(compile_expression, e, point, n) for x, e in inner.items()}

    # -- parameters -------------------------------------------------------------------------------------------
    def _parameter_arrays(self, params: dict) -> list[np.ndarray]:
        unknown = set(params) - set(self._names)
        if unknown:
            name = sorted(unknown)[0]
            self.model.parameter(name)  # raises a ParameterError listing the parameters
        arrays = []
        for name in self._names:
            spec = self.model.parameter(name)
            value = params.get(name, spec.default)
            if value is None:
                raise ParameterError(name, f"is required ({spec.description})")
            arrays.append(check_real_array(name, value, spec.low, spec.high,
                                           low_open=spec.low_open, high_open=spec.high_open))
        return arrays

    # -- capacity ---------------------------------------------------------------------------------------------
    def alpha_c(self, **params) -> np.ndarray:
        r"""Critical load from the :math:`q \to 1` limit, e.g. :math:`\alpha_c(\kappa)` (Gardner 1988).

        Vectorised over the parameters; no stability check (see :meth:`replicon_at_capacity`).
        """
        if self._alpha_c is None:
            raise ReplicaError(f"{self.model.name} is a Bayes-optimal teacher-student model: it has no capacity "
                               "(see replica.glm for its errors and transitions)")
        return self._alpha_c(*self._parameter_arrays(params))

    def replicon_at_capacity(self, **params) -> np.ndarray:
        r"""Replicon eigenvalue at :math:`q \to 1`; for Gardner :math:`1 - \alpha_c(\kappa)\Phi(\kappa)`.

        Derived symbolically for continuous weights (:func:`replica.symbolic.stability.replicon_at_capacity`);
        for discrete weights the q -> 1 load is not the capacity: evaluate the ``replicon`` of
        :meth:`saddle_point` at the load of interest.
        """
        if self._replicon_at_capacity is None:
            raise ReplicaError(f"the replicon at q -> 1 is not derived for the {self.model.prior.name} prior; "
                               "use saddle_point(alpha)['replicon']")
        return self._replicon_at_capacity(*self._parameter_arrays(params))

    def invert_capacity(self, load, parameter: str = "kappa", *, throw: bool = False) -> Solution:
        r"""Solve :math:`\alpha_c(\theta) = \alpha` for the parameter :math:`\theta` (the margin by default).

        For the spherical perceptron this is :math:`\kappa(\alpha)`, the largest margin a typical instance at
        load :math:`\alpha` admits as :math:`N \to \infty`. The search interval is the parameter's allowed range
        (the upper end capped at 1e3); solved in :math:`\ln\alpha_c` for conditioning.
        """
        load = check_real_array("alpha", load, 0.0, low_open=True)
        if self._names != (parameter,):
            raise ReplicaError(f"invert_capacity needs a model whose only parameter is {parameter!r}")
        spec = self.model.parameter(parameter)
        upper = min(spec.high if spec.high is not None else 1e3, 1e3)
        solution = find_roots(lambda x, a: np.log(self._alpha_c(x)) - np.log(a), spec.low, upper, (load,),
                              throw=throw)
        return Solution({parameter: solution["x"]}, solution.status, solution.n_iter, solution.residual)

    # -- finite load ------------------------------------------------------------------------------------------
    def _require_elimination(self, what: str) -> None:
        if not self.derivation.saddle_point.eliminated:
            raise ReplicaError(f"{what} needs the conjugates eliminated, which the {self.model.prior.name} prior "
                               "does not allow; use saddle_point() for values at the saddle")

    def free_entropy(self, q_value, load, **params) -> np.ndarray:
        r"""Reduced RS free entropy :math:`\phi(q)` (conjugates at their saddle)."""
        self._require_elimination("free_entropy(q, alpha)")
        return self._free_entropy(q_value, load, *self._parameter_arrays(params))

    def stationarity(self, q_value, load, **params) -> np.ndarray:
        r""":math:`d\phi/dq` of the reduced free entropy, from the symbolic derivative."""
        self._require_elimination("stationarity(q, alpha)")
        return self._stationarity(q_value, load, *self._parameter_arrays(params))

    def saddle_point(self, load, *, method: str = "root", throw: bool = False, **params) -> Solution:
        r"""Solve the RS saddle point at load :math:`\alpha` below capacity, vectorised.

        With the conjugates eliminated (spherical prior) the overlap is the root of
        :math:`r(q) = 2(1-q)^2\,d\phi/dq` in :math:`(10^{-10}, 1-10^{-10})`; each converged point is re-checked with
        twice the quadrature nodes, and a residual above 1e-8 there gives status ``INACCURATE``. Otherwise (e.g.
        Ising, sign-constrained) the fixed-point form is solved, by ``method="root"`` (bracketed root of
        :math:`G(q) - q`) or ``method="damped"`` (damped iteration), with an unpaired conjugate found by an inner
        root search; a point whose map with twice the nodes moves it by more than 1e-8 of :math:`\min(q, 1-q)`
        gets status ``INACCURATE`` (for the sign-constrained prior this happens within about 1e-5 of capacity,
        where :math:`1 - q` is a difference of large Gaussian means). See :meth:`_solve_fixed_point`.

        Parameters
        ----------
        load : array_like
            Loads in :math:`(0, \alpha_{q\to1})`.
        method : {"root", "damped"}
            Solver for the fixed-point form (ignored when the conjugates are eliminated).
        throw : bool
            Raise :class:`~replica.errors.ConvergenceError` unless every point converged.
        **params
            Model parameters, broadcast against ``load``.

        Returns
        -------
        Solution
            Values ``q``, the conjugates, ``free_entropy`` and ``replicon``; ``residual`` is the residual of the
            solved equation (the larger of the two quadrature orders for the reduced form, :math:`|G(q) - q|` or
            the last relative step for the fixed-point form).

        Raises
        ------
        ParameterError
            If a load is not in :math:`(0, \alpha_c)`.
        """
        if method not in ("root", "damped"):
            raise ParameterError("method", f"must be 'root' or 'damped'; got {method!r}")
        arrays = self._parameter_arrays(params)
        load = check_real_array("alpha", load, 0.0, low_open=True)
        load, *arrays = np.broadcast_arrays(load, *arrays)
        capacity = self._alpha_c(*arrays) if self._alpha_c is not None else np.full(load.shape, np.inf)
        above = load >= capacity
        if np.any(above):
            i = np.flatnonzero(above.ravel())[0]
            where = ", ".join(f"{n}={a.ravel()[i]:g}" for n, a in zip(self._names, arrays))
            raise ParameterError("alpha", f"must lie in (0, alpha_c) = (0, {capacity.ravel()[i]:.6g}) at {where}; "
                                          f"got {load.ravel()[i]:g} (at and above capacity q = 1)")
        if self.derivation.saddle_point.eliminated:
            result = self._solve_reduced(load, arrays)
        else:
            result = self._solve_fixed_point(load, arrays, method)
        return result.raise_on_failure() if throw else result

    def _solve_reduced(self, load, arrays) -> Solution:
        coarse = self._scaled_stationarity[self.n_nodes]
        solution = find_roots(coarse, Q_MIN, 1 - Q_MIN, (load, *arrays), throw=False)
        overlap = solution["x"]
        refined = np.abs(self._scaled_stationarity[2 * self.n_nodes](np.nan_to_num(overlap, nan=0.5), load, *arrays))
        status = solution.status.copy()
        status[(status == Status.SUCCESS) & ~(refined <= QUADRATURE_TOLERANCE)] = Status.INACCURATE
        return Solution(self._complete({"q": overlap}, load, arrays), status, solution.n_iter,
                        np.fmax(solution.residual, refined))

    def _solve_fixed_point(self, load, arrays, method: str = "root") -> Solution:
        """Solve the fixed-point form: conjugates from the order parameters, then order parameters from those.

        ``method="root"`` (one order parameter): the root of :math:`G(q) - q` on :math:`(0, 1)`, where
        :math:`G` is the composed map; it is positive at :math:`q \\to 0` (:math:`G(0) > 0`) and negative as
        :math:`q \\to 1` (:math:`1 - G(q)` vanishes more slowly than :math:`1 - q`), so the bracket holds.
        ``method="damped"``: damped iteration from :math:`q = 1/2`, for any number of order parameters.
        """

        if method == "root" and len(self._orders) == 1:
            name = self._orders[0]
            # the root finder drops converged points between calls, so the parameters travel as arguments
            roots = find_roots(lambda x, a, *ps: self._map({name: x}, a, ps)[name] - x, Q_MIN, 1 - Q_MIN,
                               (load, *arrays))
            solution = Solution({name: roots["x"]}, roots.status, roots.n_iter, roots.residual)
        else:
            solution = damped_iteration(lambda orders: self._map(orders, load, arrays),
                                        {name: np.full(load.shape, 0.5) for name in self._orders},
                                        damping=DAMPING, tol=FIXED_POINT_TOLERANCE)
        status = solution.status.copy()
        status[(status == Status.SUCCESS) & ~self._quadrature_converged(solution.value, load, arrays)] = \
            Status.INACCURATE
        return Solution(self._complete(solution.value, load, arrays), status, solution.n_iter, solution.residual)

    def _quadrature_converged(self, orders, load, arrays) -> np.ndarray:
        """Whether the solved equations still hold with twice the quadrature nodes, and determine the root.

        Reduced form: :math:`|2(1-q)^2\\phi'(q)| \\le` :data:`QUADRATURE_TOLERANCE`. Fixed-point form: the map
        with twice the nodes must move each order parameter by at most that tolerance times
        :math:`\\min(x, 1 - x)` (near capacity :math:`1 - q` is a difference of O(1) Gaussian means), and, for one
        order parameter, the root's uncertainty (:meth:`_root_uncertainty`) must be at most
        :data:`POSITION_TOLERANCE` times :math:`\\min(q, 1 - q)`.
        """
        if self.derivation.saddle_point.eliminated:
            overlap = np.nan_to_num(orders["q"], nan=0.5)
            return np.abs(self._scaled_stationarity[2 * self.n_nodes](overlap, load, *arrays)) <= QUADRATURE_TOLERANCE
        fine = self._map(dict(orders), load, arrays, 2 * self.n_nodes)
        converged = np.ones(np.shape(load), dtype=bool)
        for name in self._orders:
            value = orders[name]
            converged &= np.abs(fine[name] - value) <= QUADRATURE_TOLERANCE * np.fmin(value, 1 - value)
        if len(self._orders) == 1:
            name = self._orders[0]
            value = np.asarray(orders[name], dtype=float)
            uncertainty = self._root_uncertainty(value, fine[name] - value, load, arrays)
            converged &= uncertainty <= POSITION_TOLERANCE * np.fmin(value, 1 - value)
        return converged

    def _root_uncertainty(self, value, fine_residual, load, arrays) -> np.ndarray:
        r"""How far the computed root :math:`q^*` of :math:`F(q) = G(q) - q` can be from the true one.

        An error :math:`\delta F` in evaluating :math:`F` moves its root by :math:`\delta F / |F'(q^*)|`. Near a
        capacity the fixed point is marginal, :math:`1 - G'(q^*) \to 0`, so a map accurate to double precision
        can still place the root anywhere in a wide interval (the sign-constrained perceptron within 1e-5 of
        capacity: :math:`F' \approx 5 \cdot 10^{-6}`). :math:`\delta F` is the larger of :math:`|F|` at the two
        quadrature orders (``fine_residual`` at twice the nodes) and a rounding floor of a few ulps of
        :math:`G \approx q`; :math:`F'` is the central difference over :math:`\pm 10\%` of :math:`\min(q, 1 - q)`.
        Where :math:`F` is noise this slope is noise too, about :math:`\delta F / \delta q`, so the estimate stays
        of the order of the step and the point is still flagged. Returns ``inf`` where anything is not finite.
        """
        name = self._orders[0]
        safe = np.where(np.isfinite(value), value, 0.5)
        step = 0.1 * np.fmin(safe, 1 - safe)
        with np.errstate(all="ignore"):
            coarse = self._map({name: safe}, load, arrays)[name] - safe
            above = self._map({name: safe + step}, load, arrays)[name] - (safe + step)
            below = self._map({name: safe - step}, load, arrays)[name] - (safe - step)
            error = np.fmax(np.fmax(np.abs(coarse), np.abs(fine_residual)), ROUNDING_FLOOR * np.fmax(safe, 1.0))
            uncertainty = error / (np.abs(above - below) / (2 * step))
        return np.where(np.isfinite(uncertainty) & np.isfinite(value), uncertainty, np.inf)

    def _conjugates_at(self, orders, load, arrays, nodes=None):
        """Conjugates from the order parameters (paired maps, then inner roots for unpaired conjugates)."""
        # paired conjugates depend on the order parameters only; a map that read a conjugate would get nan
        # and the point would end with status NONFINITE, never with a silent number
        nodes = nodes or self.n_nodes
        maps = self._maps[nodes]
        values = [orders[name] for name in self._orders]
        args = values + [np.nan] * len(self._conjugate_names)
        hats = {c: maps[c](*args, load, *arrays) for c in self._conjugate_names if c in maps}
        for name, equation in self._inner[nodes].items():
            hats[name] = self._inner_root(name, equation, values, hats, load, arrays)
        return hats

    def _map(self, orders, load, arrays, nodes=None):
        """One application of the fixed-point map :math:`G`: order parameters -> conjugates -> order parameters."""
        nodes = nodes or self.n_nodes
        hats = self._conjugates_at(orders, load, arrays, nodes)
        args = [orders[name] for name in self._orders] + [hats[c] for c in self._conjugate_names]
        return {name: self._maps[nodes][name](*args, load, *arrays) for name in self._orders}

    def _complete(self, orders, load, arrays) -> dict:
        """Order parameters -> every reported value: conjugates, free entropy and (if defined) replicon."""
        values = dict(orders)
        if self.derivation.saddle_point.eliminated:
            overlap = values["q"]
            values.update({name: f(overlap) for name, f in self._conjugates.items()})
            values["free_entropy"] = self._free_entropy(overlap, load, *arrays)
            if self._replicon is not None:
                values["replicon"] = self._replicon(overlap, load, *arrays)
            return values
        values.update(self._conjugates_at(values, load, arrays))
        args = [values[name] for name in self._orders + self._conjugate_names]
        values["free_entropy"] = self._free_entropy_at(*args, load, *arrays)
        if self._replicon is not None:
            values["replicon"] = self._replicon(*args, load, *arrays)
        return values

    def continuation(self, loads, *, start: float = 1e-6, step: float = 1e-3, **params) -> Solution:
        r"""Follow one branch of fixed points along ``loads`` (in the given order), warm-starting every solve.

        At each load the stable root of :math:`G(q) - q` nearest to the previous fixed point is bracketed by a
        search that starts at :math:`q_{prev} \pm` ``step`` and widens geometrically
        (``scipy.optimize.elementwise.bracket_root``), then refined by Chandrupatla's method (about a dozen map
        evaluations per load), so each solve keeps to the branch it started on where several coexist, which a
        solve over the whole interval does not. A sweep in increasing load from :math:`q \approx 0` follows
        the uninformative (state-evolution) branch, one in decreasing load from :math:`q \approx 1` the
        informative branch. Where the followed branch ends (a spinodal) no stable root is found near the previous
        one and the load is solved by damped iteration from there, which lands on another branch: visible as a
        jump in ``q`` and flagged in ``jumped``. Overlaps are kept in :math:`[10^{-10}, 1 - 10^{-10}]`; a branch
        pinned at the upper end (perfect recovery) has ``at_boundary`` set.

        Parameters
        ----------
        loads : array_like, 1-d
        start : float
            Overlap the first solve starts from, in :math:`(0, 1)`.
        step : float
            Initial half-width of the bracket search around the previous fixed point.
        **params
            Scalar model parameters.

        Returns
        -------
        Solution
            Arrays over ``loads``: ``q``, the conjugates, ``free_entropy`` (and ``replicon`` where defined),
            ``jumped`` and ``at_boundary``; one status per load; ``n_iter`` counts map evaluations.
        """
        if self.derivation.saddle_point.eliminated or len(self._orders) != 1:
            raise ReplicaError("continuation follows the fixed-point map of one order parameter; with the conjugates "
                               "eliminated the saddle point is a unique root: use saddle_point")
        loads = check_real_array("alpha", loads, 0.0, low_open=True).ravel()
        current = check_real("start", start, 0.0, 1.0, low_open=True, high_open=True)
        step = check_real("step", step, 0.0, 0.5, low_open=True)
        arrays = [np.asarray(float(a)) for a in self._parameter_arrays(params)]
        name = self._orders[0]
        top = 1 - Q_MIN

        def residual_at(load):
            load = np.asarray(load)
            return lambda x, *ignored: self._residual(np.clip(x, Q_MIN, top), load, *arrays)

        def restart(load, current):  # the branch ended here: the damped map carries the state to another branch
            solution = damped_iteration(
                lambda state: {name: np.clip(self._map(state, np.asarray(load), arrays)[name], Q_MIN, top)},
                {name: np.asarray(current)}, damping=DAMPING, tol=FIXED_POINT_TOLERANCE)
            return float(solution[name]), int(solution.status), int(solution.n_iter), float(solution.residual)

        records = []
        for load, (value, status, evaluations, remainder, jumped) in zip(
                loads, follow_branch(residual_at, loads, current, step, Q_MIN, top, restart)):
            at_boundary = value >= top * (1 - 1e-12)
            if (status == Status.SUCCESS and not at_boundary
                    and not self._quadrature_converged({name: np.asarray(value)}, np.asarray(load), arrays)):
                status = int(Status.INACCURATE)
            records.append((value, status, evaluations, remainder, jumped, at_boundary))
        value, status, evaluations, remainder, jumped, at_boundary = (np.array(c) for c in zip(*records))
        values = self._complete({name: value}, loads, [np.full(loads.shape, a) for a in arrays])
        values.update({"jumped": jumped, "at_boundary": at_boundary})
        return Solution(values, status, evaluations, remainder)

    def state_evolution(self, load: float, *, start: float = 0.0, steps: int = 50, **params) -> np.ndarray:
        r"""Iterates :math:`q_{t+1} = G(q_t)` of the fixed-point map, undamped: the state evolution of AMP.

        For a Bayes-optimal model the overlap of AMP's estimate at iteration :math:`t` concentrates on
        :math:`q_t` as :math:`N \to \infty` (Bayati & Montanari 2011; Rangan 2011), from :math:`q_0 = 0` for an
        uninformative start. Overlaps are kept in :math:`[10^{-10}, 1 - 10^{-10}]`.

        Returns
        -------
        ndarray, shape (steps + 1,)
            :math:`q_0, \dots, q_{steps}`.
        """
        if not self._maps:
            raise ReplicaError(f"{self.model.name} has no fixed-point map to iterate")
        load = np.asarray(check_real("alpha", load, 0.0, low_open=True))
        steps = check_int("steps", steps, 0, 10**6)
        arrays = [np.asarray(float(a)) for a in self._parameter_arrays(params)]
        name = self._orders[0]
        trajectory = [float(check_real("start", start, 0.0, 1.0))]
        for _ in range(steps):
            current = np.clip(trajectory[-1], Q_MIN, 1 - Q_MIN)
            trajectory.append(float(np.clip(self._map({name: np.asarray(current)}, load, arrays)[name], 0.0, 1.0)))
        return np.array(trajectory)

    def fixed_point_residual(self, q_value, load, **params) -> np.ndarray:
        r"""The function whose roots are the saddle points, vectorised: :math:`G(q) - q` for the fixed-point form,
        :math:`2(1-q)^2\, d\phi/dq` with the conjugates eliminated. Positive where the saddle-point iteration
        increases :math:`q`; a root where it changes from positive to negative is a stable fixed point."""
        arrays = self._parameter_arrays(params)
        q_value, load, *arrays = np.broadcast_arrays(np.asarray(q_value, float), np.asarray(load, float), *arrays)
        return self._residual(q_value, load, *arrays)

    def _residual(self, q_value, load, *arrays):
        if self.derivation.saddle_point.eliminated:
            return self._scaled_stationarity[self.n_nodes](q_value, load, *arrays)
        return self._map({self._orders[0]: q_value}, load, arrays)[self._orders[0]] - q_value

    def fixed_points(self, load: float, *, grid=None, **params) -> list[dict]:
        r"""Every saddle point at one load, from a scan of :meth:`fixed_point_residual` and a root in each sign change.

        Models with several RS branches (e.g. a first-order transition in a teacher–student model) have several
        fixed points; the branch a saddle-point iteration (state evolution, AMP) reaches from :math:`q \approx 0`
        is the smallest stable one. Roots closer together than the grid spacing are missed; the default grid has
        250 points, dense towards both ends. :meth:`fixed_point_scan` does many loads at once.

        Parameters
        ----------
        load : float
        grid : array_like, optional
            Overlaps at which the residual is scanned (increasing, inside :math:`(0, 1)`).
        **params
            Scalar model parameters.

        Returns
        -------
        list of dict
            Per fixed point, increasing in ``q``: the values of :meth:`saddle_point`, ``stable`` (the residual
            goes from positive to negative), ``status`` (a :class:`~replica.solvers.Status`; a root that fails
            the doubled-quadrature check is ``INACCURATE``) and ``at_boundary``: where the residual is still
            positive at the last grid point, a stable fixed point lies within :math:`1 - q_{\max}` of
            :math:`q = 1` (beyond double precision, e.g. near-perfect recovery) and is reported at the grid's end
            (``edge = "upper"``); where it is already negative at the first grid point, a stable fixed point lies
            below :math:`q_{\min}` (a tiny load or signal) and is reported there (``edge = "lower"``).
        """
        load = check_real("alpha", load, 0.0, low_open=True)
        return self.fixed_point_scan([load], grid=grid, **params)[0]

    #: Loads evaluated together in a scan (bounds the memory of the loads x grid x nodes arrays).
    SCAN_BLOCK = 64

    def fixed_point_scan(self, loads, *, grid=None, **params) -> list[list[dict]]:
        """:meth:`fixed_points` for every load in ``loads``, vectorised over loads and brackets.

        The residual is evaluated on the whole loads x grid array (in blocks of :attr:`SCAN_BLOCK` loads), and
        every sign change of every load is refined in one vectorised root search.
        """
        if len(self.derivation.free_entropy.order_parameters) != 1:
            raise ReplicaError("fixed_points scans one order parameter; this model has several")
        loads = check_real_array("alpha", loads, 0.0, low_open=True).ravel()
        scalars = [float(a) for a in self._parameter_arrays(params)]
        if grid is None:
            grid = np.unique(np.concatenate([np.geomspace(Q_MIN * 10, 0.05, 40), np.linspace(0.05, 0.95, 130),
                                             1 - np.geomspace(0.05, Q_MIN * 10, 80)]))
        grid = check_real_array("grid", grid, 0.0, 1.0, low_open=True, high_open=True).ravel()
        rows, columns, stable, beyond, below = sign_changes(
            lambda q_grid, load_grid: self._residual(q_grid, load_grid, *[np.full(q_grid.shape, a) for a in scalars]),
            loads, grid, block=self.SCAN_BLOCK)
        found = [[] for _ in loads]
        # the map still pushes q up at the last grid point (down at the first): a stable fixed point closer to
        # q = 1 (to q = 0) than the grid resolves, reported at the grid's end and flagged
        for edge, indices, q_edge in (("upper", beyond, grid[-1]), ("lower", below, grid[0])):
            if not indices.size:
                continue
            arrays = [np.full(indices.shape, a) for a in scalars]
            values = self._complete({"q": np.full(indices.shape, q_edge)}, loads[indices], arrays)
            for k, row in enumerate(indices):
                point = {name: float(np.asarray(v)[k]) for name, v in values.items()}
                point.update({"stable": True, "status": Status.SUCCESS, "at_boundary": True, "edge": edge})
                found[row].append(point)
        if rows.size == 0:
            return [sorted(points, key=lambda p: p["q"]) for points in found]
        at = loads[rows]
        arrays = [np.full(rows.shape, a) for a in scalars]
        roots = find_roots(lambda x, a, *ps: self._residual(x, a, *ps), grid[columns], grid[columns + 1],
                           (at, *arrays))
        status = roots.status.copy()
        status[(status == Status.SUCCESS) & ~self._quadrature_converged({"q": roots["x"]}, at, arrays)] = \
            Status.INACCURATE
        values = self._complete({"q": roots["x"]}, at, arrays)
        for k, row in enumerate(rows):
            point = {name: float(np.asarray(v)[k]) for name, v in values.items()}
            point.update({"stable": bool(stable[k]), "status": Status(int(status[k])), "at_boundary": False})
            found[row].append(point)
        return [sorted(points, key=lambda p: p["q"]) for points in found]

    def _inner_root(self, name, equation, orders, hats, load, arrays):
        r"""An unpaired conjugate (e.g. the precision :math:`\hat A`) from its own equation, given the others.

        The search follows the declared divergences: with :math:`\hat q \sim \epsilon^{-p}` and
        :math:`x \sim \epsilon^{-p_x}`, :math:`x` scales as :math:`(1 + \hat q)^{p_x/p}`, and the root is searched
        for in :math:`\ln x \in \ln(1 + \hat q)\, p_x/p \pm 8` (far outside, the equation's terms cancel
        beyond double precision). A point without a root there gets ``nan``, so the outer solve reports it as
        failed rather than returning a number.
        """
        position = len(self._orders) + self._conjugate_names.index(name)
        others = [hats.get(c, np.nan) for c in self._conjugate_names]
        divergence = {str(c): p for c, p in self.model.prior.conjugate_divergence.items()}
        partner = self._conjugate_names[0]
        if name not in divergence or partner not in divergence:
            raise ModelDeclarationError(f"the {self.model.prior.name} prior must declare conjugate_divergence for "
                                        f"{partner} and {name} to solve for {name}")
        centre = np.log1p(np.fmax(hats[partner], 0.0)) * divergence[name] / divergence[partner]

        def residual(log_x, *point):  # point: order parameters, conjugates, load, model parameters
            point = list(point)
            point[position] = np.exp(log_x)
            return equation(*point)

        return np.exp(find_roots(residual, centre - 8.0, centre + 8.0, (*orders, *others, load, *arrays))["x"])

    def zero_entropy_load(self, *, throw: bool = False, **params) -> Solution:
        r"""The load where the RS entropy of the solution space vanishes (discrete weights only).

        For binary weights the free entropy counts solutions and cannot be negative; the capacity is the root
        of :math:`s(\alpha) = 0` below the :math:`q \to 1` load (Krauth & Mézard 1989: 0.833 for the Ising
        perceptron at :math:`\kappa = 0`). Found by bracketing in :math:`(10^{-3}, 1 - \delta)\,\alpha_{q\to1}`
        with the first :math:`\delta` of :data:`ZERO_ENTROPY_GAPS` where the entropy is negative (at large
        margins the zero-entropy load is within :math:`10^{-4}` of :math:`\alpha_{q\to1}`); each evaluation is a
        converged saddle point, and a non-trusted one (nan) ends the search as a failure.

        Returns
        -------
        Solution
            ``value["alpha"]``; status ``NO_BRACKET`` where the entropy stays positive up to the q -> 1 load.
        """
        if not self.model.prior.discrete:
            raise ReplicaError(f"the zero-entropy criterion applies to discrete weights, not the "
                               f"{self.model.prior.name} prior")
        arrays = self._parameter_arrays(params)
        top = self._alpha_c(*arrays)

        def entropy(load, *args):  # nan where the saddle point is not trusted: the search then fails there
            solution = self._solve_fixed_point(load, list(args))
            return np.where(solution.status == Status.SUCCESS, solution["free_entropy"], np.nan)

        upper = (1 - ZERO_ENTROPY_GAPS[-1]) * top
        for gap in reversed(ZERO_ENTROPY_GAPS[:-1]):  # the widest gap whose entropy is already negative
            candidate = (1 - gap) * top
            upper = np.where(entropy(candidate, *arrays) < 0, candidate, upper)
        found = find_roots(entropy, 1e-3 * top, upper, tuple(arrays), xatol=1e-13, throw=throw)
        return Solution({"alpha": found["x"]}, found.status, found.n_iter, found.residual)


@lru_cache(maxsize=8)
def theory(model: str | Model, n_nodes: int = DEFAULT_NODES) -> Theory:
    """The compiled :class:`Theory` of a model (cached per model and quadrature order)."""
    return Theory(model, n_nodes)
