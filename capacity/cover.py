r"""Cover's exact finite-size counting theorem and a test of an empirical pipeline against it.

For :math:`P` points in general position in :math:`\mathbb{R}^N`, the fraction of the :math:`2^P` dichotomies
that a hyperplane through the origin separates is (Cover 1965)

.. math:: C(P, N) = 2^{1-P} \sum_{k=0}^{N-1} \binom{P-1}{k},

so :math:`C(2N, N) = 1/2` exactly. With Gaussian patterns and random labels every dichotomy is equally likely,
so :math:`C(P, N)` is the probability that a random instance is separable.

Sign-constrained weights (:math:`w \ge 0`): for patterns with a symmetric law the probability that some
:math:`w` in the orthant separates the instance averages Cover's function over the orthant's conic intrinsic
volumes :math:`v_k = \binom{N}{k} 2^{-N}` (the conic kinematic formula; Amelunxen, Lotz, McCoy & Tropp 2014),

.. math:: C_+(P, N) = \sum_{k=0}^{N} \binom{N}{k} 2^{-N}\, C(P, k),

so :math:`C_+(N, N) = 1/2`: the finite-size threshold sits at :math:`\alpha = 1`, half of Cover's, as the replica
capacity of the sign-constrained perceptron (Amit, Campbell & Wong 1989). :func:`cover_test` tests against it
with ``sign_constrained=True``.

Independent branches: :math:`B` perceptrons, each with its own Gaussian inputs, that must all give the same random
labels separate them with probability :math:`C(P, N)^B` (given the labels the events are independent, and each
has probability :math:`C(P, N)` whatever the labels); :func:`cover_test` tests against it with ``branches=B``. A
two-branch network with the sign as activation and readout (1, 1) is such a pair.

Note: for Gaussian patterns :math:`\sigma^\mu\xi^\mu` has the same law as :math:`\xi^\mu`, so a pipeline that
drops the labels has the *same* separability law and no test can detect it. :func:`cover_test` detects what
does change the law, e.g. an extra bias dimension (:math:`C(P, N+1)`) or a wrong constraint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy import stats

from replica.validation import check_int

from .estimates import separable_fraction

__all__ = ["cover_probability", "orthant_probability", "CoverTest", "cover_test", "prefix_cover_tests"]


def _cover_fraction(p: int, n: int) -> Fraction:
    """:math:`C(P, N)` as an exact fraction, for any :math:`N \\ge 0` (:math:`C(P, 0) = 0` for :math:`P > 0`)."""
    if p <= n:
        return Fraction(1)
    return Fraction(sum(math.comb(p - 1, k) for k in range(n)), 2 ** (p - 1))


def cover_probability(p: int, n: int) -> float:
    """Exact :math:`C(P, N)`, computed in rational arithmetic and rounded once."""
    p = check_int("p", p, 0, 10**6)
    n = check_int("n", n, 1, 10**6)
    return float(_cover_fraction(p, n))


def orthant_probability(p: int, n: int) -> float:
    r"""Exact :math:`C_+(P, N) = \sum_{k=0}^{N} \binom{N}{k} 2^{-N} C(P, k)`: separable by some :math:`w \ge 0`.

    Computed in rational arithmetic and rounded once; the :math:`k = 0` term counts only for :math:`P = 0`.
    """
    p = check_int("p", p, 0, 10**6)
    n = check_int("n", n, 1, 10**6)
    return float(sum(Fraction(math.comb(n, k), 2**n) * _cover_fraction(p, k) for k in range(n + 1)))


@dataclass(frozen=True)
class CoverTest:
    """Exact binomial test of observed separable counts against :math:`C(P, N)` at each pattern count.

    Attributes
    ----------
    table : pandas.DataFrame
        Per pattern count: the columns of :func:`~capacity.estimates.separable_fraction` (observed fraction with
        its Wilson interval), ``expected`` (:math:`C(P, N)`) and the two-sided exact binomial ``p_value``.
    p_value : float
        Bonferroni-combined p-value (smallest per-point p-value times the number of points, capped at one).
    """

    n: int
    table: pd.DataFrame
    p_value: float

    def consistent(self, level: float = 1e-3) -> bool:
        return self.p_value >= level


def _binomial_p_value(successes: int, trials: int, expected: float) -> float:
    if trials == 0:
        return 1.0
    if expected in (0.0, 1.0):
        return 1.0 if successes == round(expected * trials) else 0.0
    return float(stats.binomtest(int(successes), int(trials), expected).pvalue)


def cover_test(verdicts: pd.DataFrame, n: int, *, dimension: int | None = None,
               sign_constrained: bool = False, branches: int = 1) -> CoverTest:
    """Test certified fixed-load verdicts (from :func:`capacity.experiments.separability_trials`) against Cover.

    Parameters
    ----------
    verdicts : pandas.DataFrame
        Columns ``p`` and ``verdict``.
    n : int
        The patterns' dimension.
    dimension : int, optional
        The dimension in Cover's formula (default ``n``); pass another value to test an alternative hypothesis.
    sign_constrained : bool
        Test against :math:`C_+(P, N)` (weights :math:`w \\ge 0`) instead of :math:`C(P, N)`.
    branches : int
        Test against :math:`C(P, N)^B`: :math:`B` perceptrons, each on its own independent inputs, that must all
        separate the same labels (the events are independent given the labels, and each has probability
        :math:`C(P, N)` whatever the labels).
    """
    dimension = n if dimension is None else dimension
    table = separable_fraction(verdicts.assign(n=n))
    probability = orthant_probability if sign_constrained else cover_probability
    table["expected"] = [probability(p, dimension) ** branches for p in table.p]
    table["p_value"] = [_binomial_p_value(k, t, e) for k, t, e in zip(table.separable, table.trials, table.expected)]
    combined = float(min(1.0, table.p_value.min() * len(table))) if len(table) else 1.0
    return CoverTest(n, table, combined)


def prefix_cover_tests(instances: pd.DataFrame, loads, dimension: int,
                       branches: int = 1) -> tuple[CoverTest, CoverTest]:
    """Instances of a perceptron pipeline whose largest storable prefix ``p_star`` is known, each judged at one load
    only (instance ``trial`` at ``loads[trial % len(loads)]``: one instance's verdicts at several prefixes are not
    independent), against Cover's :math:`C(P, N)` with :math:`N` = ``dimension``, and against
    :math:`C(P, N + 1)`, which a check with power rejects; with ``branches`` :math:`B`, against :math:`C(P, N)^B` and
    :math:`C(P, N + 1)^B` (:func:`cover_test`). Returns ``(cover, one_more_input)``."""
    loads = np.asarray(loads)
    verdicts = pd.DataFrame({"p": loads[instances.trial.to_numpy() % len(loads)]})
    verdicts["verdict"] = np.where(instances.p_star.to_numpy() >= verdicts.p, "separable", "not_separable")
    return (cover_test(verdicts, dimension, dimension=dimension, branches=branches),
            cover_test(verdicts, dimension, dimension=dimension + 1, branches=branches))

