r"""Verdicts of convex programs, certified independently of the solver.

For signed patterns :math:`a_\mu = \sigma^\mu \xi^\mu` the largest normalised margin of an instance is

.. math:: \kappa_{\max} = \max_{|w| = 1} \min_\mu a_\mu \cdot w

(the margin :math:`\sigma w\cdot\xi/\sqrt N` of Gardner (1988) with :math:`|w|^2 = N`). Two certificates
bracket it, each recomputed here from the solver's output in floating point with a rounding allowance:

* any nonzero :math:`w` gives :math:`\kappa_{\max} \ge \min_\mu a_\mu\cdot w/|w|` (lower bound);
* any :math:`\lambda \ge 0` gives :math:`\kappa_{\max} \le |\sum_\mu \lambda_\mu a_\mu| / \sum_\mu\lambda_\mu`
  (since :math:`\min_\mu a_\mu\cdot w \le \sum_\mu \lambda_\mu a_\mu \cdot w / \sum\lambda`), and, for the
  max-margin QP's dual, :math:`\kappa_{\max} \le 1/\sqrt{2 D(\lambda)}` with
  :math:`D(\lambda) = \sum_\mu \lambda_\mu - \tfrac12|\sum_\mu \lambda_\mu a_\mu|^2` (weak duality).

Sign-constrained weights (:math:`w \ge 0`, ``nonnegative=True``): the maximum runs over unit :math:`w \ge 0`. A
weight vector is first clipped to the orthant (still a valid lower bound), and the upper bounds hold with
:math:`c = \sum_\mu\lambda_\mu a_\mu` replaced by its positive part :math:`c_+`, because
:math:`c\cdot w \le c_+\cdot w \le |c_+|` for unit :math:`w \ge 0` (and :math:`D` is then the dual of the
sign-constrained QP).

A question "is :math:`\kappa_{\max} \ge \kappa`?" is answered ``SEPARABLE`` when the lower bound reaches
:math:`\kappa` (strictly above 0 for :math:`\kappa = 0`), ``NOT_SEPARABLE`` when the upper bound is below
:math:`\kappa` (for :math:`\kappa = 0`: below :data:`FARKAS_TOLERANCE`, i.e. no separator with margin above it
exists), and ``DOUBTFUL`` otherwise — never counted as either.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from replica.errors import ParameterError
from replica.serialization import json_safe

__all__ = ["Verdict", "Certificate", "signed_rows", "trivial_certificate", "margin_lower_bound", "margin_upper_bound",
           "largest_norm", "lower_bound_from_scores", "upper_bound_from_combination", "prefix_lower_bounds",
           "certifies_separable", "certifies_not_separable", "decide", "FARKAS_TOLERANCE"]

#: Largest certified margin bound accepted as "no separator" at kappa = 0 (margins of N(0, I) data are O(1)).
FARKAS_TOLERANCE = 1e-6


class Verdict(str, enum.Enum):
    """Certified answer to "is the instance separable with margin kappa?"."""

    SEPARABLE = "separable"
    NOT_SEPARABLE = "not_separable"
    DOUBTFUL = "doubtful"


@dataclass(frozen=True)
class Certificate:
    """A verdict with the certified bracket :math:`[\\kappa_{lo}, \\kappa_{hi}]` of the instance's max margin.

    Attributes
    ----------
    verdict : Verdict
    margin_lower, margin_upper : float
        Certified bounds on :math:`\\kappa_{\\max}` (``-inf``/``inf`` where no certificate was obtained).
    solver, solver_status : str
        The solver used and the status it reported.
    message : str
        Why the verdict is what it is.
    """

    verdict: Verdict
    margin_lower: float
    margin_upper: float
    solver: str
    solver_status: str
    message: str

    @property
    def certified(self) -> bool:
        return self.verdict is not Verdict.DOUBTFUL

    def to_dict(self) -> dict:
        return json_safe(self)


def signed_rows(signed_patterns, n: int) -> np.ndarray:
    """The rows :math:`a_\\mu` as a float array, checked to have shape ``(p, n)``."""
    rows = np.asarray(signed_patterns, dtype=float)
    if rows.ndim != 2 or rows.shape[1] != n:
        raise ParameterError("signed_patterns", f"must have shape (p, {n}); got {rows.shape}")
    return rows


def trivial_certificate(solver: str) -> Certificate:
    """The verdict for an instance without constraints: every margin is achievable."""
    return Certificate(Verdict.SEPARABLE, math.inf, math.inf, solver, "trivial",
                       "no constraints: every margin is achievable")


def largest_norm(rows: np.ndarray) -> float:
    r""":math:`\max_\mu |a_\mu|` over the rows of a non-empty array (the scale of the rounding allowance)."""
    return float(np.sqrt(np.max(np.einsum("ij,ij->i", rows, rows))))


def _allowance(n: int, largest_row_norm: float) -> float:
    return 4 * (n + 2) * np.finfo(float).eps * largest_row_norm


def _usable_norm(weights) -> float | None:
    """:math:`|w|`, or ``None`` when ``w`` cannot certify anything (a non-finite entry, or zero)."""
    w = np.asarray(weights, dtype=float).ravel()
    norm = float(np.linalg.norm(w))
    return norm if np.all(np.isfinite(w)) and norm > 0.0 else None


def lower_bound_from_scores(scores: np.ndarray, weights: np.ndarray, largest_row_norm: float) -> float:
    r"""Certified lower bound :math:`\min_\mu s_\mu/|w|` minus rounding, from the scores :math:`s_\mu = a_\mu\cdot w`
    of every row (computed by the caller, blockwise if the rows are never materialised); ``-inf`` if ``w`` is unusable.
    """
    norm = _usable_norm(weights)
    if norm is None:
        return -math.inf
    if len(scores) == 0:
        return math.inf
    return float(np.min(scores) / norm) - _allowance(np.size(weights), largest_row_norm)


def upper_bound_from_combination(combination: np.ndarray, total: float, largest_row_norm: float) -> float:
    r"""Certified upper bound :math:`|c|/\sum_\mu\lambda_\mu` plus rounding, from the combination
    :math:`c = \sum_\mu \lambda_\mu a_\mu` of non-negative multipliers (computed by the caller, blockwise if the rows
    are never materialised) and their sum; ``inf`` if they cannot certify anything."""
    if not (math.isfinite(total) and total > 0.0) or not np.all(np.isfinite(combination)):
        return math.inf
    return float(np.linalg.norm(combination) / total) + _allowance(np.size(combination), largest_row_norm)


def margin_lower_bound(signed_patterns: np.ndarray, weights, *, nonnegative: bool = False) -> float:
    r"""Certified lower bound :math:`\min_\mu a_\mu\cdot w/|w|` minus rounding; ``-inf`` if ``w`` is unusable.

    With ``nonnegative`` the weights are clipped to :math:`w \ge 0` first, so the bound is for sign-constrained
    weights.
    """
    if weights is None or signed_patterns.shape[0] == 0:
        return math.inf if signed_patterns.shape[0] == 0 else -math.inf
    w = np.asarray(weights, dtype=float).ravel()
    if nonnegative:
        w = np.clip(w, 0.0, None)
    if not np.all(np.isfinite(w)):
        return -math.inf
    largest_row = largest_norm(signed_patterns)
    return lower_bound_from_scores(signed_patterns @ w, w, largest_row)


def margin_upper_bound(signed_patterns: np.ndarray, multipliers, *, qp_dual: bool = False,
                       nonnegative: bool = False) -> float:
    r"""Certified upper bound on :math:`\kappa_{\max}` from nonnegative multipliers :math:`\lambda`.

    Negative entries (solver round-off) are clipped to zero before the bound is recomputed. With
    ``qp_dual`` the weak-duality bound of the max-margin QP is also used, and the smaller bound returned. With
    ``nonnegative`` the bound is for sign-constrained weights (positive part of the combination).
    """
    if multipliers is None:
        return math.inf
    lam = np.clip(np.asarray(multipliers, dtype=float).ravel(), 0.0, None)
    total = float(lam.sum())
    if not np.all(np.isfinite(lam)) or total <= 0.0:
        return math.inf
    combination = signed_patterns.T @ lam
    if nonnegative:
        combination = np.clip(combination, 0.0, None)
    largest_row = largest_norm(signed_patterns)
    bound = upper_bound_from_combination(combination, total, largest_row)
    if qp_dual:
        dual_value = total - 0.5 * float(combination @ combination)
        if dual_value > 0:
            bound = min(bound, 1.0 / math.sqrt(2.0 * dual_value) + _allowance(signed_patterns.shape[1], largest_row))
    return bound


def certifies_separable(kappa: float, lower) -> bool | np.ndarray:
    r"""Whether a certified lower bound of the max margin answers margin ``kappa`` (strictly above 0 at
    :math:`\kappa = 0`); element-wise for an array of bounds."""
    return lower > 0.0 if kappa == 0.0 else lower >= kappa


def certifies_not_separable(kappa: float, upper: float) -> bool:
    r"""Whether a certified upper bound of the max margin excludes margin ``kappa`` (below
    :data:`FARKAS_TOLERANCE` at :math:`\kappa = 0`)."""
    return upper < (FARKAS_TOLERANCE if kappa == 0.0 else kappa)


def prefix_lower_bounds(scores: np.ndarray, weights: np.ndarray, largest_row_norm: float) -> np.ndarray:
    r"""Certified lower bounds of the max margin of every prefix, from one weight vector: entry :math:`j` is
    :math:`\min_{\mu \le j} s_\mu/|w|` minus the rounding allowance (:func:`lower_bound_from_scores` for each prefix).

    A separator found for the first :math:`P` rows of a nested instance certifies every longer prefix on which it
    still has a positive margin, at the cost of one product with the rows.
    """
    norm = _usable_norm(weights)
    if norm is None:
        return np.full(len(scores), -math.inf)
    return np.minimum.accumulate(np.asarray(scores, dtype=float)) / norm - _allowance(np.size(weights), largest_row_norm)


def decide(kappa: float, lower: float, upper: float, solver: str, solver_status: str) -> Certificate:
    """Turn a certified bracket of the max margin into a verdict for margin ``kappa``."""
    if certifies_separable(kappa, lower):
        verdict, why = Verdict.SEPARABLE, f"weights certify margin >= {lower:.3g}"
    elif certifies_not_separable(kappa, upper):
        verdict, why = Verdict.NOT_SEPARABLE, f"multipliers certify every margin <= {upper:.3g}"
    else:
        verdict = Verdict.DOUBTFUL
        why = (f"solver reported {solver_status!r}, but the recomputed bracket [{lower:.3g}, {upper:.3g}] "
               f"does not decide margin {kappa:g}")
    return Certificate(verdict, lower, upper, solver, solver_status, why)
