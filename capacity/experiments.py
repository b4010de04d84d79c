r"""Finite-size experiments: certified verdicts over seeded instances, run in parallel with progress.

Three experiments on the spherical perceptron (Gardner 1988):

* :func:`critical_loads` — for each instance, the number of patterns :math:`P^*` at which its nested prefixes
  first stop being separable with margin :math:`\kappa`, found by the guided search of
  :func:`capacity.prefix_search.first_unseparable_prefix` (monotone in :math:`P`, because a separator of
  :math:`P` patterns separates every prefix; each solve's max margin predicts where the next goes). The
  instance's critical load is
  :math:`\alpha^* = (P^* - \tfrac12)/N`; at :math:`\kappa = 0`, :math:`\Pr(\alpha^* > P/N) = C(P, N)` exactly.
* :func:`separability_trials` — certified verdicts at fixed :math:`(P, N)`, to compare with Cover's
  :math:`C(P, N)`.
* :func:`max_margin_trials` — the certified max margin :math:`\kappa_{\max}` of instances at given loads, which
  samples the Gardner curve :math:`\kappa(\alpha)`.

Every trial is a pure function of ``(seed, trial)``; doubtful verdicts are kept and counted, never dropped.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, parallel_config
from tqdm.auto import tqdm

from replica.errors import ParameterError
from replica.serialization import json_safe
from replica.validation import check_int, check_real, check_real_array

from .ensembles import PerceptronEnsemble
from .store import TrialStore
from .enumeration import MAX_ENUMERATION_N, longest_storable_prefix
from .prefix_search import (
    SEARCH_RELATIVE_GAP, capacity_curve_predictor, certify_prefix, first_unseparable_prefix, margin_resolution,
)
from .programs import make_program

__all__ = ["CriticalLoad", "critical_loads", "guided_search", "rs_capacity_curve", "binary_critical_loads",
           "separability_trials", "max_margin_trials", "run_trials"]

#: Default largest load searched for P*, as a multiple of the Gardner capacity bound 2 at kappa = 0.
MAX_LOAD = 4.0

#: The least-distance program's method for :func:`max_margin_trials`
#: (:class:`~capacity.programs.LeastDistanceProgram`).
MAX_MARGIN_METHOD = "active-set"


@dataclass(frozen=True)
class CriticalLoad:
    """Outcome of the P* search for one instance.

    Attributes
    ----------
    n, trial, seed : int
        The instance (re-run it alone with ``PerceptronEnsemble(n, seed).instance(trial, p)``).
    kappa : float
    p_star : int or None
        First number of patterns that is certified not separable; ``None`` if the search was cut by a doubtful
        verdict or by ``max_patterns``.
    alpha_star : float
        :math:`(P^* - 1/2)/N` (``nan`` when ``p_star`` is ``None``).
    verdict : str
        ``"certified"``, ``"doubtful"`` (a solve could not be certified) or ``"above_search_range"``.
    n_solves : int
        Convex programs solved (0 for exhaustive enumeration, which needs no solver).
    seconds : float
    """

    n: int
    trial: int
    seed: int
    kappa: float
    p_star: int | None
    alpha_star: float
    verdict: str
    n_solves: int
    seconds: float

    def to_dict(self) -> dict:
        return json_safe(self)


@lru_cache(maxsize=16)
def _program(n: int, max_patterns: int, kappa_is_zero: bool, solver: str | None, nonnegative: bool,
             relative_gap: float | None = None, absolute_gap: float | None = None, method: str | None = None):
    """One program per (size, row budget, kind, solver, sign constraint, bracket widths, method) and process, reused
    by every trial there.

    cvxpy programs hold parameter values between solves, so each is used by one trial at a time: trials within a
    process run sequentially (joblib parallelises across processes).
    """
    return make_program(n, max_patterns, kappa=0.0 if kappa_is_zero else 1.0, solver=solver,
                        nonnegative=nonnegative, relative_gap=relative_gap, absolute_gap=absolute_gap, method=method)


@lru_cache(maxsize=4)
def rs_capacity_curve(nonnegative: bool):
    r"""The RS capacity at a margin, :math:`\kappa \mapsto \alpha_c(\kappa)` (Gardner's curve, or the
    sign-constrained one), which guides the search for :math:`P^*`."""
    from replica import theory

    curve = theory("sign-perceptron" if nonnegative else "gardner")
    return lambda kappa: float(curve.alpha_c(kappa=kappa))


def guided_search(signed_patterns: np.ndarray, kappa: float, max_patterns: int, *, solver: str | None = None,
                  nonnegative: bool = False, guess: int | None = None) -> tuple[int | None, str, int]:
    r""":math:`P^*` of one nested instance by the guided search (:func:`capacity.prefix_search.first_unseparable_prefix`
    with certified least-distance verdicts, their max margins placed on the RS capacity curve).

    Parameters
    ----------
    signed_patterns : ndarray, shape (max_patterns, N)
        Rows :math:`a_\mu = \sigma^\mu\xi^\mu` of the nested instance.
    kappa : float
    max_patterns : int
        Longest prefix searched.
    solver : str, optional
        As in :func:`critical_loads`.
    nonnegative : bool
    guess : int, optional
        Where the search starts.

    Returns
    -------
    (p_star, outcome, solves)
        As :func:`~capacity.prefix_search.first_unseparable_prefix` returns them.
    """
    n = signed_patterns.shape[1]
    curve = rs_capacity_curve(bool(nonnegative))
    program = _program(n, max_patterns, kappa == 0.0, solver, nonnegative, SEARCH_RELATIVE_GAP,
                       margin_resolution(n, curve, kappa))
    return first_unseparable_prefix(
        lambda p: certify_prefix(program, signed_patterns, p, kappa, nonnegative=nonnegative), max_patterns, guess,
        capacity_curve_predictor(n, curve, kappa))


def _bisect_instance(n, seed, trial, kappa, max_patterns, solver, nonnegative=False, guess=None) -> CriticalLoad:
    start = time.perf_counter()
    signed = PerceptronEnsemble(n, seed).instance(trial, max_patterns).signed_patterns
    p_star, outcome, solves = guided_search(signed, kappa, max_patterns, solver=solver, nonnegative=nonnegative,
                                            guess=guess)
    alpha = (p_star - 0.5) / n if p_star is not None else math.nan
    return CriticalLoad(n, trial, seed, kappa, p_star, alpha, outcome, solves, time.perf_counter() - start)


def _indexed(function, index, task):
    return index, function(*task)


#: Seconds an idle local worker process waits for work before it exits (loky's default is 300 s, which left
#: workers of a killed sweep running for minutes).
IDLE_WORKER_TIMEOUT = 10


@contextlib.contextmanager
def _execution(scheduler: str | None):
    """joblib's local processes (loky, whose idle workers exit after :data:`IDLE_WORKER_TIMEOUT` seconds), or the
    Dask cluster at ``scheduler`` through joblib's Dask backend."""
    if scheduler is None:
        with parallel_config(backend="loky", idle_worker_timeout=IDLE_WORKER_TIMEOUT):
            yield
        return
    try:
        from dask.distributed import Client
    except ImportError:
        raise ParameterError("scheduler", "needs dask.distributed: pip install 'replica-capacity[dask]'") from None
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as error:
        raise ParameterError("scheduler", f"could not connect to a Dask scheduler at {scheduler!r}: {error}") from None
    try:
        with parallel_config(backend="dask"):
            yield
    finally:
        client.close()


