r"""Finite-size check of a storage problem declared by a convex storing set (:class:`replica.field_sets.Polyhedron`).

Each pattern :math:`\mu` presents :math:`m` fields :math:`h^\mu_j = \xi^\mu_j\cdot u` of a unit weight vector
:math:`u \in \mathbb R^N`, with independent standard Gaussian inputs :math:`\xi^\mu_j` (so each field is a standard
Gaussian, as in the theory), and is stored iff :math:`Gh^\mu \ge g`. With every offset :math:`g_i > 0` the rows
scale to margin one, :math:`a_{\mu i} = (G\Xi^\mu)_i/g_i`, and the instance stores its first :math:`P` patterns iff
:math:`\max_{|u|=1}\min_{\mu i} a_{\mu i}\cdot u \ge 1`: the certified max-margin verdict of
:mod:`capacity.programs` (a separating :math:`u` checked against every row, or a Farkas certificate recomputed).
The first unstorable prefix :math:`P^*` of each instance is found by the search of
:func:`capacity.prefix_search.first_unseparable_prefix`, the per-size medians are extrapolated in :math:`1/N`
(:func:`capacity.estimates.extrapolate`), and the RS capacity :math:`1/\mathbb E\,\mathrm{dist}(z, C)^2`
(:func:`replica.field_sets.expected_squared_distance`), expected exact for a convex set, must lie in the
extrapolated interval.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from replica.errors import ParameterError
from replica.field_sets import Polyhedron, expected_squared_distance
from replica.validation import check_int

from .compare import judge_critical_loads, plot_thresholds
from .experiments import CriticalLoad, run_trials
from .prefix_search import certify_prefix, first_unseparable_prefix
from .programs import make_program
from .verification import Verification

__all__ = ["scaled_rows", "storing_set_instance", "storing_set_critical_loads", "verify_storing_set"]


def _checked(storing_set: Polyhedron) -> Polyhedron:
    if not isinstance(storing_set, Polyhedron):
        raise ParameterError("storing_set", f"must be a replica.field_sets.Polyhedron (a convex set Gx >= g); got "
                                            f"{type(storing_set).__name__}")
    if np.any(storing_set.offset <= 0):
        raise ParameterError("offset", f"must be positive in every row (a margin: the rows are scaled to Gx/g >= 1 "
                                       f"for the max-margin program); got {storing_set.offset.tolist()}")
    return storing_set


def scaled_rows(storing_set: Polyhedron, inputs: np.ndarray) -> np.ndarray:
    r"""The rows :math:`a_{\mu i} = (G\Xi^\mu)_i/g_i` of patterns ``inputs`` (shape (P, m, N)), pattern by pattern:
    shape (P * rows of G, N)."""
    rows = np.einsum("ij,pjn->pin", storing_set.matrix / storing_set.offset[:, None], inputs)
    return rows.reshape(-1, inputs.shape[2])


def storing_set_instance(matrix, offset, n: int, seed: int, trial: int, max_patterns: int, solver=None,
                         guess: int | None = None) -> CriticalLoad:
    r""":math:`P^*` of one instance (inputs drawn from ``(seed, n, trial)``), found by a certified search over
    prefixes."""
    start = time.perf_counter()
    storing_set = Polyhedron(matrix, offset)
    inputs = np.random.default_rng([seed, n, trial]).standard_normal((max_patterns, storing_set.dimension, n))
    rows = scaled_rows(storing_set, inputs)
    per_pattern = storing_set.matrix.shape[0]
    program = make_program(n, rows.shape[0], kappa=1.0, solver=solver)
    p_star, outcome, solves = first_unseparable_prefix(
        lambda p: certify_prefix(program, rows, p, 1.0, rows_per_pattern=per_pattern), max_patterns, guess)
    alpha = (p_star - 0.5) / n if p_star is not None else math.nan
    return CriticalLoad(n, trial, seed, 1.0, p_star, alpha, outcome, solves, time.perf_counter() - start)


def storing_set_critical_loads(storing_set: Polyhedron, ns, trials: int, *, capacity: float, seed: int = 0,
                               solver=None, n_jobs: int = 1, progress: bool = True, store=None,
                               scheduler=None) -> pd.DataFrame:
    """Critical loads of ``trials`` instances at each size in ``ns`` (one row per instance, the columns of
    :class:`~capacity.experiments.CriticalLoad`); the search starts at ``capacity`` N and reaches twice it."""
    storing_set = _checked(storing_set)
    matrix, offset = storing_set.matrix.tolist(), storing_set.offset.tolist()
    tasks = [(matrix, offset, n, seed, t, math.ceil(2 * capacity * n + 4 * math.sqrt(n)), solver,
              max(1, round(capacity * n))) for n in ns for t in range(trials)]
    rows = run_trials(storing_set_instance, tasks, n_jobs=n_jobs, progress=progress, description="critical loads",
                      store=store, scheduler=scheduler)
    return pd.DataFrame(rows)


def verify_storing_set(storing_set: Polyhedron, ns=(40, 80, 160), trials: int = 40, *, seed: int = 0,
                       samples: int = 200_000, solver=None, confidence: float = 0.95, execution=None,
                       name: str = "storing-set") -> Verification:
    r"""The RS capacity of a declared convex storing set against certified finite-size critical loads.

    Parameters
    ----------
    storing_set : Polyhedron
        :math:`\{x : Gx \ge g\}` with every :math:`g_i > 0`.
    ns : sequence of int
        Sizes :math:`N` (at least two, to extrapolate in :math:`1/N`).
    trials : int
        Instances per size.
    samples : int
        Monte Carlo samples of the theory (its standard error is reported as ``alpha_c_standard_error``).

    Returns
    -------
    Verification
        ``success`` when the theory lies in the extrapolated interval and no verdict was doubtful, ``warning`` if
        some were (they widen the interval), ``failure`` otherwise (and then no estimate is given as agreeing).
    """
    from .checks.base import Execution

    storing_set = _checked(storing_set)
    ns = [check_int("n", n, 2, 10**5) for n in ns]
    if len(set(ns)) < 2:
        raise ParameterError("n", f"needs at least two different sizes N, to extrapolate to N -> inf; got {ns}")
    trials = check_int("trials", trials, 2, 10**6)
    theory = expected_squared_distance(storing_set, samples=samples, seed=seed)
    capacity = theory.capacity
    execution = execution or Execution()
    experiment = {"model": name, "matrix": storing_set.matrix.tolist(), "offset": storing_set.offset.tolist(),
                  "n": ns, "seed": seed, "solver": solver}
    with execution.ensemble(experiment) as ensemble:
        frame = storing_set_critical_loads(storing_set, ns, trials, capacity=capacity, seed=seed, solver=solver,
                                           **ensemble.options())
    judged = judge_critical_loads(frame, capacity, confidence=confidence,
                                  theory_text=f"alpha_c = {capacity:.5g} +- {theory.capacity_error:.2g} (Monte Carlo)")
    per_size = pd.DataFrame([e.to_dict() for e in judged.estimates])
    return Verification(
        name, {"n": ns, "trials": trials, "seed": seed, "samples": samples, "solver": solver},
        {"alpha_c": capacity, "alpha_c_standard_error": theory.capacity_error}, judged.estimate,
        {"per_size": per_size, "instances": frame}, judged.status, judged.message,
        figure=lambda: plot_thresholds(judged.estimates, judged.extrapolation, capacity,
                                       title=f"{name}: {trials} instances per N"))
