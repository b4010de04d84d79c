r"""Certified storage by a treelike network whose branches keep spherical weights: branch and bound on the spheres.

A treelike network (Zavatone-Veth & Pehlevan, PRE 103, L020301 (2021)) with :math:`K` branches of :math:`n`
inputs, weights :math:`|w_k|^2 = n` on each branch and fields :math:`h_k = w_k\cdot x_k/\sqrt n = u_k\cdot x_k`
(:math:`u_k` a unit vector) stores the labelled patterns :math:`(x^\mu, y^\mu)` with margin :math:`\kappa` iff
some :math:`u_1, \dots, u_K` give

.. math:: F^\mu(u) = y^\mu K^{-1/2}\sum_k c_k\,g(u_k\cdot x_k^\mu) > \kappa \quad\text{for every }\mu .

For an activation that is not positively homogeneous (erf, tanh, hard tanh, a sigmoid, ...) the branch norms
cannot be scaled away and storage is a non-convex feasibility problem on a product of spheres. At small
:math:`n` it is decided exactly by branch and bound:

- each sphere is covered by the :math:`2n` faces of the cube :math:`[-1, 1]^n`, a point :math:`v` of a face giving
  :math:`u = v/|v|`; since :math:`|v| \ge 1` on a face, :math:`v \mapsto v/|v|` is the projection onto the unit
  ball, which is 1-Lipschitz, so on a box of the face of half-diagonal :math:`\rho` every field lies within
  :math:`|x_k^\mu|\,\rho` of its value at the box's centre (and within :math:`\pm|x_k^\mu|`);
- the range of :math:`g` over such an interval is exact (:class:`ActivationBounds`: the end points and, inside, the
  turning points and the one-sided limits at the breakpoints), so :math:`\sup_{\text{box}} F^\mu \le U^\mu`, the
  sum over branches of the largest :math:`y^\mu c_k g` on the branch's interval;
- a box with :math:`U^\mu \le \kappa + \tau` for some pattern holds no storing weights and is discarded; a box whose
  centre gives :math:`\min_\mu F^\mu > \kappa + \tau` is a witness (evaluated through the network itself); every
  other box is halved along the longest side of the branch whose intervals leave the outputs most open
  (:math:`\sum_\mu |c_k|\,(\max - \min)` of :math:`g` over them), unless that branch's box has become
  :data:`BALANCE` times narrower than another's (a discontinuous :math:`g` stays open at a jump at any size).

The search decides whether the best margin :math:`\max_u\min_\mu F^\mu` exceeds :math:`\kappa + \tau`, with
:math:`\tau` = :data:`MARGIN_RESOLUTION` times :math:`K^{-1/2}\sum_k|c_k|\sup|g|` (far above the rounding of the
bounds): *stored* (a witness), *empty* (every box discarded), or *doubtful* when the box budget
(:data:`MAX_BOXES`) or the resolution (:data:`SMALLEST_BOX`) runs out first, which happens only when the best
margin lies within rounding of the threshold. A continuous activation puts the best margin in
:math:`(\kappa, \kappa + \tau]` with probability of order :math:`\tau`; the sign's outputs are integers, decided
exactly.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from replica.errors import ParameterError
from replica.field_sets import H, linear_segments, parse_activation, pure_quadratic

__all__ = ["ActivationBounds", "sphere_charts", "search_spheres", "MARGIN_RESOLUTION", "MAX_BOXES", "SMALLEST_BOX"]

#: The margin resolution tau, relative to the largest output K^{-1/2} sum_k |c_k| sup|g| on the patterns' fields.
MARGIN_RESOLUTION = 1e-9
#: Boxes examined before the search gives up (verdict doubtful).
MAX_BOXES = 4_000_000
#: A box whose widest half-side falls below this is not halved again (verdict doubtful).
SMALLEST_BOX = 1e-9
#: A branch is halved for leaving the outputs most open only while its box is at least 1/BALANCE of the widest.
BALANCE = 16
#: Boxes examined at once.
BATCH = 200_000
#: Width of the table on which a smooth activation's monotonicity is checked, beyond the largest field.
_MONOTONE_TABLE = 20_001


class ActivationBounds:
    r"""An activation :math:`g` with its exact range over intervals, for the activations whose storing sets the
    theory covers (:func:`replica.tree_machine.storing_set`).

    - piecewise linear (ReLU, hard tanh, the sign, ...): monotone between breakpoints, so the range over
      :math:`[l, u]` is spanned by :math:`g(l)`, :math:`g(u)` and both one-sided limits at every breakpoint inside
      (a supremum that is only approached still bounds);
    - :math:`ah^2 + b`: by :math:`g(l)`, :math:`g(u)` and :math:`g(0)` when :math:`0 \in [l, u]`;
    - any other activation must be monotone (checked on a table of :data:`_MONOTONE_TABLE` points of
      :math:`[-L, L]`, :math:`L` the largest field the patterns allow): by :math:`g(l)` and :math:`g(u)`.

    Parameters
    ----------
    activation : str or sympy expression
        :math:`g(h)`.
    extent : float
        The largest :math:`|h|` the bounds will be asked about.

    Raises
    ------
    ParameterError
        Naming ``activation`` when it is none of the three kinds.
    """

    def __init__(self, activation, extent: float):
        self.activation = parse_activation(activation)
        self._g = sp.lambdify(H, self.activation, modules=["numpy", "scipy"])
        self.turning = []  # (point, left limit, right limit) where g may turn or jump
        segments = linear_segments(self.activation)
        quadratic = pure_quadratic(self.activation)
        if segments is not None:
            for left in segments:
                for right in segments:
                    if left is not right and left[1] == right[0] and math.isfinite(left[1]):
                        point = left[1]
                        self.turning.append((point, left[2] * point + left[3], right[2] * point + right[3]))
            self.kind = "piecewise linear"
        elif quadratic is not None:
            self.turning.append((0.0, quadratic[1], quadratic[1]))
            self.kind = "quadratic"
        else:
            table = self.values(np.linspace(-extent, extent, _MONOTONE_TABLE))
            steps = np.diff(table)
            if not np.all(np.isfinite(table)) or not (np.all(steps >= 0) or np.all(steps <= 0)):
                raise ParameterError("activation", f"the search on the spheres bounds g over intervals when g is "
                                                   f"piecewise linear, a h^2 + b or monotone; {self.activation} is "
                                                   f"none of these on [-{extent:.3g}, {extent:.3g}]")
            self.kind = "monotone"
        self.scale = float(np.max(np.abs(self.values(np.linspace(-extent, extent, 2001)))))
        for _, left, right in self.turning:
            self.scale = max(self.scale, abs(left), abs(right))

    def values(self, h):
        """:math:`g(h)`, elementwise."""
        h = np.asarray(h, dtype=float)
        return np.asarray(self._g(h), dtype=float) * np.ones_like(h)

    def bounds(self, low, high) -> tuple[np.ndarray, np.ndarray]:
        r"""``(min, max)`` of :math:`g` over :math:`[l, u]`, elementwise (infimum and supremum at a jump, whose
        one-sided limits count wherever the breakpoint lies in :math:`[l, u]`, end points included)."""
        at_low, at_high = self.values(low), self.values(high)
        smallest, largest = np.minimum(at_low, at_high), np.maximum(at_low, at_high)
        for point, left, right in self.turning:
            inside = (low <= point) & (point <= high)  # at an end point too: g may jump there
            smallest = np.where(inside, np.minimum(smallest, min(left, right)), smallest)
            largest = np.where(inside, np.maximum(largest, max(left, right)), largest)
        return smallest, largest


def sphere_charts(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The :math:`2n` faces of the cube :math:`[-1, 1]^n` that chart the unit sphere of :math:`\mathbb R^n`.

    Returns ``(axis, sign, free)``: face :math:`f` fixes coordinate ``axis[f]`` at ``sign[f]`` and lets the
    coordinates ``free[f]`` (:math:`n - 1` of them) range over :math:`[-1, 1]`.
    """
    axis = np.repeat(np.arange(n), 2)
    sign = np.tile([1.0, -1.0], n)
    free = np.array([[i for i in range(n) if i != a] for a in axis], dtype=int).reshape(2 * n, n - 1)
    return axis, sign, free