def run_trials(function, tasks, *, n_jobs: int = 1, progress: bool = True, description: str = "trials",
               store: TrialStore | None = None, scheduler: str | None = None) -> list[dict]:
    """Run ``function(*task)`` for every task with joblib, with a progress bar, optionally resumable.

    Parameters
    ----------
    function : callable
        Returns a dataclass with ``to_dict`` or a dict.
    tasks : list of tuple
    n_jobs : int
        joblib worker count (``-1``: all cores; ``1``: in this process).
    progress : bool
        Show a progress bar with ETA (terminal or notebook).
    store : TrialStore, optional
        Tasks already in the store are not run again; every new result is appended the moment it finishes, so
        an interrupted run loses at most the trials in flight.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``); the trials then run on that cluster and
        ``n_jobs`` is ignored. Results, store and progress work the same way.

    Returns
    -------
    list of dict
        One JSON-safe result per task, in task order.
    """
    results: dict[int, dict] = {}
    done = store.completed() if store is not None else {}
    pending = []
    for index, task in enumerate(tasks):
        key = TrialStore.key(task)
        if key in done:
            results[index] = done[key]
        else:
            pending.append((index, task))
    with _execution(scheduler), tqdm(total=len(tasks), initial=len(tasks) - len(pending), desc=description,
                                     disable=not progress, leave=False) as bar:
        runner = Parallel(n_jobs=None if scheduler else n_jobs, return_as="generator_unordered", batch_size=1)
        for index, result in runner(delayed(_indexed)(function, index, task) for index, task in pending):
            row = json_safe(result.to_dict() if hasattr(result, "to_dict") else result)
            if store is not None:
                store.append(tasks[index], row)
            results[index] = row
            bar.update(1)
    return [results[i] for i in range(len(tasks))]


