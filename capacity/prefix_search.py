r"""The first prefix of a nested instance that cannot be stored, found from certified verdicts.

A finite-size experiment draws patterns :math:`\xi^1, \xi^2, \dots` and asks for :math:`P^*`, the first
:math:`P` at which the prefix :math:`\xi^1, \dots, \xi^P` stops being separable with margin :math:`\kappa`. The
verdicts are monotone in :math:`P` (a separator of :math:`P` patterns separates every shorter prefix; a Farkas
certificate of a prefix certifies every longer one), so any search that keeps a separable ``lo`` and an
unseparable ``hi`` finds the same :math:`P^*`; the searches here differ only in how many convex programs they
solve, which is the whole cost (one certified verdict of the least-distance program takes about a second at
:math:`N = 1000`).

:func:`first_unseparable_prefix` uses, besides the verdict, what each certificate says about *other* prefixes:

* a separator :math:`w` of prefix :math:`P` certifies every longer prefix on which :math:`\min_\mu a_\mu\cdot
  w/|w|` stays above :math:`\kappa` (one product with the rows, :func:`certify_prefix`);
* a Farkas certificate :math:`u` of prefix :math:`P` certifies already the prefix that ends at its last nonzero
  multiplier;
* the certified max margin :math:`\kappa_{\max}(P)` of a separable prefix predicts :math:`P^*`. For the spherical
  perceptron the margin of :math:`\alpha N` random patterns follows Gardner's curve
  :math:`\alpha_c(\kappa)^{-1} = \int_{-\kappa}^\infty Dt\,(t+\kappa)^2` (Gardner 1988), so the patterns still
  storable at margin :math:`\kappa` after :math:`P` are about
  :math:`N[\alpha_c(\kappa) - \alpha_c(\kappa_{\max}(P))]` (:func:`capacity_curve_predictor`). Measured at
  :math:`N = 300`, the prediction from :math:`d` patterns before :math:`P^*` is unbiased with a spread of about
  :math:`2\sqrt d`. While no unseparable prefix is known, the next solve is placed one pattern before the
  prediction (if it lies beyond the prefixes already certified separable); otherwise at the median of the
  prediction, taken as normal with standard deviation :data:`PREDICTION_SPREAD` :math:`\sqrt d` and restricted
  to the bracket (so each solve halves the probability left, where the bisection halves the bracket). The
  prediction replaces the first bisection steps, which are the ones that gain least. The margin is needed only
  to a relative :data:`SEARCH_RELATIVE_GAP` or to the width that moves the prediction by
  :data:`SEARCH_PATTERN_RESOLUTION` patterns (:func:`margin_resolution`), whichever is wider.

Measured at :math:`N = 1000` (``benchmarks/bench_gardner.py``): 5.7 certified verdicts per instance where the
galloping bisection needs 8.3 on the same 6 instances (6.2 over 34 instances). Over 450 instances at :math:`N = 300`
(three seeds) the search needs 5.56 verdicts per instance where placing every solve one pattern before the
prediction needed 5.94. With the interior point's verdicts (:mod:`capacity.programs.interior_point`) the
:math:`\pm 0.02` capacity estimate takes a seventh of the time of the bisection with NNLS verdicts (7.4 and 7.2
times less in two runs; README). Warm starts between prefixes do not pay here (README).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import ndtr, ndtri

from .programs import Verdict
from .programs.certificates import (
    certifies_not_separable, certifies_separable, largest_norm, margin_upper_bound, prefix_lower_bounds,
)

__all__ = ["PrefixAnswer", "certify_prefix", "capacity_curve_predictor", "margin_resolution",
           "first_unseparable_prefix", "SEARCH_RELATIVE_GAP", "SEARCH_PATTERN_RESOLUTION", "PREDICTION_SPREAD"]

#: How tightly a separable prefix's max margin need be known to place the next solve: a relative error
#: :math:`\epsilon` moves the prediction by :math:`N|\alpha_c'(\kappa)|\epsilon\kappa`, under one pattern at
#: :math:`\epsilon = 10^{-2}` for :math:`N = 1000` where the prediction's own spread is :math:`2\sqrt d`. The
#: least-distance program's interior point stops there (two or three iterations early); the verdicts are certified
#: as always.
SEARCH_RELATIVE_GAP = 1e-2

#: Patterns by which the width of a separable prefix's margin bracket may move the predicted :math:`P^*`
#: (:func:`margin_resolution`). Near :math:`P^*` the max margin is of order :math:`10^{-4}` at :math:`N = 1000`;
#: bracketing it to a relative :data:`SEARCH_RELATIVE_GAP`, which moves the prediction by thousandths of a pattern,
#: cost the interior point up to 7 more iterations (21 instead of 14) than this. Measured on 16 instances at
#: :math:`N = 1000`, with the median placement below: 18 % less time per instance.
SEARCH_PATTERN_RESOLUTION = 0.5

#: Standard deviation of the predicted :math:`P^*` in units of :math:`\sqrt d` for a prediction made :math:`d`
#: patterns before it, as the search places its solves. The measured spread is about :math:`2\sqrt d`; over 150
#: instances at :math:`N = 300` (one of the seeds in the module docstring), 1.5 needed 5.51 verdicts per instance,
#: 2 needed 5.54 and 1 needed 5.79.
PREDICTION_SPREAD = 1.5


@dataclass(frozen=True)
class PrefixAnswer:
    r"""A certified verdict on one prefix and what its certificate says about the others.

    Attributes
    ----------
    verdict : Verdict
        For the prefix of length ``p`` asked about.
    separable_through : int
        Longest prefix certified separable by the same separator (``>= p`` when separable, else 0).
    unseparable_from : int or None
        Shortest prefix certified unseparable by the same multipliers (``<= p`` when not separable, else ``None``).
    margin : float or None
        Certified lower bound of :math:`\kappa_{\max}` of the prefix (separable answers from a least-distance
        solve; ``None`` otherwise).
    """

    verdict: Verdict
    separable_through: int = 0
    unseparable_from: int | None = None
    margin: float | None = None

    @classmethod
    def of(cls, verdict: Verdict, p: int) -> "PrefixAnswer":
        """The answer that says nothing beyond the verdict on prefix ``p``."""
        return cls(verdict, p if verdict is Verdict.SEPARABLE else 0,
                   p if verdict is Verdict.NOT_SEPARABLE else None)


def certify_prefix(program, rows: np.ndarray, p: int, kappa: float, *, rows_per_pattern: int = 1,
                   nonnegative: bool = False) -> PrefixAnswer:
    r"""Certified verdict on the first ``p`` patterns of ``rows``, extended to other prefixes by its certificate.

    Parameters
    ----------
    program
        A program with ``certify(rows, kappa)``; if it also has ``certify_with_solution`` (the least-distance
        program), its separator and multipliers extend the verdict as described in the module docstring.
    rows : ndarray, shape (P_max * rows_per_pattern, n)
        Every row of the nested instance, pattern by pattern.
    p : int
        Patterns asked about.
    kappa : float
    rows_per_pattern : int
        Rows of one pattern (several for a storing set with several fields).
    nonnegative : bool
        Sign-constrained weights (the separator is then already clipped to :math:`w \ge 0`).
    """
    k = rows_per_pattern
    head = rows[: p * k]
    if not hasattr(program, "certify_with_solution"):
        return PrefixAnswer.of(program.certify(head, kappa).verdict, p)
    certificate, weights, multipliers = program.certify_with_solution(head, kappa)
    verdict = certificate.verdict
    if verdict is Verdict.SEPARABLE and weights is not None:
        # one bound per whole pattern
        bounds = prefix_lower_bounds(rows @ weights, weights, largest_norm(rows))[k - 1:: k]
        failing = np.flatnonzero(~certifies_separable(kappa, bounds))
        through = int(failing[0]) if failing.size else len(bounds)
        return PrefixAnswer(verdict, max(through, p), None, certificate.margin_lower)
    if verdict is Verdict.NOT_SEPARABLE and multipliers is not None:
        support = np.flatnonzero(multipliers > 0)
        shortest = int(support[-1]) // k + 1 if support.size else p
        if shortest < p:
            upper = margin_upper_bound(rows[: shortest * k], multipliers[: shortest * k], qp_dual=True,
                                       nonnegative=nonnegative)
            if certifies_not_separable(kappa, upper):
                return PrefixAnswer(verdict, 0, shortest)
        return PrefixAnswer(verdict, 0, p)
    return PrefixAnswer.of(verdict, p)


def capacity_curve_predictor(n: int, alpha_c: Callable[[float], float], kappa: float):
    r"""Predicted :math:`P^*` from a separable prefix: :math:`P + N[\alpha_c(\kappa) - \alpha_c(\kappa_{\max}(P))]`.

    Parameters
    ----------
    n : int
        Dimension.
    alpha_c : callable
        The RS capacity at a margin (Gardner's curve for the spherical perceptron).
    kappa : float
        The margin of the search.
    """
    target = float(alpha_c(kappa))

    def predict(p: int, margin: float) -> float:
        return p + n * (target - float(alpha_c(margin)))

    return predict


def margin_resolution(n: int, alpha_c: Callable[[float], float], kappa: float) -> float:
    r"""Width of a max-margin bracket that moves :func:`capacity_curve_predictor`'s :math:`P^*` by
    :data:`SEARCH_PATTERN_RESOLUTION` patterns: :math:`\Delta P = N|\alpha_c'(\kappa)|\,\Delta\kappa`.

    The slope is a forward difference of ``alpha_c`` at ``kappa`` (:math:`|\alpha_c'(0)| = 8/\sqrt{2\pi} \approx
    3.19` for Gardner's curve, so :math:`1.6\times 10^{-4}` at :math:`N = 1000`). ``0`` (no absolute width) if the
    curve gives no finite, decreasing slope there.
    """
    step = 1e-4
    slope = (float(alpha_c(kappa)) - float(alpha_c(kappa + step))) / step
    if not (math.isfinite(slope) and slope > 0.0):
        return 0.0
    return SEARCH_PATTERN_RESOLUTION / (n * slope)


def _median_of_prediction(prediction: tuple[int, float], lo: int, hi: int | None) -> int | None:
    r"""The prefix :math:`p` with :math:`\Pr(P^* \le p) = \tfrac12` when :math:`P^*` is normal about the prediction
    (standard deviation :data:`PREDICTION_SPREAD` :math:`\sqrt d`) and restricted to the bracket
    :math:`lo < P^* \le hi` (``hi = None``: unbounded); ``None`` if the bracket holds almost none of the
    prediction's probability (the search then gallops or bisects)."""
    made_at, estimate = prediction
    spread = PREDICTION_SPREAD * math.sqrt(max(estimate - made_at, 1.0))
    below = float(ndtr((lo + 0.5 - estimate) / spread))
    above = 1.0 if hi is None else float(ndtr((hi + 0.5 - estimate) / spread))
    if above - below < 1e-9:
        return None
    return math.floor(estimate + spread * float(ndtri(0.5 * (below + above))))


def first_unseparable_prefix(answer, max_patterns: int, guess: int | None = None,
                             predict: Callable[[int, float], float] | None = None) -> tuple[int | None, str, int]:
    r"""The first prefix length that is not separable, from certified answers on prefixes.

    Without ``guess``: the longest prefix is checked, then bisection. With ``guess`` (e.g. the theory's
    :math:`\alpha_c N`): the guess is checked first and the bracket grows from it in steps
    :math:`\sqrt{guess}, 2\sqrt{guess}, \dots` (about the width of the finite-size distribution of :math:`P^*`).
    With ``predict`` as well, the max margin of a separable answer places the next solve instead: one pattern before
    the predicted :math:`P^*` while no unseparable prefix is known and the prediction lies ahead, otherwise at the
    median of the prediction restricted to the bracket (module docstring). Whatever the path, the same :math:`P^*`
    is returned, because the verdicts are monotone.

    Parameters
    ----------
    answer : callable
        ``answer(p)`` returns the :class:`~capacity.programs.Verdict` for the first ``p`` patterns, or a
        :class:`PrefixAnswer` (:func:`certify_prefix`); verdicts must be monotone in ``p``.
    max_patterns : int
        Longest prefix searched.
    guess : int, optional
        Where to start.
    predict : callable, optional
        ``predict(p, margin)`` estimates :math:`P^*` from a separable prefix ``p`` of certified max margin
        ``margin`` (:func:`capacity_curve_predictor`).

    Returns
    -------
    (p_star, outcome, calls)
        ``p_star`` is ``None`` unless ``outcome`` is ``"certified"``; otherwise ``outcome`` is ``"doubtful"`` (a
        verdict was doubtful, or two certified answers contradicted each other; the search stops there) or
        ``"above_search_range"``. ``calls`` counts the answers asked for.
    """
    lo, hi = 0, None  # prefix lo is certified separable (0 trivially), prefix hi certified not separable
    p = max_patterns if guess is None else min(max(int(guess), 1), max_patterns)
    step = max(1, math.isqrt(p))
    calls = 0
    prediction = None  # (prefix, predicted P*) from the latest separable answer that carried its max margin
    while True:
        reply = answer(p)
        calls += 1
        if not isinstance(reply, PrefixAnswer):
            reply = PrefixAnswer.of(reply, p)
        estimate = None
        if reply.verdict is Verdict.DOUBTFUL:
            return None, "doubtful", calls
        if reply.verdict is Verdict.SEPARABLE:  # prefix p itself at least, whatever else the answer claims
            lo = max(lo, p, min(reply.separable_through, max_patterns))
            if predict is not None and reply.margin is not None and math.isfinite(reply.margin):
                estimate = predict(p, reply.margin)
                if math.isfinite(estimate):
                    prediction = (p, estimate)
        else:
            shortest = p if reply.unseparable_from is None else min(p, reply.unseparable_from)
            hi = shortest if hi is None else min(hi, shortest)
        if hi is not None and hi <= lo:  # monotone certified verdicts cannot cross
            return None, "doubtful", calls
        if hi is not None and hi - lo == 1:
            return hi, "certified", calls
        if hi is None and lo >= max_patterns:
            return None, "above_search_range", calls
        placed = None if prediction is None else _median_of_prediction(prediction, lo, hi)
        if hi is None and estimate is not None and math.isfinite(estimate) and estimate > lo:
            p = round(estimate) - 1
        elif placed is not None:
            p = placed
        elif hi is None:  # gallop up
            p, step = lo + step, 2 * step
        elif lo == 0 and guess is not None:  # gallop down
            p, step = hi - step, 2 * step
        else:
            p = (lo + hi) // 2
        p = min(max(p, lo + 1), (max_patterns + 1 if hi is None else hi) - 1)
