r"""Finite-N check of the group-invariant capacity: certified LP verdicts on random orbits against Cover's function.

Each instance draws :math:`P` Gaussian points :math:`x_\mu\in\mathbb R^N` and random labels, forms their whole orbits
:math:`\{\rho(g)x_\mu\}_{g\in G}` (every orbit point carries its point's label), and asks whether some invariant readout
:math:`w = Bu` (:math:`B` the basis of :func:`replica.invariant.fixed_basis`) classifies all :math:`P|G|` points:
rows :math:`\sigma_\mu B^\top\rho(g)x_\mu`, certified by the programs of :mod:`capacity.programs`. The separable
counts are tested exactly (binomial) against :math:`C(P, N_0)` (:func:`capacity.cover.cover_test`), and, to show the
test has power, against :math:`C(P, N)`.
"""

from __future__ import annotations

import hashlib
from functools import partial

import numpy as np
import pandas as pd

from replica.invariant import cyclic_shifts, fixed_basis, load_group
from replica.models.invariant_readout import INVARIANT
from replica.validation import check_int

from ..cover import cover_test
from ..programs import available_solvers, make_program
from ..verification import Verification
from .base import Check, Execution, seed_setting, solver_setting, trials_setting

__all__ = ["invariant_verdicts", "verify_invariant", "CHECKS"]


def _invariant_instance(matrices, basis, p, trial, seed, solver) -> dict:
    rng = np.random.default_rng([seed, matrices.shape[1], p, trial])
    order = matrices.shape[0]
    points = rng.standard_normal((p, matrices.shape[1]))
    labels = rng.choice([-1.0, 1.0], size=p)
    if not basis.shape[1]:
        return {"p": p, "trial": trial, "verdict": "not_separable"}
    orbits = np.einsum("gij,pj->pgi", matrices, points)  # (P, |G|, N)
    signed = (labels[:, None, None] * orbits @ basis).reshape(p * order, basis.shape[1])
    program = make_program(basis.shape[1], p * order, kappa=0.0, solver=solver)
    verdict = program.certify(signed, 0.0).verdict
    return {"p": p, "trial": trial, "verdict": str(getattr(verdict, "value", verdict))}


def invariant_verdicts(matrices, loads, *, trials: int = 100, seed: int = 0, solver: str | None = None,
                       ensemble=None) -> pd.DataFrame:
    """Certified verdict per (P, trial) for invariant readouts on random labelled orbits (columns ``p``, ``trial``,
    ``verdict``); instance ``(P, trial)`` is drawn from ``(seed, N, P, trial)``. The instances run through
    ``ensemble`` (:class:`capacity.checks.base.Ensemble`) if given, otherwise in this process."""
    matrices = np.asarray(matrices, dtype=float)
    basis = fixed_basis(matrices)
    trials = check_int("trials", trials, 1, 10**6)
    tasks = [(check_int("P", p, 1, 10**5), trial) for p in loads for trial in range(trials)]
    function = partial(_invariant_instance, matrices, basis, seed=seed, solver=solver)
    rows = (ensemble.run(function, tasks, "invariant instances") if ensemble is not None
            else [function(*task) for task in tasks])
    return pd.DataFrame(rows)


def verify_invariant(matrices=None, loads=None, *, N: int = 12, step: int = 1, trials: int = 100, seed: int = 0,
                     solver: str = "NNLS", execution: Execution | None = None) -> Verification:
    r"""Verdicts around :math:`P_c = 2N_0` tested against Cover with :math:`N_0` (and with :math:`N`, for power).

    ``matrices`` is the group (array or ``.npy`` path; default the cyclic shifts of :math:`\mathbb R^N` by
    ``step``). ``status`` is ``success`` when the :math:`N_0` hypothesis is not rejected at level 1e-3 and no verdict
    is doubtful; ``p_value_N`` is the same test against :math:`C(P, N)`, which it should reject (its power).
    """
    execution = execution or Execution()
    group = cyclic_shifts(N, step) if matrices is None else load_group(matrices)
    n0, n = fixed_basis(group).shape[1], group.shape[1]
    if loads is None:
        loads = sorted({max(1, round(f * 2 * n0)) for f in (0.5, 0.75, 1.0, 1.25, 1.5)})
    params = {"N": n, "group_order": len(group), "loads": [int(p) for p in loads], "trials": trials, "seed": seed,
              "solver": solver}
    if matrices is None:
        params["step"] = step
    digest = hashlib.sha256(np.ascontiguousarray(group).tobytes()).hexdigest()[:16]
    experiment = {"model": "invariant", **params, "group_digest": digest}
    with execution.ensemble(experiment) as ensemble:
        verdicts = invariant_verdicts(group, loads, trials=trials, seed=seed, solver=solver, ensemble=ensemble)
    doubtful = int((verdicts.verdict == "doubtful").sum())
    certain = verdicts[verdicts.verdict != "doubtful"]
    invariant = cover_test(certain, n0, dimension=n0)
    unrestricted = cover_test(certain, n0, dimension=n)
    ok = invariant.consistent() and doubtful == 0
    return Verification(
        "invariant", params, {"N_0": n0, "P_c": 2 * n0, "alpha_c": 2 * n0 / n},
        {"p_value_N0": invariant.p_value, "p_value_N": unrestricted.p_value, "doubtful": doubtful},
        {"table": invariant.table, "instances": verdicts}, "success" if ok else "failure",
        f"separable fractions vs Cover C(P, N_0 = {n0}): p = {invariant.p_value:.3g}; vs C(P, N = {n}): "
        f"p = {unrestricted.p_value:.3g}; {doubtful} doubtful verdicts")


def _run(N=12, step=1, matrices=None, trials=100, seed=0, solver="NNLS", execution=None):
    return verify_invariant(matrices, N=N, step=step, trials=trials, seed=seed, solver=solver, execution=execution)


CHECKS = (Check("invariant", "certified separability of random labelled orbits against Cover's C(P, N_0)",
                INVARIANT.parameters, (trials_setting(100, low=1), seed_setting(),
                                       solver_setting(available_solvers(), "NNLS")), _run,
                smoke={"N": 6, "step": 2, "trials": 10}),)