def _check_sizes(ns, trials, seed, n_jobs):
    ns = [check_int("n", n, 1, 10**5) for n in np.atleast_1d(ns)]
    trials = check_int("trials", trials, 1, 10**7)
    seed = check_int("seed", seed, 0, 2**63 - 1)
    n_jobs = check_int("n_jobs", n_jobs, -64, 512)
    if n_jobs == 0:
        raise ParameterError("n_jobs", "must be a nonzero whole number (-1 for all cores); got 0")
    return ns, trials, seed, n_jobs


def critical_loads(ns, trials: int, *, kappa: float = 0.0, seed: int = 0, max_load: float | None = None,
                   solver: str | None = None, nonnegative: bool = False, n_jobs: int = 1, progress: bool = True,
                   store: TrialStore | None = None, scheduler: str | None = None) -> pd.DataFrame:
    """Critical load of ``trials`` instances at each size in ``ns``, by a certified search on the pattern count.

    Parameters
    ----------
    ns : int or sequence of int
        Sizes :math:`N`.
    trials : int
        Instances per size (trial ``t`` at size ``N`` uses seed ``seed`` and spawn key ``t``).
    kappa : float
        Margin (:math:`\\ge 0`; the problem is non-convex for :math:`\\kappa < 0`).
    seed : int
    max_load : float, optional
        Largest load searched; by default twice the RS capacity plus :math:`4/\\sqrt N` (the finite-size spread).
        Each search starts at the RS capacity and gallops outwards (:func:`first_unseparable_prefix`).
    solver : str, optional
        ``"NNLS"`` (default: the least-distance program, with the cvxpy QP as fallback for uncertified solves) or
        a cvxpy solver name (:func:`capacity.programs.make_program`).
    nonnegative : bool
        Sign-constrained weights :math:`w \\ge 0`.
    n_jobs : int
    progress : bool
    store : TrialStore, optional
        Record finished instances on disk and skip those already recorded (resumable sweeps).
    scheduler : str, optional
        Dask scheduler address to run on a cluster (see :func:`run_trials`).

    Returns
    -------
    pandas.DataFrame
        One row per instance (columns of :class:`CriticalLoad`).
    """
    kappa = check_real("kappa", kappa, 0.0, 1e3)
    ns, trials, seed, n_jobs = _check_sizes(ns, trials, seed, n_jobs)
    from replica import theory

    expected = float(theory("sign-perceptron" if nonnegative else "gardner").alpha_c(kappa=kappa))
    if max_load is not None:
        max_load = check_real("max_load", max_load, 0.0, 1e4, low_open=True)

    def longest(n):  # twice the RS capacity plus a margin for the O(sqrt N) fluctuations of small instances
        return max(1, math.ceil(max_load * n if max_load is not None else 2.0 * expected * n + 4 * math.sqrt(n)))

    tasks = [(n, seed, t, kappa, longest(n), solver, bool(nonnegative), max(1, round(expected * n)))
             for n in ns for t in range(trials)]
    rows = run_trials(_bisect_instance, tasks, n_jobs=n_jobs, progress=progress, description="critical loads",
                      store=store, scheduler=scheduler)
    return pd.DataFrame(rows)


def _enumerate_instance(n, seed, trial, kappa, max_patterns) -> CriticalLoad:
    start = time.perf_counter()
    signed = PerceptronEnsemble(n, seed).instance(trial, max_patterns).signed_patterns
    longest, tie = longest_storable_prefix(signed, kappa)
    if tie:
        p_star, verdict = None, "doubtful"
    elif longest >= max_patterns:
        p_star, verdict = None, "above_search_range"
    else:
        p_star, verdict = longest + 1, "certified"
    alpha = (p_star - 0.5) / n if p_star is not None else math.nan
    return CriticalLoad(n, trial, seed, kappa, p_star, alpha, verdict, 0, time.perf_counter() - start)


