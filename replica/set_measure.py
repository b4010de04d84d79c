r"""The Gaussian measure of a storing set and its derivatives: the channel of a many-field storage problem at finite
overlap.

At overlap :math:`q` a pattern's fields are :math:`h = \omega + \sqrt V\,\xi` with :math:`\omega = \sqrt q\,t`,
:math:`V = 1 - q` and :math:`\xi` standard normal, so the RS channel of a storing set :math:`C` (Gardner 1988;
Engel & Van den Broeck, *Statistical Mechanics of Learning* (2001), ch. 6 and 12) is its Gaussian measure

.. math:: Z(\omega, V) = P(\omega + \sqrt V\,\xi \in C), \qquad
    \nabla_\omega\ln Z = \frac{\mathbb E_C[\xi]}{\sqrt V}, \qquad
    \nabla^2_\omega\ln Z = \frac{\mathrm{Cov}_C[\xi] - I}{V},

with :math:`\mathbb E_C` the mean over :math:`\xi` conditioned on :math:`\omega + \sqrt V\xi \in C` (differentiate
under the Gaussian density). The heat equation :math:`\partial_VZ = \tfrac12\Delta_\omega Z` gives the variance
derivative, :math:`\partial_V\ln Z = \tfrac12(\mathrm{tr}\,\nabla^2_\omega\ln Z + |\nabla_\omega\ln Z|^2)`.

Two kinds of set are evaluated, each in log space so that :math:`Z` far below the smallest double (a field vector
many standard deviations from :math:`C` as :math:`q \to 1`) keeps finite derivatives:

- a union of orthants :math:`\{\tau_kh_k \ge \kappa\}` (a Boolean rule of the hidden signs) in closed form,
  :math:`Z = \sum_\tau\prod_k\Phi((\tau_k\omega_k - \kappa)/\sqrt V)` (:func:`orthant_union_log_partition`);
- a union of :class:`~replica.field_sets.Piece` objects (a box cut by one half-space, the pieces of a
  piecewise-linear treelike network) in one or two dimensions (:func:`piece_union_log_partition`): the second field's
  slice of a piece is an interval, whose truncated-normal moments are closed form, and the first field is
  integrated by Gauss–Legendre panels placed around the mode of its log-concave marginal (Prékopa: the Gaussian
  restricted to a convex piece is log-concave, and strongly so with modulus one, so the mass lies within 9 of the
  mode up to :math:`e^{-40}`), refined geometrically towards the mode and split at the slice's kinks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from .errors import ParameterError

__all__ = ["LogPartition", "log_interval_mass", "truncated_moments", "orthant_union_log_partition",
           "piece_union_log_partition", "MAX_PIECE_DIMENSION"]

#: Pieces are integrated in one or two dimensions (the first field by quadrature, the second in closed form).
MAX_PIECE_DIMENSION = 2
#: Half-width of the window around the mode of a piece's first-field marginal (strong log-concavity, modulus 1:
#: the log-density drops by more than 40 beyond it).
WINDOW = 9.0
#: Panel edges on each side of the mode: widening from 1e-3 (a marginal that decays like exp(-r x) from the end
#: of its range, r up to a few thousand) to the window.
PANEL_OFFSETS = np.array([9.0, 6.5, 4.5, 3.0, 2.0, 1.25, 0.7, 0.35, 0.15, 0.06, 0.025, 0.01, 0.004, 0.001])
#: Gauss–Legendre nodes per panel.
PANEL_ORDER = 6
#: Gauss–Legendre nodes on a narrow interval (:func:`_narrow_moments`).
NARROW_ORDER = 8
_LOG_ROOT_TWO_PI = 0.5 * math.log(2 * math.pi)


@dataclass(frozen=True)
class LogPartition:
    r""":math:`\ln Z`, :math:`\nabla_\omega\ln Z` and :math:`\nabla^2_\omega\ln Z` at each of ``P`` points.

    Attributes
    ----------
    log_z : ndarray, shape (P,)
    gradient : ndarray, shape (P, K)
    hessian : ndarray, shape (P, K, K)
    """

    log_z: np.ndarray
    gradient: np.ndarray
    hessian: np.ndarray

    def variance_derivative(self) -> np.ndarray:
        r""":math:`\partial_V\ln Z = \tfrac12(\mathrm{tr}\,\nabla^2\ln Z + |\nabla\ln Z|^2)` (the heat equation)."""
        return 0.5 * (np.trace(self.hessian, axis1=1, axis2=2) + np.sum(self.gradient**2, axis=1))


def _log1mexp(x):
    r""":math:`\ln(1 - e^x)` for :math:`x \le 0` (Mächler's two branches)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(x > -math.log(2), np.log(-np.expm1(np.minimum(x, -0.0))), np.log1p(-np.exp(x)))


def _log_phi(x):
    r""":math:`\ln\varphi(x)`, :math:`-\infty` at :math:`\pm\infty`."""
    return -0.5 * np.square(x) - _LOG_ROOT_TWO_PI


def _narrow(lower, upper):
    r"""Where :math:`[a, b]` is narrow on the density's scale, :math:`(b - a)\max(1, |a|, |b|) \le 1`: there
    :math:`\Phi(b) - \Phi(a)` and :math:`\varphi(a) - \varphi(b)` cancel, and the density varies by at most a
    factor :math:`e^{3/2}` across the interval."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(lower) & np.isfinite(upper) & (upper > lower) & (
            (upper - lower) * np.maximum(1.0, np.maximum(np.abs(lower), np.abs(upper))) <= 1.0)


def _narrow_moments(lower, upper):
    r"""``(log_mass, mean, second)`` on narrow intervals by Gauss–Legendre quadrature of the density with
    :data:`NARROW_ORDER` nodes (exact to rounding: the log-density's variation across the interval is at most 3/2)."""
    x, w = np.polynomial.legendre.leggauss(NARROW_ORDER)
    half = (upper - lower)[..., None] / 2
    nodes = (lower + upper)[..., None] / 2 + half * x
    log_weights = np.log(half * w) + _log_phi(nodes)
    log_mass = special.logsumexp(log_weights, axis=-1)
    share = np.exp(log_weights - log_mass[..., None])
    return log_mass, np.sum(share * nodes, -1), np.sum(share * nodes**2, -1)


def log_interval_mass(lower, upper):
    r""":math:`\ln(\Phi(b) - \Phi(a))` for :math:`a \le b` (``-inf`` for an empty interval), accurate in both tails
    and on narrow intervals.

    The interval is mirrored into the lower half-line when it lies above zero; there
    :math:`\ln\Phi(b) + \ln(1 - \Phi(a)/\Phi(b))` keeps its relative accuracy far in the tail. An interval
    across zero has mass above :math:`\Phi(b) - \tfrac12`, subtracted directly. A narrow interval (where the
    difference would cancel) is integrated by :func:`_narrow_moments`.
    """
    lower, upper = np.broadcast_arrays(np.asarray(lower, dtype=float), np.asarray(upper, dtype=float))
    return _moments(lower, upper, need_moments=False)[0]


def truncated_moments(lower, upper):
    r"""``(log_mass, mean, second)`` of a standard normal restricted to :math:`[a, b]`:
    :math:`\ln(\Phi(b) - \Phi(a))`, :math:`(\varphi(a) - \varphi(b))/M` and :math:`1 + (a\varphi(a) - b\varphi(b))/M`
    (mean and second moment 0 where the interval is empty; narrow intervals by :func:`_narrow_moments`)."""
    lower, upper = np.broadcast_arrays(np.asarray(lower, dtype=float), np.asarray(upper, dtype=float))
    return _moments(lower, upper, need_moments=True)


def _moments(lower, upper, need_moments):
    mirror = lower > 0
    a, b = np.where(mirror, -upper, lower), np.where(mirror, -lower, upper)
    log_a, log_b = special.log_ndtr(a), special.log_ndtr(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mass = np.where(b <= 0, log_b + _log1mexp(log_a - log_b), np.log(np.exp(log_b) - np.exp(log_a)))
    log_mass = np.where(b > a, log_mass, -np.inf)
    narrow = _narrow(lower, upper)
    if np.any(narrow):
        log_narrow, mean_narrow, second_narrow = _narrow_moments(lower[narrow], upper[narrow])
        log_mass = log_mass.copy()
        log_mass[narrow] = log_narrow
    if not need_moments:
        return log_mass, None, None
    valid = np.isfinite(log_mass)
    safe = np.where(valid, log_mass, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        at_lower = np.where(np.isfinite(lower), np.exp(_log_phi(lower) - safe), 0.0)
        at_upper = np.where(np.isfinite(upper), np.exp(_log_phi(upper) - safe), 0.0)
        mean = np.where(valid, at_lower - at_upper, 0.0)
        second = np.where(valid, 1.0 + np.where(np.isfinite(lower), lower * at_lower, 0.0)
                          - np.where(np.isfinite(upper), upper * at_upper, 0.0), 0.0)
    if np.any(narrow):
        mean[narrow], second[narrow] = mean_narrow, second_narrow
    return log_mass, mean, second


def _log_partition(log_masses, means, seconds, variance) -> LogPartition:
    r"""Combine disjoint parts (log masses (parts, P), conditional means (parts, P, K) and second moments
    (parts, P, K, K)) into :class:`LogPartition`: mass-weighted conditional moments, then the formulas of the module
    docstring. Points outside every part raise (the set has zero measure there only if it is empty)."""
    log_z = special.logsumexp(log_masses, axis=0)
    if not np.all(np.isfinite(log_z)):
        raise ParameterError("storing set", "has zero Gaussian measure at some field vector (an empty set?)")
    share = np.exp(log_masses - log_z)
    mean = np.einsum("np,npk->pk", share, means)
    second = np.einsum("np,npkl->pkl", share, seconds)
    covariance = second - mean[:, :, None] * mean[:, None, :]
    k = mean.shape[1]
    return LogPartition(log_z, mean / math.sqrt(variance), (covariance - np.eye(k)) / variance)


def orthant_union_log_partition(representations: np.ndarray, omega: np.ndarray, variance: float,
                                kappa: float = 0.0) -> LogPartition:
    r"""The channel of :math:`\bigcup_\tau\{\tau_kh_k \ge \kappa\ \forall k\}` in closed form: each orthant's
    coordinates are independent truncated normals, :math:`\xi_k \ge (\kappa - \tau_k\omega_k)/\sqrt V` flipped by
    :math:`\tau_k`.

    Parameters
    ----------
    representations : ndarray, shape (R, K)
        The sign vectors :math:`\tau`, one orthant each.
    omega : ndarray, shape (P, K)
    variance : float
        :math:`V > 0`.
    kappa : float
        Margin of every field.
    """
    scale = math.sqrt(variance)
    signs = np.asarray(representations, dtype=float)[:, None, :]  # (R, 1, K)
    threshold = (kappa - signs * omega[None]) / scale  # tau xi >= threshold
    log_mass, mean, second = truncated_moments(threshold, np.inf)
    mean = signs * mean  # back from tau xi to xi
    seconds = mean[..., :, None] * mean[..., None, :]
    diagonal = np.arange(omega.shape[1])
    seconds[..., diagonal, diagonal] = second
    return _log_partition(log_mass.sum(-1), mean, seconds, variance)


def _slice_bounds(piece, h1, omega2, scale):
    r"""The second coordinate's interval :math:`[\alpha, \beta]` (in :math:`\xi_2`) of a piece at first field
    ``h1``, and the slopes :math:`d\alpha/d\xi_1`, :math:`d\beta/d\xi_1` (the half-space's :math:`-a_1/a_2` where it
    bounds the slice)."""
    lo, hi = np.full_like(h1, piece.lower[1]), np.full_like(h1, piece.upper[1])
    a1, a2, b = piece.normal[0], piece.normal[1], piece.offset
    zero = np.zeros_like(h1)
    lower_slope, upper_slope = zero, zero
    if a2 != 0:
        edge = (b - a1 * h1) / a2
        if a2 > 0:
            lower_slope = np.where(edge > lo, -a1 / a2, 0.0)
            lo = np.maximum(lo, edge)
        else:
            upper_slope = np.where(edge < hi, -a1 / a2, 0.0)
            hi = np.minimum(hi, edge)
    return (lo - omega2) / scale, (hi - omega2) / scale, lower_slope, upper_slope


def _first_field_range(piece, omega1, scale):
    r"""The interval of :math:`\xi_1` where the piece's slice is not empty: the box, and :math:`a_1h_1 > b -
    \sup_{h_2} a_2h_2`."""
    low = (piece.lower[0] - omega1) / scale
    high = (piece.upper[0] - omega1) / scale
    a1, a2, b = piece.normal[0], piece.normal[1], piece.offset
    if a2 > 0:
        supremum = a2 * piece.upper[1]
    elif a2 < 0:
        supremum = a2 * piece.lower[1]
    else:
        supremum = 0.0
    needed = b - supremum  # a1 h1 > needed
    if np.isfinite(needed):
        if a1 > 0:
            low = np.maximum(low, (needed / a1 - omega1) / scale)
        elif a1 < 0:
            high = np.minimum(high, (needed / a1 - omega1) / scale)
        elif needed >= 0:
            high = np.full_like(low, -np.inf)
    return low, high


def _marginal(piece, x, omega, scale):
    r"""Log-density of the first-field marginal at :math:`\xi_1 =` ``x`` (restricted to the piece) and its
    derivative."""
    alpha, beta, d_alpha, d_beta = _slice_bounds(piece, omega[:, 0] + scale * x, omega[:, 1], scale)
    log_mass = log_interval_mass(alpha, beta)
    safe = np.where(np.isfinite(log_mass), log_mass, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        flux = (np.where(d_beta != 0, np.exp(_log_phi(beta) - safe) * d_beta, 0.0)
                - np.where(d_alpha != 0, np.exp(_log_phi(alpha) - safe) * d_alpha, 0.0))
    return _log_phi(x) + log_mass, -x + flux


def _mode(piece, low, high, omega, scale, iterations: int = 40):
    r"""The maximiser of the first-field log-marginal :math:`g` on ``[low, high]``.

    :math:`g'' \le -1` (strong log-concavity), so from any :math:`y` the maximiser lies between :math:`y` and
    :math:`y + g'(y)`; it is bisected there from :math:`y` = 0 clipped into the range (to :math:`2^{-40}` of
    :math:`|g'(y)|`; :math:`y` is moved off an end of the range, where the slice may close).
    """
    start = np.clip(0.0, low, high)
    nudge = np.minimum(1e-6, (high - low) / 2)  # off an end of the range, where the slice may close
    start = np.where(start == low, start + nudge, np.where(start == high, start - nudge, start))
    slope = _marginal(piece, start, omega, scale)[1]
    left = np.where(slope > 0, start, np.maximum(low, start + slope))
    right = np.where(slope > 0, np.minimum(high, start + slope), start)
    for _ in range(iterations):
        middle = 0.5 * (left + right)
        rising = _marginal(piece, middle, omega, scale)[1] > 0
        left, right = np.where(rising, middle, left), np.where(rising, right, middle)
    return 0.5 * (left + right)


def _piece_moments_two(piece, omega, scale):
    """Log mass, conditional mean and second moment of :math:`\\xi` on a two-dimensional piece."""
    points = len(omega)
    low, high = _first_field_range(piece, omega[:, 0], scale)
    empty = ~(high > low)
    low, high = np.where(empty, 0.0, low), np.where(empty, 1.0, high)
    mode = _mode(piece, low, high, omega, scale)
    start, stop = np.maximum(low, mode - WINDOW), np.minimum(high, mode + WINDOW)
    edges = [mode[:, None] - PANEL_OFFSETS, mode[:, None], mode[:, None] + PANEL_OFFSETS]
    a1, a2, b = piece.normal[0], piece.normal[1], piece.offset
    if a1 != 0 and a2 != 0:  # where the half-space's edge meets the box's edges: kinks of the slice
        for bound in (piece.lower[1], piece.upper[1]):
            if np.isfinite(bound):
                edges.append((((b - a2 * bound) / a1 - omega[:, 0]) / scale)[:, None])
    edges = np.sort(np.clip(np.concatenate(edges, axis=1), start[:, None], stop[:, None]), axis=1)
    nodes, weights = np.polynomial.legendre.leggauss(PANEL_ORDER)
    left, width = edges[:, :-1, None], (edges[:, 1:] - edges[:, :-1])[:, :, None]
    x = (left + width * (nodes + 1) / 2).reshape(points, -1)  # (P, panels * order)
    w = (width * weights / 2).reshape(points, -1)
    repeated = np.repeat(omega, x.shape[1], axis=0)
    alpha, beta, _, _ = _slice_bounds(piece, repeated[:, 0] + scale * x.ravel(), repeated[:, 1], scale)
    log_slice, mean2, second2 = (v.reshape(x.shape) for v in truncated_moments(alpha, beta))
    with np.errstate(divide="ignore"):
        log_terms = _log_phi(x) + log_slice + np.log(w)
    log_mass = special.logsumexp(log_terms, axis=1)
    finite = np.isfinite(log_mass) & ~empty
    share = np.exp(log_terms - np.where(finite, log_mass, 0.0)[:, None])
    share = np.where(finite[:, None], share, 0.0)
    mean = np.stack([np.sum(share * x, 1), np.sum(share * mean2, 1)], axis=1)
    second = np.empty((points, 2, 2))
    second[:, 0, 0] = np.sum(share * x**2, 1)
    second[:, 0, 1] = second[:, 1, 0] = np.sum(share * x * mean2, 1)
    second[:, 1, 1] = np.sum(share * second2, 1)
    return np.where(finite, log_mass, -np.inf), mean, second


def _piece_moments_one(piece, omega, scale):
    """Log mass, conditional mean and second moment of :math:`\\xi` on a one-dimensional piece (an interval)."""
    low, high = piece.lower[0], piece.upper[0]
    a, b = piece.normal[0], piece.offset
    if a > 0:
        low = max(low, b / a)
    elif a < 0:
        high = min(high, b / a)
    elif b >= 0:
        high = -np.inf
    log_mass, mean, second = truncated_moments((low - omega[:, 0]) / scale, (high - omega[:, 0]) / scale)
    return log_mass, mean[:, None], second[:, None, None]


def piece_union_log_partition(pieces, omega: np.ndarray, variance: float) -> LogPartition:
    r"""The channel of a union of disjoint :class:`~replica.field_sets.Piece` objects (boxes cut by a half-space;
    their shared faces have measure zero) in one or two dimensions, by the quadrature of the module docstring.
    Pieces of zero width (a segment reduced to a point) carry no measure and are skipped.

    Parameters
    ----------
    pieces : sequence of Piece
    omega : ndarray, shape (P, K), K <= 2
    variance : float
        :math:`V > 0`.

    Raises
    ------
    ParameterError
        For more than :data:`MAX_PIECE_DIMENSION` fields.
    """
    k = omega.shape[1]
    if k > MAX_PIECE_DIMENSION:
        raise ParameterError("K", f"the Gaussian measure of a union of pieces is integrated for K <= "
                                  f"{MAX_PIECE_DIMENSION} fields; got {k}")
    scale = math.sqrt(variance)
    moments = _piece_moments_one if k == 1 else _piece_moments_two
    parts = [moments(piece, omega, scale) for piece in pieces if np.all(piece.upper > piece.lower)]
    return _log_partition(*(np.stack(v) for v in zip(*parts)), variance)