def _unit_vectors(faces, coordinates, charts) -> np.ndarray:
    """The unit vectors :math:`v/|v|` of chart points (``faces`` indices, ``coordinates`` on the faces)."""
    axis, sign, free = charts
    v = np.empty((len(faces), len(axis) // 2))
    rows = np.arange(len(faces))
    v[rows, axis[faces]] = sign[faces]
    if free.shape[1]:
        v[rows[:, None], free[faces]] = coordinates
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def search_spheres(branches, labels, activation: ActivationBounds, readout, kappa: float = 0.0,
                   max_boxes: int = MAX_BOXES) -> tuple[str, list | None, int]:
    r"""Decide whether some unit vectors :math:`u_k` (one per branch) store every pattern with margin above
    :math:`\kappa + \tau` (the module's branch and bound).

    Parameters
    ----------
    branches : sequence of ndarray, each (P, n)
        The inputs :math:`x_k^\mu` of each branch.
    labels : ndarray (P,)
        :math:`y^\mu = \pm1`.
    activation : ActivationBounds
    readout : ndarray (K,)
        :math:`c_k`.
    kappa : float
        Output margin.
    max_boxes : int
        Box budget.

    Returns
    -------
    (verdict, weights, boxes)
        ``("stored", [u_1, ..., u_K], boxes)`` with the witness's unit vectors, ``("empty", None, boxes)``, or
        ``("doubtful", None, boxes)``; ``boxes`` examined.
    """
    branches = [np.asarray(x, dtype=float) for x in branches]
    labels = np.asarray(labels, dtype=float)
    readout = np.asarray(readout, dtype=float)
    k, n = len(branches), branches[0].shape[1]
    weights = labels[:, None] * readout[None, :] / math.sqrt(k)  # (P, K): y c_k / sqrt K
    norms = [np.linalg.norm(x, axis=1) for x in branches]
    tau = MARGIN_RESOLUTION * float(np.sum(np.abs(readout))) * activation.scale / math.sqrt(k)
    charts = sphere_charts(n)
    free = n - 1
    grids = np.meshgrid(*[np.arange(2 * n)] * k, indexing="ij")
    faces = np.stack([g.ravel() for g in grids], axis=1)  # (B, K): one face per branch
    centres = np.zeros((len(faces), k * free))
    halves = np.ones((len(faces), k * free))
    examined = 0
    while len(faces):
        if examined + len(faces) > max_boxes or (free and halves.max(axis=1).min() < SMALLEST_BOX):
            return "doubtful", None, examined
        keep_faces, keep_centres, keep_halves, keep_branches = [], [], [], []
        for start in range(0, len(faces), BATCH):
            f, c, half = faces[start:start + BATCH], centres[start:start + BATCH], halves[start:start + BATCH]
            examined += len(f)
            upper = np.zeros((len(f), len(labels)))
            output = np.zeros((len(f), len(labels)))
            spread = np.zeros((len(f), k))  # how much each branch's box leaves the output open
            units = []
            for j in range(k):
                u = _unit_vectors(f[:, j], c[:, j * free:(j + 1) * free], charts)
                units.append(u)
                field = u @ branches[j].T  # (B, P)
                radius = np.linalg.norm(half[:, j * free:(j + 1) * free], axis=1)[:, None] * norms[j][None, :]
                low = np.maximum(field - radius, -norms[j][None, :])
                high = np.minimum(field + radius, norms[j][None, :])
                smallest, largest = activation.bounds(low, high)
                w = weights[:, j][None, :]
                upper += np.where(w > 0, w * largest, w * smallest)
                spread[:, j] = np.sum(np.abs(w) * (largest - smallest), axis=1)
                output += w * activation.values(field)
            witness = np.flatnonzero(output.min(axis=1) > kappa + tau)
            if len(witness):
                return "stored", [u[witness[0]] for u in units], examined
            alive = np.all(upper > kappa + tau, axis=1)
            keep_faces.append(f[alive])
            keep_centres.append(c[alive])
            keep_halves.append(half[alive])
            keep_branches.append(np.argmax(spread[alive], axis=1))
        faces, centres, halves, split = (np.concatenate(a) for a in (keep_faces, keep_centres, keep_halves,
                                                                     keep_branches))
        if len(faces) and not free:
            return "doubtful", None, examined  # points whose bounds are their values cannot be refined
        if len(faces):  # halve every surviving box: the branch leaving the output most open, its longest side
            rows = np.arange(len(faces))
            widest = halves.reshape(len(faces), k, free).max(axis=2)  # (B, K)
            lagging = widest[rows, split] * BALANCE < widest.max(axis=1)  # a discontinuous g stays open at any size
            split = np.where(lagging, np.argmax(widest, axis=1), split)
            within = halves.reshape(len(faces), k, free)[rows, split]
            side = split * free + np.argmax(within, axis=1)
            halves[rows, side] /= 2
            shift = np.zeros_like(centres)
            shift[rows, side] = halves[rows, side]
            faces = np.concatenate([faces, faces])
            centres = np.concatenate([centres - shift, centres + shift])
            halves = np.concatenate([halves, halves])
    return "empty", None, examined
