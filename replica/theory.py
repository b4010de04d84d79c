r"""Compiled numerics of a model's derivation, vectorised over parameter grids.

For the spherical perceptron (Gardner 1988; REFERENCE.md §1) this gives

* the capacity :math:`\alpha_c(\kappa) = 1/\int_{-\kappa}^\infty Dt\,(t+\kappa)^2` over arrays of margins;
* the finite-load saddle point :math:`q(\alpha)`, the root in :math:`(0,1)` of the scaled stationarity
  :math:`r(q) = 2(1-q)^2\, d\phi/dq` (bounded as :math:`q \to 1`, where :math:`r \to 1 - \alpha/\alpha_c`);
* the replicon eigenvalue (RS stability) at finite load and at capacity;
* the inverse :math:`\kappa(\alpha)` of the capacity curve, the largest margin at load :math:`\alpha`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .derivation import Derivation, derive
from .errors import ParameterError, ReplicaError
from .models import Model, get_model
from .solvers import Solution, Status, find_roots
from .symbolic import compile_expression
from .symbolic.codegen import DEFAULT_NODES
from .symbolic.symbols import alpha, q
from .validation import check_int, check_real_array

__all__ = ["Theory", "theory", "RSInstabilityWarning"]

#: Overlaps searched for the saddle point: (Q_MIN, 1 - Q_MIN).
Q_MIN = 1e-10
#: Tolerance on the stationarity residual re-evaluated with twice the quadrature nodes.
QUADRATURE_TOLERANCE = 1e-8
#: |replicon| below this is reported as marginal stability.
MARGINAL_TOLERANCE = 1e-9


class RSInstabilityWarning(UserWarning):
    """The replica-symmetric answer was computed where replica symmetry is unstable."""


def stability_label(replicon_value: float) -> str:
    """``"stable"``, ``"marginal"`` or ``"unstable"`` from the sign of the replicon eigenvalue."""
    if abs(replicon_value) <= MARGINAL_TOLERANCE:
        return "marginal"
    return "stable" if replicon_value > 0 else "unstable"


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
        self._names = tuple(spec.name for spec in self.model.channel.parameters)
        symbols = tuple(spec.symbol for spec in self.model.channel.parameters)
        d = self.derivation
        point = (q, alpha) + symbols
        self._alpha_c = compile_expression(d.capacity.alpha_c, symbols)
        self._replicon_at_capacity = compile_expression(d.replicon_at_capacity, symbols)
        scaled = 2 * (1 - q) ** 2 * d.saddle_point.stationarity
        self._scaled_stationarity = {n: compile_expression(scaled, point, n) for n in (self.n_nodes, 2 * self.n_nodes)}
        self._stationarity = compile_expression(d.saddle_point.stationarity, point, self.n_nodes)
        self._free_entropy = compile_expression(d.saddle_point.reduced, point, self.n_nodes)
        self._replicon = compile_expression(d.replicon, point, self.n_nodes)
        self._conjugates = {str(c): compile_expression(v, (q,)) for c, v in d.saddle_point.conjugate_solution.items()}

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
        return self._alpha_c(*self._parameter_arrays(params))

    def replicon_at_capacity(self, **params) -> np.ndarray:
        r"""Replicon eigenvalue at :math:`q \to 1`; for Gardner :math:`1 - \alpha_c(\kappa)\Phi(\kappa)`."""
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
    def free_entropy(self, q_value, load, **params) -> np.ndarray:
        r"""Reduced RS free entropy :math:`\phi(q)` (conjugates at their saddle)."""
        return self._free_entropy(q_value, load, *self._parameter_arrays(params))

    def stationarity(self, q_value, load, **params) -> np.ndarray:
        r""":math:`d\phi/dq` of the reduced free entropy, from the symbolic derivative."""
        return self._stationarity(q_value, load, *self._parameter_arrays(params))

    def replicon(self, q_value, load, **params) -> np.ndarray:
        r"""Replicon eigenvalue :math:`\lambda_{rep}(q, \alpha)`; positive means RS is locally stable."""
        return self._replicon(q_value, load, *self._parameter_arrays(params))

    def saddle_point(self, load, *, throw: bool = False, **params) -> Solution:
        r"""Solve the RS saddle point at load :math:`\alpha` below capacity, vectorised.

        The overlap is the root of :math:`r(q) = 2(1-q)^2\,d\phi/dq` in :math:`(10^{-10}, 1-10^{-10})`. Each
        converged point is re-checked with twice the quadrature nodes; a residual above 1e-8 there gives status
        ``INACCURATE`` (near capacity the integrand develops a kink of width :math:`\sqrt{1-q}`).

        Returns
        -------
        Solution
            Values ``q``, the conjugates, ``free_entropy`` and ``replicon``; ``residual`` is the larger of the
            stationarity residuals at the two quadrature orders.

        Raises
        ------
        ParameterError
            If a load is not in :math:`(0, \alpha_c)`.
        """
        arrays = self._parameter_arrays(params)
        load = check_real_array("alpha", load, 0.0, low_open=True)
        load, *arrays = np.broadcast_arrays(load, *arrays)
        capacity = self._alpha_c(*arrays)
        above = load >= capacity
        if np.any(above):
            i = np.flatnonzero(above.ravel())[0]
            where = ", ".join(f"{n}={a.ravel()[i]:g}" for n, a in zip(self._names, arrays))
            raise ParameterError("alpha", f"must lie in (0, alpha_c) = (0, {capacity.ravel()[i]:.6g}) at {where}; "
                                          f"got {load.ravel()[i]:g} (at and above capacity q = 1)")
        coarse = self._scaled_stationarity[self.n_nodes]
        solution = find_roots(coarse, Q_MIN, 1 - Q_MIN, (load, *arrays), throw=False)
        overlap = solution["x"]
        refined = np.abs(self._scaled_stationarity[2 * self.n_nodes](np.nan_to_num(overlap, nan=0.5), load, *arrays))
        status = solution.status.copy()
        status[(status == Status.SUCCESS) & ~(refined <= QUADRATURE_TOLERANCE)] = Status.INACCURATE
        values = {"q": overlap}
        values.update({name: f(overlap) for name, f in self._conjugates.items()})
        values["free_entropy"] = self._free_entropy(overlap, load, *arrays)
        values["replicon"] = self._replicon(overlap, load, *arrays)
        result = Solution(values, status, solution.n_iter, np.fmax(solution.residual, refined))
        return result.raise_on_failure() if throw else result


@lru_cache(maxsize=8)
def theory(model: str | Model, n_nodes: int = DEFAULT_NODES) -> Theory:
    """The compiled :class:`Theory` of a model (cached per model and quadrature order)."""
    return Theory(model, n_nodes)