def binary_critical_loads(ns, trials: int, *, kappa: float = 0.0, seed: int = 0, max_load: float = 3.0,
                          n_jobs: int = 1, progress: bool = True, store: TrialStore | None = None,
                          scheduler: str | None = None) -> pd.DataFrame:
    """Critical load of binary-weight instances by exhaustive enumeration of :math:`w \\in \\{\\pm1\\}^N`.

    Same output and options as :func:`critical_loads` (one row per instance); exact up to the floating-point near-ties that
    :func:`capacity.enumeration.longest_storable_prefix` flags as doubtful. Sizes are limited to
    :data:`~capacity.enumeration.MAX_ENUMERATION_N`.
    """
    kappa = check_real("kappa", kappa, -1e3, 1e3)
    ns, trials, seed, n_jobs = _check_sizes(ns, trials, seed, n_jobs)
    for n in ns:
        check_int("n", n, 1, MAX_ENUMERATION_N)
    max_load = check_real("max_load", max_load, 0.0, 1e3, low_open=True)
    tasks = [(n, seed, t, kappa, max(1, math.ceil(max_load * n))) for n in ns for t in range(trials)]
    rows = run_trials(_enumerate_instance, tasks, n_jobs=n_jobs, progress=progress, description="enumeration",
                      store=store, scheduler=scheduler)
    return pd.DataFrame(rows)


def _fixed_load_trial(n, p, seed, trial, solver, nonnegative=False):
    signed = PerceptronEnsemble(n, seed).instance(trial, p).signed_patterns
    certificate = _program(n, max(p, 1), True, solver, nonnegative).certify(signed)
    return {"n": n, "p": p, "trial": trial, "seed": seed, "verdict": certificate.verdict.value,
            "solver_status": certificate.solver_status}


def separability_trials(n: int, ps, trials: int, *, seed: int = 0, solver: str | None = None,
                        nonnegative: bool = False, n_jobs: int = 1, progress: bool = True,
                        scheduler: str | None = None) -> pd.DataFrame:
    """Certified :math:`\\kappa = 0` verdicts of ``trials`` instances for each pattern count in ``ps``.

    Returns one row per (p, trial) with its ``verdict`` (``separable``, ``not_separable`` or ``doubtful``).
    Compare the separable fraction with Cover's :math:`C(P, N)` (:mod:`capacity.cover`).
    """
    (n,), trials, seed, n_jobs = _check_sizes([n], trials, seed, n_jobs)
    ps = [check_int("p", p, 0, 10**6) for p in np.atleast_1d(ps)]
    tasks = [(n, p, seed, t, solver, bool(nonnegative)) for p in ps for t in range(trials)]
    return pd.DataFrame(run_trials(_fixed_load_trial, tasks, n_jobs=n_jobs, progress=progress,
                                   description="separability", scheduler=scheduler))


def _max_margin_trial(n, p, seed, trial, solver, nonnegative=False):
    signed = PerceptronEnsemble(n, seed).instance(trial, p).signed_patterns
    # the margin itself is wanted, to a width of 1e-6: Lawson-Hanson's active set brackets it to about 1e-11, while
    # the interior point's bracket can stall near capacity at a relative 1e-2 (it serves verdicts, not margins)
    certificate = _program(n, max(p, 1), False, solver, nonnegative, method=MAX_MARGIN_METHOD).certify(signed, 0.0)
    return {"n": n, "p": p, "alpha": p / n, "trial": trial, "seed": seed,
            "kappa_lower": certificate.margin_lower, "kappa_upper": certificate.margin_upper,
            "solver_status": certificate.solver_status}


def max_margin_trials(n: int, alphas, trials: int, *, seed: int = 0, solver: str | None = None,
                      nonnegative: bool = False, n_jobs: int = 1, progress: bool = True,
                      scheduler: str | None = None) -> pd.DataFrame:
    r"""Certified bracket of the max margin :math:`\kappa_{\max}` of instances at each load in ``alphas``.

    Loads are rounded to whole pattern counts :math:`P = \mathrm{round}(\alpha N)`; the row's ``alpha`` is
    :math:`P/N`. The default program brackets each margin to about :math:`10^{-11}` (Lawson–Hanson's active set,
    :data:`MAX_MARGIN_METHOD`, at every size); rows whose bracket is wider than :math:`10^{-6}` should be treated as
    doubtful (:func:`capacity.compare.margin_curve_summary` excludes and counts them).
    """
    (n,), trials, seed, n_jobs = _check_sizes([n], trials, seed, n_jobs)
    loads = check_real_array("alphas", np.atleast_1d(alphas), 0.0, 1e4, low_open=True)
    ps = sorted({max(1, int(round(a * n))) for a in loads})
    tasks = [(n, p, seed, t, solver, bool(nonnegative)) for p in ps for t in range(trials)]
    return pd.DataFrame(run_trials(_max_margin_trial, tasks, n_jobs=n_jobs, progress=progress,
                                   description="max margins", scheduler=scheduler))
