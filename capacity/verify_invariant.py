r"""Finite-N check of the group-invariant capacity: certified LP verdicts on random orbits against Cover's function.

Each instance draws :math:`P` Gaussian points :math:`x_\mu\in\mathbb R^N` and random labels, forms their whole orbits
:math:`\{\rho(g)x_\mu\}_{g\in G}` (every orbit point carries its point's label), and asks whether some invariant readout
:math:`w = Bu` (:math:`B` the basis of :func:`replica.invariant.fixed_basis`) classifies all :math:`P|G|` points:
rows :math:`\sigma_\mu B^\top\rho(g)x_\mu`, certified by the programs of :mod:`capacity.programs`. The separable
counts are tested exactly (binomial) against :math:`C(P, N_0)` (:func:`capacity.cover.cover_test`), and, to show the
test has power, against :math:`C(P, N)`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from replica.invariant import fixed_basis
from replica.validation import check_int

from .cover import cover_test
from .programs import make_program

__all__ = ["invariant_verdicts", "verify_invariant"]


def invariant_verdicts(matrices, loads, *, trials: int = 100, seed: int = 0, solver: str | None = None) -> pd.DataFrame:
    """Certified verdict per (P, trial) for invariant readouts on random labelled orbits (columns ``p``, ``trial``,
    ``verdict``)."""
    matrices = np.asarray(matrices, dtype=float)
    basis = fixed_basis(matrices)
    order, n = matrices.shape[0], matrices.shape[1]
    trials = check_int("trials", trials, 1, 10**6)
    rows = []
    for p in loads:
        p = check_int("P", p, 1, 10**5)
        program = make_program(max(basis.shape[1], 1), p * order, kappa=0.0, solver=solver)
        for trial in range(trials):
            rng = np.random.default_rng([seed, n, p, trial])
            points = rng.standard_normal((p, n))
            labels = rng.choice([-1.0, 1.0], size=p)
            orbits = np.einsum("gij,pj->pgi", matrices, points)  # (P, |G|, N)
            signed = (labels[:, None, None] * orbits @ basis).reshape(p * order, basis.shape[1])
            verdict = program.certify(signed, 0.0).verdict if basis.shape[1] else "not_separable"
            rows.append({"p": p, "trial": trial, "verdict": str(getattr(verdict, "value", verdict))})
    return pd.DataFrame(rows)


def verify_invariant(matrices, loads=None, *, trials: int = 100, seed: int = 0, solver: str | None = None) -> dict:
    r"""Verdicts around :math:`P_c = 2N_0` tested against Cover with :math:`N_0` (and with :math:`N`, for power).

    Returns ``N``, ``N_0``, the per-load table, both combined p-values, and ``status`` (``success`` when the
    :math:`N_0` hypothesis is not rejected at level 1e-3 and no verdict is doubtful).
    """
    matrices = np.asarray(matrices, dtype=float)
    n0, n = fixed_basis(matrices).shape[1], matrices.shape[1]
    if loads is None:
        loads = sorted({max(1, round(f * 2 * n0)) for f in (0.5, 0.75, 1.0, 1.25, 1.5)})
    verdicts = invariant_verdicts(matrices, loads, trials=trials, seed=seed, solver=solver)
    doubtful = int((verdicts.verdict == "doubtful").sum())
    certain = verdicts[verdicts.verdict != "doubtful"]
    invariant = cover_test(certain, n0, dimension=n0)
    unrestricted = cover_test(certain, n0, dimension=n)
    ok = invariant.consistent() and doubtful == 0
    return {"N": n, "N_0": n0, "P_c": 2 * n0, "table": invariant.table, "p_value_N0": invariant.p_value,
            "p_value_N": unrestricted.p_value, "doubtful": doubtful, "status": "success" if ok else "failure",
            "message": f"separable fractions vs Cover C(P, N_0 = {n0}): p = {invariant.p_value:.3g}; vs C(P, N = {n}): "
                       f"p = {unrestricted.p_value:.3g}; {doubtful} doubtful verdicts"}
