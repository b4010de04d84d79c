r"""Exhaustive enumeration of binary weight vectors: the exact finite-N check of the Ising perceptron.

For an instance with signed patterns :math:`a_\mu` and binary weights :math:`w \in \{\pm1\}^N` (so
:math:`|w|^2 = N`), the prefix of length :math:`P` is storable with margin :math:`\kappa` iff some :math:`w` has
:math:`a_\mu\cdot w/\sqrt N \ge \kappa` for all :math:`\mu < P`. With :math:`f(w)` the index of the first violated
constraint, the longest storable prefix is :math:`\max_w f(w)`, found by scoring all :math:`2^N` vectors in
chunks (vectorised; practical to :math:`N \approx 25`). There is no solver to trust: the only doubt is
floating-point rounding of a field within :data:`TIE_TOLERANCE` of the threshold, which marks the instance
doubtful.
"""

from __future__ import annotations

import math

import numpy as np

from replica.errors import ParameterError

__all__ = ["longest_storable_prefix", "MAX_ENUMERATION_N", "TIE_TOLERANCE"]

#: Largest N enumerated (2^N sign vectors).
MAX_ENUMERATION_N = 26
#: Relative distance of a field from the threshold below which rounding could flip a verdict.
TIE_TOLERANCE = 1e-10
_CHUNK = 1 << 15


def longest_storable_prefix(signed_patterns: np.ndarray, kappa: float = 0.0) -> tuple[int, bool]:
    r"""Length of the longest prefix storable by some :math:`w \in \{\pm 1\}^N`, and whether a near-tie occurred.

    Parameters
    ----------
    signed_patterns : ndarray, shape (p, n)
        Rows :math:`a_\mu = \sigma^\mu \xi^\mu`.
    kappa : float
        Margin in the normalisation :math:`a_\mu\cdot w/\sqrt N \ge \kappa`.

    Returns
    -------
    (int, bool)
        The longest storable prefix (``p`` if the whole instance is storable) and ``True`` if some field that
        could decide the answer lay within the rounding tolerance of the threshold.
    """
    p, n = signed_patterns.shape
    if n > MAX_ENUMERATION_N:
        raise ParameterError("n", f"exhaustive enumeration needs n in [1, {MAX_ENUMERATION_N}]; got {n}")
    threshold = kappa * math.sqrt(n)
    scale = TIE_TOLERANCE * math.sqrt(n) * float(np.max(np.linalg.norm(signed_patterns, axis=1), initial=1.0))
    bits = np.arange(n)
    best, tie = 0, False
    for start in range(0, 1 << n, _CHUNK):
        index = np.arange(start, min(start + _CHUNK, 1 << n))
        weights = 1.0 - 2.0 * ((index[:, None] >> bits) & 1)
        fields = weights @ signed_patterns.T - threshold  # (chunk, p)
        violated = fields < 0
        first = np.where(violated.any(axis=1), violated.argmax(axis=1), p)
        near = np.abs(fields) <= scale
        if near.any():
            # a near-tie matters if it sits at or before the vector's first violation and that vector could win
            position = np.arange(p)[None, :]
            tie |= bool(np.any(near & (position <= first[:, None]) & (first[:, None] >= best)))
        best = max(best, int(first.max()))
    return best, tie
