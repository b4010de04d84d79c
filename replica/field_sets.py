r"""Storage problems with several fields per pattern, declared by the set of fields that stores a pattern.

A spherical weight vector meets each pattern through :math:`m` independent standard Gaussian fields
:math:`h = (h_1..h_m)` (each from its own direction in weight space: the branches of a tree machine, the target and
competitors of an associative memory); the pattern, with a random label :math:`y = \pm1`, is stored iff
:math:`h \in C_y`. Gardner's :math:`q \to 1` limit of the RS free entropy (Gardner 1988; for several fields,
Engel & Van den Broeck, *Statistical Mechanics of Learning* 2001, ch. 12) turns the energetic term into the squared
distance to the storing set, so the RS capacity (patterns per weight, all weights counted) is

.. math:: \frac1{\alpha_c^{RS}} = \tfrac12\sum_{y=\pm1}\mathbb E_{z\sim\mathcal N(0, I_m)}\,
          \mathrm{dist}(z, C_y)^2 .

Convex :math:`C_y` give a convex solution space, where the RS answer is expected to be exact; a union of convex
pieces (one per internal representation) makes the solution space non-convex, and the RS value is only an
estimate (for tree machines the replicon diverges at capacity: Barkai, Hansel & Sompolinsky, PRA 45, 4146 (1992)).

The sets here are unions of *pieces* :math:`\{x \in [l, u] : a\cdot x \ge b\}` (a box cut by one half-space),
which covers every Boolean rule of :math:`K` signs (orthants, :math:`a = 0`) and every treelike network with a
piecewise-linear activation (one piece per choice of linear segment in each branch); the projection onto a piece
is exact and vectorised: the KKT conditions give :math:`x = \mathrm{clip}_{[l,u]}(z + \lambda a)`, with the
multiplier :math:`\lambda \ge 0` the root of the non-decreasing, piecewise-linear :math:`a\cdot x(\lambda) = b`,
solved on its breakpoints. A quadratic activation gives one quadric per label, projected exactly through its
secular equation (the S-lemma: one quadratic constraint has no duality gap). A smooth monotone activation is
projected by following the boundary: exactly for two branches, and for more between a Lagrangian lower bound and
a feasible point improved pair by pair (:class:`MonotoneTreelike`). A general polyhedron
:math:`\{Gx \ge g\}`, or a union of them, is projected by the least-distance program
(:func:`replica.least_distance.least_distance`, Lawson & Hanson 1974), the program that certifies the max-margin
verdicts in :mod:`capacity.programs`; the associative memory's polyhedron has a closed-form projection
(:class:`CompetitorSet`).

Treelike networks (Zavatone-Veth & Pehlevan, PRE 103, L020301 (2021)): :math:`K` branches with activation
:math:`g`, output :math:`\mathrm{sign}(K^{-1/2}\sum_k c_k\,g(h_k))`, stored with margin :math:`\kappa` iff
:math:`y K^{-1/2}\sum_k c_k g(h_k) \ge \kappa`. For :math:`K\to\infty` with a centred readout
(:math:`\sum_k c_k = 0`, or :math:`\mathbb E g = 0`) the cheapest correction moves every field by
:math:`O(K^{-1/2})`: :math:`x_k = z_k + \lambda c_k g'(z_k)`, the output moves by
:math:`\lambda K^{-1/2}\sum_k g'(z_k)^2` and the cost is :math:`\lambda^2\sum_k g'(z_k)^2`, while the output at
:math:`z` is Gaussian with variance :math:`\sigma_g^2 = \mathrm{Var}\,g(z)`; hence

.. math:: \frac1{\alpha_\infty} = \frac{\mathbb E\,(\kappa - \sigma_g\xi)_+^2}{\mathbb E\,g'(z)^2}, \qquad
          \alpha_\infty(\kappa = 0) = \frac{2\,\mathbb E\,g'(z)^2}{\mathrm{Var}\,g(z)},

finite for a continuous activation (a linear :math:`g` gives Gardner's 2) and infinite for a discontinuous one
(the sign: the committee's :math:`\sqrt K` growth), the dichotomy Zavatone-Veth & Pehlevan relate to the
activation's smoothness.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy import integrate, optimize, special

from .errors import ParameterError
from .least_distance import least_distance
from .progress import progress_bar
from .validation import check_int, check_real

__all__ = ["Piece", "FieldSet", "PieceUnion", "BooleanRule", "TreelikeNetwork", "QuadricSet", "MonotoneTreelike",
           "Polyhedron", "PolyhedronUnion", "pure_quadratic",
           "CompetitorSet", "competitor_projection",
           "DistanceEstimate", "expected_squared_distance", "gardner_cost", "parse_activation", "linear_segments",
           "readout_vector",
           "infinite_width_capacity", "NAMED_RULES", "H"]

#: The symbol an activation is written in.
H = sp.Symbol("h", real=True)
#: Rules known by name; any other rule is a truth table (module :class:`BooleanRule`).
NAMED_RULES = ("committee", "parity", "and", "or")
#: Largest number of branches whose storing set is listed piece by piece.
MAX_BRANCHES = 12
_BISECTION_STEPS = 200


def gardner_cost(kappa: float) -> float:
    r""":math:`\mathbb E\,(\kappa - z)_+^2 = (1 + \kappa^2)\Phi(\kappa) + \kappa\varphi(\kappa)`: one field, one
    half-line :math:`[\kappa, \infty)` (Gardner 1988, :math:`\alpha_c(\kappa)` is its inverse)."""
    return float((1 + kappa**2) * special.ndtr(kappa) + kappa * math.exp(-kappa**2 / 2) / math.sqrt(2 * math.pi))


@dataclass(frozen=True)
class Piece:
    r"""A convex piece :math:`\{x : l \le x \le u,\ a\cdot x \ge b\}` of a storing set (:math:`a = 0`: a box)."""

    lower: np.ndarray
    upper: np.ndarray
    normal: np.ndarray
    offset: float

    def squared_distance(self, z: np.ndarray) -> np.ndarray:
        r"""Squared distance from each row of ``z`` to the closure of :math:`\{l \le x \le u,\ a\cdot x > b\}`
        (``inf`` where it is empty; a strict inequality, so a flat piece stores nothing at :math:`b = 0`).

        The projection is :math:`x(\lambda) = \mathrm{clip}(z + \lambda a)`, :math:`\lambda \ge 0` the root of the
        non-decreasing, piecewise-linear :math:`a\cdot x(\lambda) = b`: evaluated at its breakpoints
        :math:`(l_k - z_k)/a_k`, :math:`(u_k - z_k)/a_k`, and solved exactly on the segment that crosses :math:`b`.
        """
        a, lo, hi, b = self.normal, self.lower, self.upper, self.offset
        empty = np.full(len(z), np.inf)
        if np.any(lo > hi):
            return empty
        if not np.any(a):
            return np.sum((np.clip(z, lo, hi) - z) ** 2, axis=1) if b < 0 else empty
        rising, falling = a > 0, a < 0
        unbounded = np.any(np.isinf(hi[rising])) or np.any(np.isinf(lo[falling]))
        supremum = np.inf if unbounded else np.sum(a[rising] * hi[rising]) + np.sum(a[falling] * lo[falling])
        if supremum <= b:
            return empty
        moving = a != 0
        with np.errstate(divide="ignore", invalid="ignore"):
            breaks = np.concatenate([(lo - z)[:, moving] / a[moving], (hi - z)[:, moving] / a[moving]], axis=1)
        breaks = np.sort(np.where(np.isfinite(breaks) & (breaks > 0), breaks, 0.0), axis=1)
        breaks = np.concatenate([np.zeros((len(z), 1)), breaks], axis=1)  # (samples, 2m + 1), from lambda = 0
        values = np.einsum("snk,k->sn", np.clip(z[:, None, :] + breaks[:, :, None] * a, lo, hi), a)
        reached = values >= b
        first = np.where(reached.any(axis=1), reached.argmax(axis=1), breaks.shape[1])
        rows = np.arange(len(z))
        last = np.clip(first - 1, 0, None)
        left, left_value = breaks[rows, last], values[rows, last]
        # the slope on (left, next breakpoint): the squared normal over the coordinates still free to move
        following = breaks[rows, np.clip(first, 0, breaks.shape[1] - 1)]
        inside = np.where(first < breaks.shape[1], (left + following) / 2, left + 1.0)
        probe = z + inside[:, None] * a
        free = (probe > lo) & (probe < hi) & moving  # not clipped: moving with lambda
        slope = np.sum(np.where(free, a * a, 0.0), axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):  # flat up to rounding: the next breakpoint reaches b
            root = np.where(first == 0, 0.0, np.where(slope > 0, left + (b - left_value) / slope, following))
        x = np.clip(z + root[:, None] * a, lo, hi)
        return np.sum((x - z) ** 2, axis=1)


class FieldSet:
    """A storing set :math:`C_y` in field space, for the labels :math:`y = \\pm1` (the base of every declaration).

    Attributes
    ----------
    dimension : int
        The number of fields per pattern.
    label_symmetric : bool
        :math:`C_{+1}` and :math:`C_{-1}` give the same distance law (only :math:`y = +1` is evaluated).
    negation_symmetric : bool
        :math:`C_{-1} = -C_{+1}`: every Gaussian average over the fields is the same for both labels (a label
        symmetry by a permutation of the fields, as for an alternating readout, keeps scalars but permutes the
        replicon's matrix).
    exact_projection : bool
        :meth:`squared_distance` is the distance itself; otherwise it is an upper bound (a feasible point's) and
        :meth:`squared_distance_bounds` brackets the distance.
    nonconvex_shape : str
        What the set is when it is not convex ("union of convex pieces", ...).
    """

    dimension: int
    label_symmetric: bool = False
    negation_symmetric: bool = False
    exact_projection: bool = True
    #: How the set fails to be convex, for reports (when :meth:`convex` is false).
    nonconvex_shape: str = "not convex"

    def squared_distance(self, z: np.ndarray, label: int) -> np.ndarray:
        """Squared distance from each row of ``z`` (shape (samples, dimension)) to :math:`C_{label}`."""
        raise NotImplementedError

    def squared_distance_bounds(self, z: np.ndarray, label: int) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)`` bounds on the squared distance: both :meth:`squared_distance` for an exact
        projection."""
        distance = self.squared_distance(z, label)
        return distance, distance

    def convex(self) -> bool:
        """Every :math:`C_y` is convex (RS is then expected exact)."""
        raise NotImplementedError

    def exact_expected_squared_distance(self) -> float | None:
        """:math:`\\tfrac12\\sum_y \\mathbb E\\,\\mathrm{dist}^2` in closed form, where the set allows one."""
        return None

    def condition(self, label) -> sp.Basic:
        """The storing condition on the fields :math:`h_1..h_m` as a sympy relation."""
        raise NotImplementedError

    def fields(self):
        return sp.symbols(f"h_1:{self.dimension + 1}", real=True)


class PieceUnion(FieldSet):
    """A storing set given, per label, as a union of :class:`Piece` objects."""

    nonconvex_shape = "union of convex pieces"

    def pieces(self, label: int) -> list[Piece]:
        raise NotImplementedError

    def squared_distance(self, z, label):
        best = np.full(len(z), np.inf)
        for piece in self.pieces(label):
            best = np.minimum(best, piece.squared_distance(z))
        return best

    def convex(self):
        return all(len(self.pieces(label)) == 1 for label in (1, -1))

    def exact_expected_squared_distance(self):
        r"""A half-space per label, :math:`\{a\cdot x \ge b\}`: :math:`a\cdot z/|a|` is one standard field, so
        :math:`\mathbb E\,\mathrm{dist}^2 = \mathbb E(b/|a| - \xi)_+^2` (:func:`gardner_cost`)."""
        costs = []
        for label in (1, -1):
            pieces = self.pieces(label)
            if len(pieces) != 1 or np.any(np.isfinite(pieces[0].lower)) or np.any(np.isfinite(pieces[0].upper)) \
                    or not np.any(pieces[0].normal):
                return super().exact_expected_squared_distance()
            costs.append(gardner_cost(pieces[0].offset / float(np.linalg.norm(pieces[0].normal))))
        return float(np.mean(costs))


def _truth_table(rule: str, k: int) -> tuple[int, ...]:
    """Outputs (+1/-1) of a rule over the sign vectors indexed by ``i = sum_k 2^k [tau_k = +1]``."""
    signs = [tuple(1 if (i >> j) & 1 else -1 for j in range(k)) for i in range(2**k)]
    if rule == "committee":
        if k % 2 == 0:
            raise ParameterError("K", f"must be odd for the committee (majority) rule; got {k}")
        return tuple(1 if sum(t) > 0 else -1 for t in signs)
    if rule == "parity":
        return tuple(math.prod(t) for t in signs)
    if rule == "and":
        return tuple(1 if all(s > 0 for s in t) else -1 for t in signs)
    if rule == "or":
        return tuple(1 if any(s > 0 for s in t) else -1 for t in signs)
    if len(rule) != 2**k or set(rule) - {"0", "1"}:
        raise ParameterError("rule", f"must be one of {', '.join(NAMED_RULES)} or a truth table of 2^K = {2**k} "
                                     f"digits 0/1 (digit i: the output when unit k is +1 iff bit k of i is set); "
                                     f"got {rule!r}")
    return tuple(1 if c == "1" else -1 for c in rule)


class BooleanRule(PieceUnion):
    r"""A tree machine with output :math:`f(\mathrm{sign}\,h_1, .., \mathrm{sign}\,h_K)`: :math:`C_y` is the union of
    the orthants :math:`\{\tau_k h_k \ge \kappa\}` over the internal representations with :math:`f(\tau) = y`
    (margin :math:`\kappa` on every hidden field).

    Parameters
    ----------
    rule : str
        ``committee`` (majority, odd K), ``parity``, ``and``, ``or``, or a truth table of :math:`2^K` digits
        (digit :math:`i` is the output, 1 for +1, when unit :math:`k` is +1 iff bit :math:`k` of :math:`i` is set).
    k : int
        Number of branches, 1 to :data:`MAX_BRANCHES`.
    kappa : float
        Margin of the hidden fields, :math:`\ge 0`.
    """

    def __init__(self, rule: str, k: int, kappa: float = 0.0):
        self.k = self.dimension = check_int("K", k, 1, MAX_BRANCHES)
        self.rule = str(rule).strip().lower()
        self.kappa = check_real("kappa", kappa, 0.0, 10.0)
        self.outputs = _truth_table(self.rule, self.k)
        self.signs = np.array([[1 if (i >> j) & 1 else -1 for j in range(self.k)] for i in range(2**self.k)])
        for label in (1, -1):
            if label not in self.outputs:
                raise ParameterError("rule", f"never outputs {label:+d}: a random label cannot be stored")
        flipped = tuple(self.outputs[(2**self.k - 1) ^ i] for i in range(2**self.k))
        self.label_symmetric = self.negation_symmetric = flipped == tuple(-o for o in self.outputs)  # f(-t) = -f(t)

    def representations(self, label: int) -> np.ndarray:
        """The sign vectors :math:`\\tau` with :math:`f(\\tau) = ` ``label``, one per row."""
        return self.signs[np.array(self.outputs) == label]

    def pieces(self, label):
        inf, k = np.inf, self.kappa
        return [Piece(np.where(t > 0, k, -inf), np.where(t > 0, inf, -k), np.zeros(self.k), -1.0)  # 0 > -1: a box
                for t in self.representations(label)]

    def squared_distance(self, z, label):
        r""":math:`\min_{f(\tau) = y}\sum_k(\kappa - \tau_k z_k)_+^2`, one matrix product over the representations."""
        plus, minus = np.clip(self.kappa - z, 0, None) ** 2, np.clip(self.kappa + z, 0, None) ** 2
        chosen = (self.representations(label) > 0).astype(float)  # (representations, K)
        return np.min(plus @ chosen.T + minus @ (1 - chosen).T, axis=1)

    def exact_expected_squared_distance(self):
        if self.convex():  # one orthant per label: K independent half-lines
            return self.k * gardner_cost(self.kappa)
        return None

    def condition(self, label):
        h = self.fields()
        return sp.Or(*[sp.And(*[sp.Ge(int(t) * x, sp.Symbol("kappa")) for t, x in zip(tau, h)])
                       for tau in self.representations(label)])

    def distance_expression(self, label):
        """:math:`\\mathrm{dist}(z, C_y)^2` as a sympy ``Min`` over the storing representations."""
        z = sp.symbols(f"z_1:{self.k + 1}", real=True)
        kappa = sp.Symbol("kappa", nonnegative=True)
        return sp.Min(*[sp.Add(*[sp.Max(kappa - int(t) * x, 0) ** 2 for t, x in zip(tau, z)])
                        for tau in self.representations(label)])


def parse_activation(text) -> sp.Expr:
    """A sympy activation :math:`g(h)` from text (``relu(h)``, ``Max(h, 0)``, ``erf(h)``, ``h**2``, ``sign(h)``) or a
    sympy expression in :data:`H` (or any one symbol)."""
    if isinstance(text, sp.Basic):
        expr = text
    else:
        try:
            expr = sp.sympify(str(text), locals={"h": H, "relu": lambda x: sp.Max(x, 0), "sign": sp.sign,
                                                 "erf": sp.erf, "tanh": sp.tanh, "abs": sp.Abs})
        except (sp.SympifyError, SyntaxError, TypeError) as error:
            raise ParameterError("activation", f"must be a sympy expression in h; got {text!r} ({error})") from None
    free = expr.free_symbols
    if len(free) > 1 or not isinstance(expr, sp.Expr):
        raise ParameterError("activation", f"must be a function of the one symbol h; got {text!r}")
    if free and free != {H}:
        expr = expr.subs(next(iter(free)), H)
    return expr


def linear_segments(activation: sp.Expr):
    """``[(low, high, slope, intercept)]`` covering the real line if ``activation`` is piecewise linear, else
    ``None``."""
    folded = sp.piecewise_fold(activation.rewrite(sp.Piecewise))
    branches = folded.args if isinstance(folded, sp.Piecewise) else ((folded, sp.true),)
    segments, covered = [], sp.EmptySet
    for expr, condition in branches:
        region = (sp.S.Reals if condition is sp.true else condition.as_set()) - covered
        covered = covered | region
        poly = sp.Poly(expr, H) if expr.is_polynomial(H) else None
        if poly is None or poly.degree() > 1:
            return None
        slope, intercept = float(expr.diff(H)), float(expr.subs(H, 0))
        for interval in (region.args if isinstance(region, sp.Union) else (region,)):
            if interval is sp.EmptySet:
                continue
            if isinstance(interval, sp.FiniteSet):
                for point in interval:
                    segments.append((float(point), float(point), slope, intercept))
                continue
            segments.append((float(interval.inf), float(interval.sup), slope, intercept))
    return segments


def pure_quadratic(activation: sp.Expr):
    """``(a, b)`` if ``activation`` is :math:`a h^2 + b` (:math:`a \\ne 0`), else ``None``."""
    if not activation.is_polynomial(H):
        return None
    poly = sp.Poly(activation, H)
    if poly.degree() != 2 or poly.coeff_monomial(H) != 0:
        return None
    return float(poly.coeff_monomial(H**2)), float(poly.coeff_monomial(1))


def readout_vector(readout: str, k: int) -> np.ndarray:
    r"""The readout :math:`c_k`: ``ones`` or ``alternating`` (:math:`+1, -1, +1, \ldots`)."""
    if readout == "ones":
        return np.ones(k)
    if readout == "alternating":
        return np.array([1.0 if i % 2 == 0 else -1.0 for i in range(k)])
    raise ParameterError("readout", f"must be one of ones, alternating; got {readout!r}")


class _ActivationSum:
    r"""What the treelike networks share: the output :math:`yK^{-1/2}\sum_k c_kg(h_k)` of an activation ``g``
    (:attr:`activation`) over :attr:`k` branches with readout :attr:`readout` (named :attr:`readout_name`)."""

    def condition(self, label):
        h = self.fields()
        total = sp.Add(*[int(c) * self.activation.subs(H, x) for c, x in zip(self.readout, h)])
        return sp.Ge(label * total / sp.sqrt(self.k), sp.Symbol("kappa"))

    def _unreachable(self, label) -> ParameterError:
        """The error for a readout with which no field vector gives ``label``."""
        return ParameterError("readout", f"with g = {self.activation} and readout {self.readout_name!r} no field "
                                         f"vector gives label {label:+d} (use a centred readout)")


class TreelikeNetwork(_ActivationSum, PieceUnion):
    r"""A treelike network: stored iff :math:`yK^{-1/2}\sum_k c_k\,g(h_k) \ge \kappa` (Zavatone-Veth & Pehlevan
    2021).

    Piecewise-linear :math:`g` (ReLU, hard tanh, sign, absolute value, ...) give one :class:`Piece` per choice of a
    linear segment in every branch (:math:`J^K` pieces for :math:`J` segments). A pure quadratic :math:`g` is a
    :class:`QuadricSet`. Other activations have only the infinite-width law (:func:`infinite_width_capacity`).

    Parameters
    ----------
    activation : str or sympy expression
        :math:`g(h)`.
    k : int
        Branches.
    readout : {"ones", "alternating"}
        :math:`c_k = 1`, or :math:`c_k = (-1)^{k-1}` (the centred readout a non-negative activation needs).
    kappa : float
        Margin of the output :math:`K^{-1/2}\sum_k c_k g(h_k)`.
    """

    def __init__(self, activation, k: int, readout: str = "ones", kappa: float = 0.0):
        self.activation = parse_activation(activation)
        self.k = self.dimension = check_int("K", k, 1, MAX_BRANCHES)
        self.readout_name = readout
        self.readout = readout_vector(readout, self.k)
        self.kappa = check_real("kappa", kappa, 0.0, 10.0)
        self.segments = linear_segments(self.activation)
        if self.segments is None:
            raise ParameterError("activation", f"{self.activation} is neither piecewise linear nor a h^2 + b: its "
                                               "storing set is not a union of polyhedra (only the infinite-width law "
                                               "is available, infinite_width_capacity)")
        if len(self.segments) ** self.k > 1 << 16:
            raise ParameterError("K", f"{len(self.segments)}^K pieces are too many to list (at most 65536); got "
                                      f"K = {self.k}")
        values = lambda x: float(self.activation.subs(H, x))  # noqa: E731
        odd = all(abs(values(x) + values(-x)) < 1e-12 for x in (0.3, 1.1, 2.7, 5.0))
        self.negation_symmetric = odd
        self.label_symmetric = odd or (readout == "alternating" and self.k % 2 == 0)
        for label in (1, -1):
            if not self.pieces(label) or np.all(np.isinf(self.squared_distance(np.zeros((1, self.k)), label))):
                raise self._unreachable(label)

    def pieces(self, label):
        scale = label / math.sqrt(self.k)
        pieces = []
        for choice in itertools.product(self.segments, repeat=self.k):
            lower = np.array([s[0] for s in choice])
            upper = np.array([s[1] for s in choice])
            normal = scale * self.readout * np.array([s[2] for s in choice])
            offset = self.kappa - scale * float(np.dot(self.readout, [s[3] for s in choice]))
            if not np.any(normal) and offset >= 0:
                continue  # a flat piece whose output does not exceed the margin: stores nothing
            pieces.append(Piece(lower, upper, normal, offset))
        return pieces


class MonotoneTreelike(_ActivationSum, FieldSet):
    r"""A treelike network with a smooth, strictly monotone activation (erf, tanh, a sigmoid, softplus) and any
    number of branches: :math:`C_y = \{x : \sum_k s_kg(x_k) \ge \kappa\}`, :math:`s_k = yc_k/\sqrt K`.

    The set is not a union of polyhedra, and its Lagrangian relaxation has a duality gap (the global minimisers of
    the Lagrangian jump across the boundary), so the projection is found on the boundary itself:

    - :math:`K = 1`: a half-line, :math:`x \ge g^{-1}(\kappa/s_1)` (or :math:`\le`), in closed form.
    - :math:`K = 2`: for every :math:`x_1` on a grid the boundary's
      :math:`x_2 = g^{-1}((\kappa - s_1g(x_1))/s_2)` (a monotone table of :math:`g` on :math:`[-L, L]` inverted by
      interpolation); the squared distance is minimised over the grid and refined by golden-section search in the
      best cell.
    - :math:`K \ge 3`: a bracket. The dual function
      :math:`d(\lambda) = \sum_k\min_x[(x - z_k)^2 - 2\lambda s_kg(x)] + 2\lambda\kappa` is a lower bound on the
      squared distance for every :math:`\lambda \ge 0` (weak duality, provided each one-dimensional minimum is
      the global one: it is taken from the two lowest local minima of a grid of :math:`[-L, L]`, refined). The smallest :math:`\lambda` whose Lagrangian minimisers reach the
      boundary gives a feasible point; so does each point with one branch re-solved from the constraint. Where the
      two bounds differ, the feasible point is improved by exact moves of pairs of branches along their boundary
      (the :math:`K = 2` projection with the other branches held), sweep after sweep, until no pair improves; the
      sweeps also run from a second start, the Lagrangian's minimisers on the branches nearest :math:`z` (those
      that have not jumped), and the nearer end point is kept. The
      reported distance is that of the feasible point (an upper bound); :meth:`squared_distance_bounds` also gives
      the lower bound, and :func:`expected_squared_distance` reports the mean gap. A one-dimensional minimiser at
      the grid's edge (an activation still growing at :math:`\pm L`) makes that sample's lower bound 0.

    A field vector inside :math:`C_y` is at distance 0.
    """

    nonconvex_shape = "not convex (a level set of a smooth activation)"
    #: Half-width of the tables and grids (beyond it a smooth activation is saturated to double precision).
    EXTENT = 12.0
    GRID = 2401
    TABLE = 200_001
    #: Grid of the one-dimensional Lagrangian minimisations (K >= 3), and the pair sweeps' limit.
    LAGRANGIAN_GRID = 241
    SWEEPS = 4
    #: A sample whose bounds differ by more than this (relative) is improved by the pair sweeps.
    GAP_TOLERANCE = 1e-7

    def __init__(self, activation, k: int = 2, readout: str = "ones", kappa: float = 0.0):
        self.activation = parse_activation(activation)
        self.k = self.dimension = check_int("K", k, 1, MAX_BRANCHES)
        self.readout_name = readout
        self.readout = readout_vector(readout, self.k)
        self.kappa = check_real("kappa", kappa, 0.0, 10.0)
        g = sp.lambdify(H, self.activation, modules=["numpy", "scipy"])
        self._table_x = np.linspace(-self.EXTENT, self.EXTENT, self.TABLE)
        self._table_g = np.asarray(g(self._table_x), dtype=float) * np.ones(self.TABLE)
        steps = np.diff(self._table_g)
        if not (np.all(steps >= 0) or np.all(steps <= 0)) or self._table_g[0] == self._table_g[-1]:
            raise ParameterError("activation", f"{self.activation} is not monotone on [-{self.EXTENT:g}, "
                                               f"{self.EXTENT:g}]: the boundary is followed only for a monotone "
                                               "activation")
        self._g = g
        self._slope = sp.lambdify(H, sp.diff(self.activation, H), modules=["numpy", "scipy"])
        self._curvature = sp.lambdify(H, sp.diff(self.activation, H, 2), modules=["numpy", "scipy"])
        self._lagrangian_grid = np.linspace(-self.EXTENT, self.EXTENT, self.LAGRANGIAN_GRID)
        self._lagrangian_grid_g = np.asarray(g(self._lagrangian_grid), dtype=float) * np.ones(self.LAGRANGIAN_GRID)
        for label in (1, -1):  # the largest output the activation reaches: the margin must lie below it
            reach = float(np.sum(np.maximum(self._weights(label) * self._table_g[0],
                                            self._weights(label) * self._table_g[-1])))
            if reach <= 0:
                raise self._unreachable(label)
            if reach <= self.kappa:
                raise ParameterError("kappa", f"must lie below {reach:.12g}, the largest output y (c . g(h))/sqrt K "
                                              f"that g = {self.activation} reaches for label {label:+d} with "
                                              f"|h| <= {self.EXTENT:g}; got {self.kappa:.12g}")
        odd = np.allclose(self._table_g, -self._table_g[::-1], atol=1e-12)  # g(-h) = -g(h): C_- = -C_+
        self.label_symmetric = self.negation_symmetric = odd
        self.exact_projection = self.k <= 2

    def _weights(self, label):
        return label * self.readout / math.sqrt(self.k)

    def convex(self):
        return self.k == 1

    def exact_expected_squared_distance(self):
        r""":math:`K = 1`: the half-line :math:`\{s_1g(x) \ge \kappa\}` is :math:`x \ge b` or :math:`x \le b`, with
        :math:`b = g^{-1}(\kappa/s_1)`, so :math:`\mathbb E\,\mathrm{dist}^2 = \mathbb E(\pm b \mp \xi)_+^2`
        (:func:`gardner_cost`)."""
        if self.k != 1:
            return None
        costs = []
        for label in (1, -1):
            threshold, upward = self._half_line(label)
            costs.append(gardner_cost(threshold if upward else -threshold))
        return float(np.mean(costs))

    def _half_line(self, label) -> tuple[float, bool]:
        r""":math:`K = 1`: the threshold :math:`b = g^{-1}(\kappa/s_1)` of the half-line :math:`C_{label}`, found by
        Brent's method on :math:`g` inside the table cell that brackets it (exact to rounding, where interpolating
        the table alone errs by up to 1e-8 near saturation), and whether the half-line is :math:`x \ge b`."""
        weight = float(self._weights(label)[0])
        target = self.kappa / weight
        rough = float(self._inverse(np.array([target]))[0])
        step = self._table_x[1] - self._table_x[0]
        low, high = max(rough - step, -self.EXTENT), min(rough + step, self.EXTENT)
        residual = lambda x: float(self._g(x)) - target  # noqa: E731
        if residual(low) * residual(high) < 0:
            rough = optimize.brentq(residual, low, high, xtol=1e-15, rtol=4 * np.finfo(float).eps)
        return rough, weight * (self._table_g[-1] - self._table_g[0]) > 0

    def _inverse(self, values):
        """:math:`g^{-1}` by interpolation in the monotone table; ``nan`` outside its range."""
        table_g, table_x = (self._table_g, self._table_x) if self._table_g[0] < self._table_g[-1] else \
            (self._table_g[::-1], self._table_x[::-1])
        inside = (values >= table_g[0]) & (values <= table_g[-1])
        return np.where(inside, np.interp(values, table_g, table_x), np.nan)

    def _pair_boundary(self, z, x1, weights, target):
        """The boundary point of the pair above ``x1`` and its squared distance from ``z`` (``inf`` where there is
        none); ``target`` (one per sample) is what the pair's output must reach."""
        x2 = self._inverse((target[:, None] - weights[0] * self._g(x1)) / weights[1])
        distance = (x1 - z[:, :1]) ** 2 + (x2 - z[:, 1:]) ** 2
        return np.where(np.isnan(distance), np.inf, distance), x2

    def _pair_projection(self, z, weights, target):
        """Projection of the pairs ``z`` (shape (samples, 2)) onto :math:`\\{w_1g(x_1) + w_2g(x_2) \\ge t\\}`:
        ``(squared distance, x)``, ``inf`` where the pair cannot reach its target."""
        distance, points = np.empty(len(z)), np.empty_like(z)
        grid = np.linspace(-self.EXTENT, self.EXTENT, self.GRID)
        step = grid[1] - grid[0]
        ratio = (math.sqrt(5) - 1) / 2
        for start in range(0, len(z), 500):
            part, goal = z[start:start + 500], target[start:start + 500]
            inside = weights @ np.array([self._g(part[:, 0]), self._g(part[:, 1])]) >= goal
            values, _ = self._pair_boundary(part, grid[None, :], weights, goal)
            best = grid[np.argmin(values, axis=1)]
            low, high = best - step, best + step
            for _ in range(60):  # golden section in the best cell
                a, b = high - ratio * (high - low), low + ratio * (high - low)
                fa = self._pair_boundary(part, a[:, None], weights, goal)[0][:, 0]
                fb = self._pair_boundary(part, b[:, None], weights, goal)[0][:, 0]
                low, high = np.where(fa <= fb, low, a), np.where(fa <= fb, b, high)
            x1 = (low + high) / 2
            refined, x2 = self._pair_boundary(part, x1[:, None], weights, goal)
            refined, x2 = refined[:, 0], x2[:, 0]
            coarse = values.min(axis=1)
            use_grid = coarse < refined
            x1, x2 = np.where(use_grid, best, x1), np.where(use_grid, self._pair_boundary(
                part, best[:, None], weights, goal)[1][:, 0], x2)
            distance[start:start + 500] = np.where(inside, 0.0, np.minimum(refined, coarse))
            points[start:start + 500] = np.where(inside[:, None], part, np.stack([x1, x2], axis=1))
        return distance, points

    def _lagrangian_minimisers(self, z, weights, lam, nearest=False):
        r"""Per branch, the global minimiser of :math:`q(x) = (x - z_k)^2 - 2\lambda s_kg(x)` on :math:`[-L, L]`:
        the two lowest local minima of a grid are each refined by Newton steps kept inside their grid cell, and the
        lower is taken (a sigmoid's :math:`q` has at most two local minima: :math:`x - z_k = \lambda s_kg'(x)` meets
        a bell-shaped :math:`g'` at most three times). With ``nearest``, the one nearer :math:`z_k` instead (the
        branch that has not jumped). Also returns whether the minimiser sits at the grid's edge."""
        grid = self._lagrangian_grid
        # single precision locates the basins (the minimum is then refined in double precision)
        values = np.square(grid.astype(np.float32) - z[:, :, None].astype(np.float32))
        values -= (2 * lam[:, None, None] * weights[:, None]).astype(np.float32) \
            * self._lagrangian_grid_g.astype(np.float32)
        local = np.ones(values.shape, dtype=bool)
        local[..., 1:] &= values[..., 1:] <= values[..., :-1]
        local[..., :-1] &= values[..., :-1] <= values[..., 1:]
        ranked = np.where(local, values, np.inf)
        first = np.argmin(ranked, axis=2)[..., None]
        np.put_along_axis(ranked, first, np.inf, axis=2)
        second = np.argmin(ranked, axis=2)[..., None]
        second = np.where(np.isfinite(np.take_along_axis(ranked, second, axis=2)), second, first)  # one minimum
        lowest = np.concatenate([first, second], axis=2)
        step = grid[1] - grid[0]
        coefficient = lam[:, None] * weights
        best_x, best_value = None, None
        for which in (0, 1):
            start = grid[lowest[..., which]]
            x = start
            for _ in range(6):
                slope = 2 * (x - z) - 2 * coefficient * self._slope(x)
                curvature = 2 - 2 * coefficient * self._curvature(x)
                newton = np.where(curvature > 0, x - slope / np.where(curvature > 0, curvature, 1.0), x)
                x = np.clip(newton, start - step, start + step)
            value = (x - z) ** 2 - 2 * coefficient * self._g(x)
            grid_value = (start - z) ** 2 - 2 * coefficient * self._lagrangian_grid_g[lowest[..., which]]
            x, value = np.where(value <= grid_value, x, start), np.minimum(value, grid_value)
            if best_x is None:
                best_x, best_value = x, value
            else:
                better = np.abs(x - z) < np.abs(best_x - z) if nearest else value < best_value
                best_x, best_value = np.where(better, x, best_x), np.where(better, value, best_value)
        edge = (np.abs(best_x) >= self.EXTENT - step)
        return best_x, edge

    def squared_distance(self, z, label):
        return self.squared_distance_bounds(z, label)[1]

    def squared_distance_bounds(self, z: np.ndarray, label: int) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)`` bounds on the squared distance of each row of ``z`` to :math:`C_{label}` (equal for
        :math:`K \\le 2`, where the projection is exact up to its grid)."""
        weights = self._weights(label)
        if self.k == 1:
            threshold, upward = self._half_line(label)
            distance = np.clip(threshold - z[:, 0] if upward else z[:, 0] - threshold, 0.0, None) ** 2
            return distance, distance
        if self.k == 2:
            distance = self._pair_projection(z, weights, np.full(len(z), self.kappa))[0]
            return distance, distance
        lower, upper = np.empty(len(z)), np.empty(len(z))
        for start in range(0, len(z), 2000):
            lower[start:start + 2000], upper[start:start + 2000] = self._bracket(z[start:start + 2000], weights)
        return lower, upper

    def _multiplier_crossing(self, z, weights, nearest=False):
        """The multipliers ``(low, high)`` between which the Lagrangian's minimisers (:meth:`_lagrangian_minimisers`)
        first reach the boundary: doubling, then bisection (their output is non-decreasing in the multiplier)."""
        output = lambda x: self._g(x) @ weights  # noqa: E731
        low, high = np.zeros(len(z)), np.ones(len(z))
        for _ in range(64):
            reached = output(self._lagrangian_minimisers(z, weights, high, nearest)[0]) >= self.kappa
            if reached.all():
                break
            high = np.where(reached, high, 2 * high)
        for _ in range(32):
            middle = (low + high) / 2
            reached = output(self._lagrangian_minimisers(z, weights, middle, nearest)[0]) >= self.kappa
            low, high = np.where(reached, low, middle), np.where(reached, middle, high)
        return low, high

    def _best_candidate(self, z, weights, points):
        """The nearest feasible point among the Lagrangian's minimisers ``points`` and their variants with one
        branch re-solved from the constraint (the others held): ``(point, squared distance)``."""
        t = self.kappa
        candidates = []
        for x in points:
            contributions = self._g(x) * weights
            candidates.append(np.where((contributions.sum(axis=1) >= t)[:, None], x, np.nan))
            for k in range(self.k):
                moved = x.copy()
                moved[:, k] = self._inverse((t - contributions.sum(axis=1) + contributions[:, k]) / weights[k])
                candidates.append(moved)
        costs = np.array([np.sum((x - z) ** 2, axis=1) for x in candidates])
        costs = np.where(np.isnan(costs), np.inf, costs)
        best = np.argmin(costs, axis=0)
        return np.array(candidates)[best, np.arange(len(z))], costs[best, np.arange(len(z))]

    def _bracket(self, z, weights):
        """The Lagrangian lower bound and the best feasible point's squared distance (:class:`MonotoneTreelike`)."""
        t = self.kappa
        inside = self._g(z) @ weights >= t
        lower = np.zeros(len(z))
        minimisers = []
        for lam in self._multiplier_crossing(z, weights):
            x, edge = self._lagrangian_minimisers(z, weights, lam)
            dual = np.sum((x - z) ** 2 - 2 * lam[:, None] * weights * self._g(x), axis=1) + 2 * lam * t
            lower = np.maximum(lower, np.where(edge.any(axis=1), 0.0, dual))
            minimisers.append(x)
        point, upper = self._best_candidate(z, weights, minimisers)
        open_ = np.flatnonzero(~inside & (upper - lower > self.GAP_TOLERANCE * (1 + upper)))
        if len(open_):  # a second start: the branches that have not jumped, then pair sweeps from both starts
            part = z[open_]
            near = [self._lagrangian_minimisers(part, weights, lam, nearest=True)[0]
                    for lam in self._multiplier_crossing(part, weights, nearest=True)]
            near_point, near_cost = self._best_candidate(part, weights, near)
            upper[open_] = np.minimum(self._pair_sweeps(part, point[open_], weights, upper[open_]),
                                      self._pair_sweeps(part, near_point, weights, near_cost))
        return np.where(inside, 0.0, np.minimum(lower, upper)), np.where(inside, 0.0, upper)

    def _pair_sweeps(self, z, point, weights, cost):
        """Improve feasible points by exact moves of pairs of branches along their boundary, the others held."""
        pairs = list(itertools.combinations(range(self.k), 2))
        for _ in range(self.SWEEPS):
            before = cost.copy()
            for j, k in pairs:
                others = [i for i in range(self.k) if i not in (j, k)]
                held = self._g(point[:, others]) @ weights[others]
                pair_cost, pair_point = self._pair_projection(z[:, [j, k]], weights[[j, k]], self.kappa - held)
                total = np.sum((point[:, others] - z[:, others]) ** 2, axis=1) + pair_cost
                better = total < cost
                point[better, j], point[better, k] = pair_point[better, 0], pair_point[better, 1]
                cost = np.where(better, total, cost)
            if np.all(before - cost <= 1e-12 * (1 + cost)):
                break
        return cost


class QuadricSet(_ActivationSum, FieldSet):
    r"""A treelike network with :math:`g(h) = ah^2 + b`: :math:`C_y = \{x : \sum_k s_k x_k^2 \ge \kappa'\}`,
    :math:`s_k = y c_k a/\sqrt K`, :math:`\kappa' = \kappa - yb\sum_k c_k/\sqrt K`.

    The projection has :math:`x_k = z_k/(1 - \mu s_k)`, with :math:`\mu \in [0, 1/\max_k s_k)` the root of the
    increasing secular function :math:`\sum_k s_k z_k^2/(1-\mu s_k)^2 = \kappa'` (bisection); one quadratic
    constraint has no duality gap (the S-lemma), so this is the exact distance.
    """

    nonconvex_shape = "not convex (outside a quadric)"

    def __init__(self, activation, k: int, readout: str = "ones", kappa: float = 0.0):
        self.activation = parse_activation(activation)
        coefficients = pure_quadratic(self.activation)
        if coefficients is None:
            raise ParameterError("activation", f"must be a h^2 + b; got {self.activation}")
        self.a, self.b = coefficients
        self.k = self.dimension = check_int("K", k, 1, MAX_BRANCHES)
        self.readout_name = readout
        self.readout = readout_vector(readout, self.k)
        self.kappa = check_real("kappa", kappa, 0.0, 10.0)
        self.label_symmetric = readout == "alternating" and self.k % 2 == 0
        for label in (1, -1):
            if not np.any(self._curvatures(label) > 0):
                raise self._unreachable(label)

    def _curvatures(self, label):
        return label * self.readout * self.a / math.sqrt(self.k)

    def convex(self):
        return False  # the region outside a quadric

    def squared_distance(self, z, label):
        s = self._curvatures(label)
        target = self.kappa - label * self.b * float(self.readout.sum()) / math.sqrt(self.k)
        def constraint(mu):
            return np.sum(s * z**2 / (1 - mu[:, None] * s) ** 2, axis=1)
        inside = constraint(np.zeros(len(z))) >= target
        pole = 1.0 / s.max()
        low, high = np.zeros(len(z)), np.full(len(z), pole)
        for _ in range(_BISECTION_STEPS):
            middle = (low + high) / 2
            below = constraint(middle) < target
            low, high = np.where(below, middle, low), np.where(below, high, middle)
        x = z / (1 - high[:, None] * s)
        return np.where(inside, 0.0, np.sum((x - z) ** 2, axis=1))


class Polyhedron(FieldSet):
    r"""A convex storing set :math:`\{x : Gx \ge g\}` (the same for both labels), projected by the least-distance
    program: :math:`\mathrm{dist}(z, C) = \min |w|` s.t. :math:`Gw \ge g - Gz`."""

    label_symmetric = True

    def __init__(self, matrix, offset):
        self.matrix = np.atleast_2d(np.asarray(matrix, dtype=float))
        self.offset = np.asarray(offset, dtype=float).ravel()
        if self.matrix.shape[0] != self.offset.size:
            raise ParameterError("offset", f"needs one entry per row of the matrix ({self.matrix.shape[0]}); got "
                                           f"{self.offset.size}")
        self.dimension = self.matrix.shape[1]

    def convex(self):
        return True

    def exact_expected_squared_distance(self):
        r"""One row :math:`a\cdot x \ge b`: :math:`\mathbb E(b/|a| - \xi)_+^2` (:func:`gardner_cost`)."""
        if self.matrix.shape[0] == 1 and np.any(self.matrix):
            return gardner_cost(float(self.offset[0]) / float(np.linalg.norm(self.matrix[0])))
        return None

    def squared_distance(self, z, label):
        out = np.empty(len(z))
        for i, row in enumerate(z):
            shift = least_distance(self.matrix, self.offset - self.matrix @ row)
            if shift is None:
                raise ParameterError("matrix", "the declared polyhedron is empty (a Farkas certificate was found)")
            out[i] = shift @ shift
        return out

    def condition(self, label):
        h = sp.Matrix(self.fields())
        rows = sp.Matrix(self.matrix) * h
        return sp.And(*[sp.Ge(rows[i], float(g)) for i, g in enumerate(self.offset)])


class PolyhedronUnion(FieldSet):
    r"""A union of declared polyhedra (the same for both labels): the squared distance is the smallest of the
    members' (:class:`Polyhedron`, each by the least-distance program). Convex only with one member; otherwise the
    RS value is an estimate."""

    label_symmetric = True
    nonconvex_shape = "union of convex pieces"

    def __init__(self, members):
        self.members = tuple(members)
        if not self.members or not all(isinstance(m, Polyhedron) for m in self.members):
            raise ParameterError("members", "must be one or more Polyhedron declarations")
        dimensions = {m.dimension for m in self.members}
        if len(dimensions) != 1:
            raise ParameterError("members", f"must share one field dimension; got {sorted(dimensions)}")
        self.dimension = dimensions.pop()

    def convex(self):
        return len(self.members) == 1

    def squared_distance(self, z, label):
        return np.min([m.squared_distance(z, label) for m in self.members], axis=0)

    def condition(self, label):
        return sp.Or(*[m.condition(label) for m in self.members])


def competitor_projection(gaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Projection onto :math:`\{x : x_0 - x_\nu \ge \kappa\ \forall\nu\}` (:class:`CompetitorSet`) from the
    decreasingly sorted gaps :math:`c_\nu = \kappa - z_0 + z_\nu` (one row per sample): the shift
    :math:`\xi^*` of the correct field and the squared distance :math:`\xi^{*2} + \sum_\nu(c_\nu - \xi^*)_+^2`.

    For a shift :math:`\xi` the best competitors are :math:`x_\nu = \min(z_\nu, z_0 + \xi - \kappa)`; the
    minimiser solves :math:`\xi = \sum_\nu(c_\nu - \xi)_+`, so with :math:`S_k` the sum of the :math:`k` largest
    gaps, :math:`\xi^* = \max(0, \max_k S_k/(k+1))` (each :math:`S_k/(k+1)` is a lower bound, attained at the
    active set).
    """
    ranks = np.arange(1, gaps.shape[1] + 1)
    shift = np.maximum(0.0, np.max(np.cumsum(gaps, axis=1) / (ranks + 1), axis=1, initial=0.0))
    excess = np.clip(gaps - shift[:, None], 0.0, None)
    return shift, shift**2 + np.sum(excess**2, axis=1)


class CompetitorSet(FieldSet):
    r"""The associative memory's storing set (Giorlandino, Goldt & Maillard 2026, decoupled model): the correct
    field :math:`h_1` beats each of the :math:`p - 1` competitors by :math:`\kappa`,
    :math:`C = \{h : h_1 - h_\nu \ge \kappa\}` — a polyhedron (:class:`Polyhedron` gives the same distances by the
    least-distance program), projected in closed form by :func:`competitor_projection`. For large :math:`p` the
    memory module samples only the largest competitors (exact order statistics, :mod:`replica.lam`).

    With ``top`` :math:`= k > 1` (top-:math:`k` recall: the correct target need only rank among the :math:`k`
    best), :math:`C` is the union over the sets :math:`S` of :math:`k - 1` exempt competitors of
    :math:`\{h_1 - h_\nu \ge \kappa,\ \nu \notin S\}`. The projection cost grows with every gap, so the cheapest
    piece exempts the :math:`k - 1` largest competitors: the distance is :func:`competitor_projection` of the
    remaining gaps. A union: RS is only an estimate.
    """

    label_symmetric = True
    nonconvex_shape = "union of convex pieces"

    def __init__(self, p: int, kappa: float = 0.0, top: int = 1):
        self.p = self.dimension = check_int("p", p, 1)
        self.kappa = check_real("kappa", kappa, -10.0, 10.0)
        self.top = check_int("top", top, 1, self.p)

    def convex(self):
        return self.top == 1

    def squared_distance(self, z, label):
        gaps = -np.sort(-(self.kappa - z[:, :1] + z[:, 1:]), axis=1)
        return competitor_projection(gaps[:, self.top - 1:])[1]

    def condition(self, label):
        h = self.fields()
        beats = [sp.Ge(h[0] - x, sp.Symbol("kappa")) for x in h[1:]]
        if self.top == 1:
            return sp.And(*beats)
        return sp.Or(*[sp.And(*[b for i, b in enumerate(beats) if i not in exempt])
                       for exempt in itertools.combinations(range(self.p - 1), self.top - 1)])

    def polyhedron(self) -> "Polyhedron":
        r"""The same set as a :class:`Polyhedron` :math:`\{Gx \ge \kappa\}` (``top`` = 1 only)."""
        if self.top != 1:
            raise ParameterError("top", f"a top-{self.top} set is a union of polyhedra, not one")
        return Polyhedron(np.hstack([np.ones((self.p - 1, 1)), -np.eye(self.p - 1)]), np.full(self.p - 1, self.kappa))


@dataclass(frozen=True)
class DistanceEstimate:
    r""":math:`\tfrac12\sum_y\mathbb E\,\mathrm{dist}(z, C_y)^2`: ``mean`` and ``standard_error`` (0 when ``exact``),
    and the RS capacity :math:`1/\mathrm{mean}` with its delta-method standard error.

    Where the projections are only bracketed (:attr:`FieldSet.exact_projection` false), ``mean`` averages the
    feasible points' squared distances (upper bounds) and ``lower_bound`` the Lagrangian lower bounds, on the same
    samples; otherwise ``lower_bound`` is ``None``."""

    mean: float
    standard_error: float
    samples: int
    exact: bool
    lower_bound: float | None = None

    @property
    def capacity(self) -> float:
        return 1.0 / self.mean

    @property
    def capacity_error(self) -> float:
        return self.standard_error / self.mean**2


def expected_squared_distance(field_set: FieldSet, *, samples: int = 200_000, seed: int = 0,
                              batch: int | None = None) -> DistanceEstimate:
    r"""The mean squared distance of the fields to the storing set, averaged over the two labels: in closed form
    where the set allows (:meth:`FieldSet.exact_expected_squared_distance`), otherwise by Monte Carlo over
    ``samples`` Gaussian field vectors (the same vectors for both labels), with its standard error. A progress bar
    is shown if the sampling takes more than a few seconds (:mod:`replica.progress`)."""
    exact = field_set.exact_expected_squared_distance()
    if exact is not None:
        return DistanceEstimate(exact, 0.0, 0, True)
    samples = check_int("samples", samples, 100, 10**8)
    rng = np.random.default_rng(seed)
    batch = batch or max(1000, min(samples, 1 << 22 >> max(0, field_set.dimension)))
    total, total_sq, total_lower, done = 0.0, 0.0, 0.0, 0
    labels = (1,) if field_set.label_symmetric else (1, -1)
    with progress_bar(samples, "E dist(z, C)^2 by Monte Carlo", "samples") as bar:
        while done < samples:
            size = min(batch, samples - done)
            z = rng.standard_normal((size, field_set.dimension))
            lower, cost = np.mean([field_set.squared_distance_bounds(z, label) for label in labels], axis=0)
            if not np.all(np.isfinite(cost)):
                raise ParameterError("kappa", "some field vectors have no storing set to reach (an empty C_y): the "
                                              "margin is beyond what the declaration can output")
            total, total_sq, done = total + cost.sum(), total_sq + (cost**2).sum(), done + size
            total_lower += lower.sum()
            bar.update(size)
    mean = total / samples
    variance = max(total_sq / samples - mean**2, 0.0) * samples / (samples - 1)
    return DistanceEstimate(float(mean), float(math.sqrt(variance / samples)), samples, False,
                            None if field_set.exact_projection else float(total_lower / samples))


def infinite_width_capacity(activation, kappa: float = 0.0) -> dict:
    r"""The :math:`K \to \infty` RS capacity of a treelike network (module docstring):
    :math:`1/\alpha_\infty = \mathbb E(\kappa - \sigma_g\xi)_+^2/\mathbb E\,g'(z)^2`, with
    :math:`\sigma_g^2 = \mathrm{Var}\,g(z)`; infinite when :math:`g` jumps (:math:`\mathbb E g'^2 = \infty`).

    Returns ``{"alpha_infinite_width", "mean_squared_slope", "activation_variance"}``.
    """
    g = parse_activation(activation)
    kappa = check_real("kappa", kappa, 0.0, 10.0)
    slope = sp.diff(g, H)
    if slope.has(sp.DiracDelta) or _jumps(g):
        return {"alpha_infinite_width": math.inf, "mean_squared_slope": math.inf,
                "activation_variance": _gaussian_mean(g**2) - _gaussian_mean(g) ** 2}
    mean_slope_sq = _gaussian_mean(slope**2)
    variance = _gaussian_mean(g**2) - _gaussian_mean(g) ** 2
    if variance <= 0:
        raise ParameterError("activation", f"{g} is constant on the Gaussian measure (Var g = 0)")
    sigma = math.sqrt(variance)
    cost = variance * gardner_cost(kappa / sigma)
    return {"alpha_infinite_width": mean_slope_sq / cost, "mean_squared_slope": mean_slope_sq,
            "activation_variance": variance}


def _jumps(g: sp.Expr) -> bool:
    """Whether a piecewise-linear ``g`` is discontinuous where two of its segments meet."""
    segments = linear_segments(g)
    if segments is None:
        return False
    for first in segments:
        for second in segments:
            if first is not second and first[1] == second[0] and math.isfinite(first[1]):
                if abs((first[2] * first[1] + first[3]) - (second[2] * second[0] + second[3])) > 1e-12:
                    return True
    return False


def _gaussian_mean(expr: sp.Expr) -> float:
    r""":math:`\int Dz\,f(z)` by adaptive quadrature, split at 0 (where activations kink)."""
    f = sp.lambdify(H, expr, modules=["numpy", "scipy"])
    def integrand(x):
        return float(f(x)) * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    return float(sum(integrate.quad(integrand, a, b, limit=200, epsabs=1e-13, epsrel=1e-11)[0]
                     for a, b in ((-40, -1), (-1, 0), (0, 1), (1, 40))))
