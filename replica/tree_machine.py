r"""Tree committee and tree parity machines: RS storage capacity, stability and large-:math:`K` behaviour.

:math:`K` hidden units each see their own :math:`N/K` inputs through spherical weights :math:`w_k`; the output is
:math:`f(\tau)` of the hidden signs :math:`\tau_k = \mathrm{sign}(w_k\cdot x_k)`: the majority (committee, odd
:math:`K`) or the product (parity). References: Barkai, Hansel & Kanter, PRL 65, 2312 (1990) (parity);
Barkai, Hansel & Sompolinsky, PRA 45, 4146 (1992) (committee, replica-symmetry breaking); Monasson & Zecchina,
PRL 75, 2432 (1995) and Mod. Phys. Lett. B 9, 1887 (1995) (large :math:`K`); Engel & Van den Broeck, *Statistical
Mechanics of Learning* (2001), ch. 12.

RS free entropy (per weight, :math:`\alpha = P/N`, a random label taken as :math:`+1` by symmetry), derived by the
engine from the spherical prior and the channel

.. math:: Z_{out}(\omega_1..\omega_K, V) = \sum_{\tau: f(\tau) = +1}\prod_k H\!\left(-\frac{\tau_k\omega_k}{\sqrt V}\right),
    \qquad \phi(q) = \tfrac12\ln(1-q) + \frac{q}{2(1-q)} + \alpha\int\prod_k Dt_k\,\ln Z_{out}(\sqrt q\,t, 1-q)

(each branch has its own overlap; by symmetry they are equal). As :math:`q\to1` the sum is dominated by its
cheapest internal representation, :math:`\ln Z_{out} \approx -C(t)/(2(1-q))` with the cost
:math:`C(t) = \min_{f(\tau)=1}\sum_k t_k^2\,\theta(-\tau_kt_k)`, so

.. math:: \alpha_c^{RS} = 1/\mathbb E\,C(t), \qquad
    \mathbb E\,C = \int_0^\infty 2x\;\mathbb E\big[(n(x) - \tfrac{K-1}2)_+\big]\,dx \ \ \text{(committee)},\qquad
    \mathbb E\,C = \tfrac12\int_0^\infty 2x\,(2H(x))^K\,dx \ \ \text{(parity)},

with :math:`n(x)\sim\mathrm{Binomial}(K, H(x))` the number of branches whose field is below :math:`-x` (all beyond
the :math:`(K-1)/2` that may disagree must be flipped), and for parity the cheapest flip of the smallest field when
the signs' product is wrong.

Relation to the kernel (infinite-width) limit: the divergence with :math:`K` comes from fields near the sign's
discontinuity, :math:`|t| \sim K^{-1/2}` (committee) or :math:`K^{-1}` (parity), where flipping a hidden unit costs
almost nothing. Zavatone-Veth & Pehlevan, PRE 103, L020301 (2021), relate the boundedness of the infinite-width
capacity to the smoothness of the activation: smooth activations keep it finite, the sign makes it diverge. The
finite-overlap theory here (:class:`TreeTheory`) is declared by a storing set: the sign's rules and, for
:math:`K \le 2`, piecewise-linear activations; every activation gets its RS capacity from its storing sets
(:func:`solve_tree_machine`). Large :math:`K`: :math:`\alpha_c^{RS} \to 6\sqrt{2/\pi}\,\sqrt K` (committee) and
:math:`2K^2/\pi` (parity), both above the Mitchison–Durbin bound :math:`O(\ln K)`: replica symmetry is wrong there
(the committee's capacity is :math:`(16/\pi)\sqrt{\ln K}` with RSB, Monasson & Zecchina 1995).
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import numpy as np
import sympy as sp
from scipy import integrate, special, stats

from .errors import ParameterError
from .models.channels import Channel
from .models.priors import SphericalPrior
from .report import Report
from .solvers import find_root
from .symbolic.free_entropy import assemble_free_entropy
from .symbolic.gaussian import GaussianMean, LogAddExp, LogH
from .symbolic.saddle_point import derive_saddle_point
from .validation import check_int, check_real

__all__ = ["RULES", "internal_representations", "TreeChannel", "tree_free_entropy", "TreeTheory", "rs_capacity", "branch_rule",
           "storing_set", "solve_tree_machine",
           "expected_cost", "large_k_constant", "solve_committee"]

#: Output rules: the hidden signs that give output +1.
RULES = ("committee", "parity")
#: Largest K whose finite-overlap free entropy is integrated (a K-fold tensor-product quadrature).
MAX_QUADRATURE_K = 3


def check_machine(rule: str, k: int) -> tuple[str, int]:
    """Validate a tree machine's output ``rule`` (one of :data:`RULES`) and width ``K`` (odd for the committee).

    Raises
    ------
    ParameterError
        Naming ``rule`` or ``K`` and the allowed values.
    """
    if rule not in RULES:
        raise ParameterError("rule", f"must be one of {', '.join(RULES)}; got {rule!r}")
    k = check_int("K", k, 1, 10**7)  # beyond, the binomial tails cancel below double precision
    if rule == "committee" and k % 2 == 0:
        raise ParameterError("K", f"must be odd for a committee machine (no ties in the majority vote); got {k}")
    return rule, k


def internal_representations(rule: str, k: int) -> list[tuple[int, ...]]:
    """The hidden sign vectors :math:`\\tau\\in\\{\\pm1\\}^K` with output :math:`f(\\tau) = +1`."""
    rule, k = check_machine(rule, k)
    if k > 12:
        raise ParameterError("K", f"internal representations are listed for K <= 12 (2^K of them); got {k}")
    signs = itertools.product((1, -1), repeat=k)
    if rule == "committee":
        return [t for t in signs if sum(t) > 0]
    return [t for t in signs if math.prod(t) > 0]


class TreeChannel(Channel):
    r"""The per-pattern term of a tree machine: :math:`K` branch fields, one Gaussian mean each.

    :math:`\ln Z_{out} = \ln\sum_{f(\tau)=1}\exp\sum_k\ln H(-\tau_k\omega_k/\sqrt V)`, written with nested
    :class:`~replica.symbolic.gaussian.LogAddExp` so that every term stays finite as :math:`V\to0`.
    """

    def __init__(self, rule: str, k: int):
        self.rule, self.k = check_machine(rule, k)
        self.name = f"tree-{rule}-{k}"
        self.fields = tuple(sp.Symbol(f"t_{i + 1}", real=True) for i in range(self.k))

    @property
    def parameters(self):
        return ()

    def log_partition(self, omegas, variance):
        exponents = [sp.Add(*(LogH(-tau_i * w / sp.sqrt(variance)) for tau_i, w in zip(tau, omegas)))
                     for tau in internal_representations(self.rule, self.k)]
        total = exponents[0]
        for exponent in exponents[1:]:
            total = LogAddExp(total, exponent)
        return total

    def energetic_term(self, overlap, z=None):
        term = self.log_partition([sp.sqrt(overlap) * t for t in self.fields], 1 - overlap)
        for t in reversed(self.fields):
            term = GaussianMean(term, t)
        return term


@lru_cache(maxsize=None)
def tree_free_entropy(rule: str, k: int):
    """The engine's derivation for a tree machine: ``(saddle, channel)`` with the reduced :math:`\\phi(q)` and
    :math:`\\partial_q\\phi` (conjugates of the spherical prior eliminated)."""
    channel = TreeChannel(rule, k)
    prior = SphericalPrior()
    saddle = derive_saddle_point(assemble_free_entropy(prior, channel), prior.convergence_conditions())
    return saddle, channel


def branch_rule(overlap: float, order: int = 6) -> tuple[np.ndarray, np.ndarray]:
    r"""Nodes and weights of :math:`\int Dt\,(\cdot)` resolving the layer of :math:`H(\mp\sqrt{q}\,t/\sqrt{1-q})`.

    Composite Gauss–Legendre (``order`` nodes per panel) on :math:`[-12, 12]`, with panel edges at
    :math:`0, \pm w/2, \pm 2w, \pm 8w` for the layer width :math:`w = \sqrt{(1-q)/q}` and at
    :math:`\pm 1.5, \pm 3, \pm 6` for the Gaussian weight.
    """
    width = math.sqrt((1 - overlap) / overlap)
    edges = np.array([0.0, 1.5, 3.0, 6.0, 12.0, 0.5 * width, 2 * width, 8 * width])
    edges = np.unique(np.clip(np.concatenate([-edges, edges]), -12.0, 12.0))
    x, w = np.polynomial.legendre.leggauss(order)
    left, right = edges[:-1, None], edges[1:, None]
    nodes = ((left + right) / 2 + (right - left) / 2 * x).ravel()
    weights = ((right - left) / 2 * w).ravel() * np.exp(-nodes**2 / 2) / math.sqrt(2 * math.pi)
    return nodes, weights


class TreeTheory:
    r"""Finite-overlap RS numerics of a storage problem with :math:`K` branch fields: :math:`\phi(q)`, its saddle
    point, and the replicon along it.

    Declared by a rule of :math:`K \le 3` hidden signs (a union of orthants, :math:`Z` in closed form) or, with
    :meth:`of_storing_set`, by a piecewise-linear treelike network of :math:`K \le 2` branches (a union of boxes
    cut by a half-space, :math:`Z` by the quadrature of :mod:`replica.set_measure`). The engine derives
    :math:`\phi(q)` of a rule symbolically (:func:`tree_free_entropy`); its compiled form integrates every branch
    with its own layered rule, which for :math:`K = 3` costs minutes per overlap. Here the same integrals are
    evaluated on one tensor grid of :func:`branch_rule` over :math:`t`, with :math:`\omega = \sqrt q\,t`,
    :math:`V = 1 - q` and :math:`\ln Z`, :math:`\nabla_\omega\ln Z`, :math:`\nabla^2_\omega\ln Z` from
    :mod:`replica.set_measure` (checked against the engine's compiled expression in the tests).

    Parameters
    ----------
    rule : str
        ``committee``, ``parity``, ``and``, ``or`` or a truth table (:class:`~replica.field_sets.BooleanRule`).
    k : int
        Branches, at most :data:`MAX_QUADRATURE_K`.
    order : int
        Gauss–Legendre nodes per panel of :func:`branch_rule`.
    capacity : float, optional
        The RS capacity (the saddle's overlap reaches 1 there); by default the rule's.
    """

    def __init__(self, rule: str, k: int, order: int = 6, *, capacity: float | None = None):
        from .field_sets import BooleanRule, expected_squared_distance

        if rule in RULES:
            rule, k = check_machine(rule, k)
        declared = BooleanRule(rule, k)
        self._setup(declared, order, capacity if capacity is not None else (
            rs_capacity(rule, k) if rule in RULES else expected_squared_distance(declared).capacity))
        self.rule = rule

    @classmethod
    def of_storing_set(cls, storing_set, capacity: float, order: int = 6) -> "TreeTheory":
        r"""The theory of a declared storing set: a :class:`~replica.field_sets.BooleanRule` (:math:`K \le 3`,
        orthants in closed form) or another :class:`~replica.field_sets.PieceUnion` of :math:`K \le 2` fields (a
        piecewise-linear treelike network, any margin; pieces by quadrature).

        Raises
        ------
        ParameterError
            For a set that is not a union of pieces, or more fields than are integrated.
        """
        from .field_sets import BooleanRule, PieceUnion
        from .set_measure import MAX_PIECE_DIMENSION

        if not isinstance(storing_set, PieceUnion):
            raise ParameterError("storing set", "the finite-overlap theory needs a union of pieces (a Boolean rule of "
                                                "the hidden signs, a piecewise-linear treelike network); got "
                                                f"{type(storing_set).__name__}")
        if not isinstance(storing_set, BooleanRule) and storing_set.dimension > MAX_PIECE_DIMENSION:
            raise ParameterError("K", f"the finite-overlap free entropy of a union of pieces is integrated for K <= "
                                      f"{MAX_PIECE_DIMENSION} fields; got {storing_set.dimension}")
        theory = cls.__new__(cls)
        theory._setup(storing_set, order, capacity)
        theory.rule = getattr(storing_set, "rule", None)
        return theory

    def _setup(self, storing_set, order, capacity):
        from .field_sets import BooleanRule

        if storing_set.dimension > MAX_QUADRATURE_K:
            raise ParameterError("K", f"the finite-overlap free entropy is integrated for K <= {MAX_QUADRATURE_K} "
                                      f"(a K-fold quadrature); got {storing_set.dimension}. The capacity (rs_capacity) "
                                      f"has no limit.")
        self.storing_set, self.k, self.order = storing_set, storing_set.dimension, order
        # a set with C_{-y} = -C_y (f(-tau) = -f(tau), an odd activation) needs the label +1 only; an alternating
        # readout's labels differ by swapping branches, which permutes the replicon's matrix: both are averaged
        self.labels = (1,) if storing_set.negation_symmetric else (1, -1)
        self._orthants = isinstance(storing_set, BooleanRule)
        if self._orthants:  # (configurations, K) per label
            self.signs = {y: storing_set.representations(y).astype(float) for y in self.labels}
        self._capacity = capacity
        self._cache: dict[float, dict] = {}

    def _log_partition(self, omega, variance, label):
        from .set_measure import orthant_union_log_partition, piece_union_log_partition

        if self._orthants:
            return orthant_union_log_partition(self.signs[label], omega, variance, self.storing_set.kappa)
        return piece_union_log_partition(self.storing_set.pieces(label), omega, variance)

    def _moments(self, overlap: float) -> dict:
        r"""Gaussian means at overlap :math:`q`, averaged over the labels: ``log_z`` :math:`E\ln Z`, ``dq``
        :math:`E\,\partial_q\ln Z = E[\nabla_\omega\ln Z\cdot t/(2\sqrt q) - \partial_V\ln Z]` and ``matrix``
        :math:`M_{kl} = E(\partial_{\omega_k}\partial_{\omega_l}\ln Z)^2` (kept per overlap: the saddle search
        and the replicon revisit the same overlaps)."""
        overlap = check_real("q", overlap, 0.0, 1.0, low_open=True, high_open=True)
        if overlap in self._cache:
            return self._cache[overlap]
        nodes, weights = branch_rule(overlap, self.order)
        grids = np.meshgrid(*([nodes] * self.k), indexing="ij")
        t = np.stack([g.ravel() for g in grids], axis=-1)  # (points, K)
        weight = np.prod(np.stack([g.ravel() for g in np.meshgrid(*([weights] * self.k), indexing="ij")], -1), -1)
        out = {"log_z": 0.0, "dq": 0.0, "matrix": np.zeros((self.k, self.k))}
        for label in self.labels:
            channel = self._log_partition(math.sqrt(overlap) * t, 1 - overlap, label)
            d_overlap = (np.sum(channel.gradient * t, -1) / (2 * math.sqrt(overlap))
                         - channel.variance_derivative())
            out["log_z"] += weight @ channel.log_z / len(self.labels)
            out["dq"] += weight @ d_overlap / len(self.labels)
            out["matrix"] += np.einsum("p,pkl->kl", weight, channel.hessian**2) / len(self.labels)
        self._cache[overlap] = out
        return out

    def free_entropy(self, overlap: float, load: float) -> float:
        r""":math:`\phi(q) = \tfrac12\ln(1-q) + q/(2(1-q)) + \alpha\,E\ln Z_{out}` (the RS log-volume per weight)."""
        return (0.5 * math.log(1 - overlap) + overlap / (2 * (1 - overlap))
                + load * self._moments(overlap)["log_z"])

    def stationarity(self, overlap: float, load: float) -> float:
        r""":math:`\partial_q\phi = q/(2(1-q)^2) + \alpha\,E\,\partial_q\ln Z_{out}`, zero at the saddle point."""
        return overlap / (2 * (1 - overlap) ** 2) + load * self._moments(overlap)["dq"]

    def stationary_load(self, overlap: float) -> float:
        r"""The load at which :math:`q` is stationary, :math:`\alpha(q) = -q/(2(1-q)^2\,E\,\partial_q\ln Z)`
        (``inf`` where :math:`E\,\partial_q\ln Z \ge 0`: no load makes :math:`q` stationary)."""
        slope = self._moments(overlap)["dq"]
        return -overlap / (2 * (1 - overlap) ** 2 * slope) if slope < 0 else math.inf

    #: The overlaps on which the saddle's branches are located, from 1e-3 to 1 - 1e-5.
    OVERLAP_GRID = tuple(1 - np.geomspace(1 - 1e-3, 1e-5, 24))

    def saddle_point(self, load: float) -> float:
        r"""The RS overlap at load :math:`\alpha`: the largest root of :math:`\partial_q\phi = 0` in :math:`(0, 1)`,
        or 0 when there is none (the parity machine keeps :math:`q = 0` up to a load where the root leaves zero).

        Raises
        ------
        ParameterError
            If ``alpha`` is not below the RS capacity (no saddle point in :math:`[0, 1)`).
        """
        load = check_real("alpha", load, 0.0, None, low_open=True)
        capacity = self._capacity
        if load >= capacity:
            raise ParameterError("alpha", f"must be below the RS capacity {capacity:.6g} (the overlap reaches 1 "
                                          f"there); got {load:g}")
        overlaps = np.array(self.OVERLAP_GRID)
        values = np.array([self.stationarity(x, load) for x in overlaps])
        change = np.nonzero(np.diff(np.sign(values)) != 0)[0]
        if len(change) == 0:
            return 0.0
        i = change[-1]
        return find_root(lambda x: self.stationarity(x, load), overlaps[i], overlaps[i + 1],
                         what=f"the RS overlap at alpha = {load:g}", xtol=1e-12, rtol=1e-10)

    def replicon(self, overlap: float, load: float) -> float:
        r"""The replicon eigenvalue :math:`\lambda = 1 - \alpha K(1-q)^2\,\mu_{max}`, :math:`\mu_{max}` the largest
        eigenvalue of :math:`M_{kl} = \int\prod Dt\,[\partial_{\omega_k}\partial_{\omega_l}\ln Z_{out}]^2`
        (averaged over the labels); at :math:`q = 0` with the parity rule, the curvatures vanish and
        :math:`\lambda = 1`.

        Each branch's weights are spherical (entropic replicon factor :math:`(1-q)^{-2}` per branch, weighted
        :math:`1/K`) and the branches couple through the channel: stability needs
        :math:`K^{-1}(1-q)^{-2}I - \alpha M \succ 0`, i.e. :math:`\lambda > 0`. For a permutation-symmetric rule
        :math:`M = aI + b(J - I)` and :math:`\mu_{max} = a + (K-1)b`; :math:`K = 1` gives the perceptron's
        Gardner–Derrida condition, and so does a linear activation of any :math:`K` (:math:`M` is then
        :math:`E[F''^2]J/K^2` for :math:`Z = F((\omega_1 + .. + \omega_K)/\sqrt K)`)."""
        if overlap == 0.0:
            overlap = 1e-9
        matrix = self._moments(overlap)["matrix"]
        return 1.0 - load * self.k * (1 - overlap) ** 2 * float(np.linalg.eigvalsh(matrix)[-1])

    def instability_load(self) -> float:
        r"""The load :math:`\alpha_{AT}` where the replicon along the RS saddle first vanishes (de Almeida–Thouless),
        or the capacity if it stays positive.

        The saddle is followed by its overlap: :math:`q` is the largest root at the load :math:`\alpha(q)`
        (:meth:`stationary_load`) exactly when every larger overlap is stationary only at larger loads, so those
        :data:`OVERLAP_GRID` points trace the saddle; along them
        :math:`\lambda(q) = 1 - \alpha(q)K(1-q)^2\mu_{max}(q)` is bracketed and its zero refined in :math:`q`.
        Below the first such load the saddle is :math:`q = 0`, where :math:`\lambda = 1 - \alpha K\mu_{max}(0)`
        vanishes at :math:`1/(K\mu_{max}(0))` (the parity machine's :math:`\pi^2/8`). Where the saddle jumps
        between two branches the replicon's change of sign is refined in the load.
        """
        overlaps = np.array(self.OVERLAP_GRID)
        loads = np.array([self.stationary_load(x) for x in overlaps])
        on_saddle = np.isfinite(loads) & (loads < np.minimum.accumulate(
            np.concatenate([loads[1:], [np.inf]])[::-1])[::-1])
        indices = np.nonzero(on_saddle)[0]
        if len(indices) == 0:
            return self._capacity
        at_zero = self.replicon(0.0, 1.0)  # 1 - K mu(0)
        if at_zero < 1 and 1 / (1 - at_zero) < loads[indices[0]]:
            return 1 / (1 - at_zero)

        def along(x):
            return self.replicon(x, self.stationary_load(x))
        previous = None
        for i in indices:
            if along(overlaps[i]) < 0:
                if previous == i - 1:
                    root = find_root(along, overlaps[previous], overlaps[i], xtol=1e-10,
                                     what="alpha_AT (replicon zero along the RS saddle)")
                    return self.stationary_load(root)
                below = loads[previous] if previous is not None else loads[i] / 2  # from q = 0 or another branch
                return find_root(lambda load: self.replicon(self.saddle_point(load), load), below, loads[i],
                                 what="alpha_AT (replicon zero where the RS saddle jumps)", xtol=1e-5 * self._capacity)
            previous = i
        return self._capacity


def expected_cost(rule: str, k: int) -> float:
    r""":math:`\mathbb E\,C(t)`, the mean cost of the cheapest internal representation (module docstring), by
    one-dimensional quadrature (exact for any :math:`K`)."""
    rule, k = check_machine(rule, k)
    if rule == "parity":
        def integrand(x):
            return x * np.exp(k * (np.log(2.0) + special.log_ndtr(-x)))
        scale = 1.0 / k
    else:
        allowed = (k - 1) // 2

        def integrand(x):  # E(n - a)_+ = E[n; n > a] - a P(n > a) = K p P(Bin(K-1, p) >= a) - a P(n > a)
            p = special.ndtr(-x)
            return 2 * x * max(k * p * stats.binom.sf(allowed - 1, k - 1, p) - allowed * stats.binom.sf(allowed, k, p),
                               0.0)
        scale = 1.0 / math.sqrt(k)
    # the integrand lives on x ~ 1/K (parity) or 1/sqrt(K) (committee); split the range there
    edges = [0.0, scale, 4 * scale, 16 * scale, 40.0]
    return float(sum(integrate.quad(integrand, a, b, limit=200, epsabs=1e-15, epsrel=1e-10)[0]
                     for a, b in zip(edges[:-1], edges[1:])))


def rs_capacity(rule: str, k: int) -> float:
    r""":math:`\alpha_c^{RS}(K) = 1/\mathbb E\,C`: the load at which the RS saddle reaches :math:`q = 1`."""
    return 1.0 / expected_cost(rule, k)


def large_k_constant(rule: str) -> float:
    r"""The large-:math:`K` limit of :math:`\alpha_c^{RS}/\sqrt K` (committee, :math:`6\sqrt{2/\pi}`) or
    :math:`\alpha_c^{RS}/K^2` (parity, :math:`2/\pi`).

    Committee: with :math:`x = u/\sqrt K`, :math:`n(x) - K/2 \approx \tfrac{\sqrt K}2(Z - \sqrt{2/\pi}\,u)`, so
    :math:`\mathbb E\,C \approx K^{-1/2}\int_0^\infty u\,\mathbb E(Z - cu)_+du = K^{-1/2}\,\mathbb E[Z_+^3]/(6c^2)
    = \sqrt{2\pi}/(12\sqrt K)`. Parity: :math:`(2H(x))^K \approx e^{-Kx\sqrt{2/\pi}}` gives
    :math:`\mathbb E\,C \approx \pi/(2K^2)`.
    """
    if rule not in RULES:
        raise ParameterError("rule", f"must be one of {', '.join(RULES)}; got {rule!r}")
    return 6 * math.sqrt(2 / math.pi) if rule == "committee" else 2 / math.pi


def solve_committee(K: int = 3, rule: str = "committee") -> Report:
    r"""RS capacity, its large-:math:`K` ratio and the stability verdict of a tree committee or parity machine.

    ``alpha_c_RS`` is :func:`rs_capacity`. The replicon at capacity is :math:`-\infty` for :math:`K \ge 2`: where two
    internal representations cost the same (:math:`|t_i| = |t_j|`), :math:`\partial^2\ln Z_{out}` has a ridge of
    height :math:`O(1/V^2)` and width :math:`O(V)`, so :math:`(1-q)^2\int[\partial^2\ln Z_{out}]^2 \sim 1/(1-q)`
    diverges; :math:`K = 1` is the perceptron at zero margin (replicon 0, marginal). For :math:`K \le 2` the load
    where replica symmetry breaks along the RS saddle, ``alpha_AT``, is computed (:meth:`TreeTheory.instability_load`;
    for the :math:`K = 2` parity machine it is :math:`\pi^2/8`, where the overlap leaves zero).
    """
    rule, k = check_machine(rule, K)
    capacity = rs_capacity(rule, k)
    exponent = 0.5 if rule == "committee" else 2.0
    quantities = {"alpha_c": capacity, "alpha_c_RS": capacity, "capacity_criterion": "q->1",
                  "expected_cost": 1.0 / capacity,
                  "large_K_ratio": capacity / k**exponent, "large_K_limit": large_k_constant(rule),
                  "large_K_law": "6 sqrt(2/pi) sqrt(K)" if rule == "committee" else "2 K^2 / pi",
                  "mitchison_durbin_order": "ln K / ln 2 (per weight)"}
    if k == 1:
        quantities |= {"replicon_at_capacity": 0.0, "rs_stability_at_capacity": "marginal", "alpha_AT": capacity}
        status, message = "success", "K = 1 is the perceptron at zero margin (Gardner 1988): alpha_c = 2, marginal"
    else:
        quantities |= {"replicon_at_capacity": -math.inf, "rs_stability_at_capacity": "unstable"}
        if k <= 2:
            quantities["alpha_AT"] = TreeTheory(rule, k, order=10).instability_load()
        status = "warning"
        large_k = ("the committee's capacity is (16/pi) sqrt(ln K) with RSB, Monasson & Zecchina 1995"
                   if rule == "committee" else "with one-step RSB the parity machine's capacity approaches the "
                                               "Mitchison-Durbin bound ln K / ln 2, Barkai, Hansel & Kanter 1990")
        message = (f"{_UNSTABLE_AT_CAPACITY}: alpha_c_RS = {capacity:.6g} is the RS value, an overestimate "
                   f"(for large K {large_k})")
    return Report("committee", {"K": k, "rule": rule}, quantities, status, message)


_UNSTABLE_AT_CAPACITY = "replica symmetry is unstable at capacity (replicon -> -inf as q -> 1 for K >= 2)"


def storing_set(K: int = 3, rule: str | None = None, activation: str | None = None, readout: str = "ones",
                kappa: float = 0.0):
    r"""The storing set of a tree machine declared by its output ``rule`` (a Boolean function of the :math:`K`
    hidden signs, :class:`~replica.field_sets.BooleanRule`) or by an ``activation`` :math:`g` (output
    :math:`\mathrm{sign}\,K^{-1/2}\sum_k c_kg(h_k)`: :class:`~replica.field_sets.TreelikeNetwork` for a
    piecewise-linear :math:`g`, :class:`~replica.field_sets.QuadricSet` for :math:`g = ah^2 + b`,
    :class:`~replica.field_sets.MonotoneTreelike` for another monotone :math:`g`). Neither: the
    committee rule.

    Raises
    ------
    ParameterError
        If both ``rule`` and ``activation`` are given, or either does not parse.
    """
    from .field_sets import (BooleanRule, MonotoneTreelike, QuadricSet, TreelikeNetwork, pure_quadratic,
                             linear_segments, parse_activation)

    if rule is not None and activation is not None:
        raise ParameterError("activation", "give either a rule (Boolean output of the hidden signs) or an "
                                           f"activation (output sign of the summed activations), not both; got "
                                           f"rule={rule!r}, activation={activation!r}")
    if activation is None:
        return BooleanRule(rule or "committee", K, kappa)
    g = parse_activation(activation)
    if pure_quadratic(g) is not None:
        return QuadricSet(activation, K, readout, kappa)
    if linear_segments(g) is None:  # smooth: the boundary is followed
        return MonotoneTreelike(activation, K, readout, kappa)
    return TreelikeNetwork(activation, K, readout, kappa)


#: Quadrature orders (Gauss–Legendre nodes per panel of :func:`branch_rule`) whose ``alpha_AT`` are compared: the
#: orthants' closed form has ridges at tied representations across the tensor grid and converges slowly; a union
#: of pieces is integrated by panels around each slice's mode and its outer rule converges faster.
REPLICON_ORDERS = {"orthants": (10, 14), "pieces": (6, 8)}


def solve_tree_machine(K: int = 3, rule: str | None = None, activation: str | None = None, readout: str = "ones",
                       kappa: float = 0.0, samples: int = 200_000, seed: int = 0, replicon: bool = False) -> Report:
    r"""RS capacity of a tree machine declared by its rule or activation, from the storing set alone.

    :math:`1/\alpha_c^{RS} = \tfrac12\sum_y\mathbb E\,\mathrm{dist}(z, C_y)^2` (Gardner's :math:`q \to 1` limit,
    :mod:`replica.field_sets`): in closed form for one orthant per label, otherwise by Monte Carlo over ``samples``
    field vectors, reported with its standard error (``alpha_c_standard_error``, delta method). For the committee
    and parity rules at :math:`\kappa = 0` the one-dimensional reduction (:func:`rs_capacity`) is reported beside it
    (``alpha_c_reduction``). A declared activation also gets its infinite-width capacity
    (:func:`~replica.field_sets.infinite_width_capacity`, Zavatone-Veth & Pehlevan 2021).

    With ``replicon`` (:math:`K \le 2` branches declared by a rule of their signs or by a piecewise-linear
    activation, any margin), the load ``alpha_AT`` where the replicon along the RS saddle vanishes
    (:meth:`TreeTheory.instability_load`; the capacity, with ``rs_stable_up_to_capacity``, if it stays positive),
    computed with two quadrature orders (:data:`REPLICON_ORDERS`); their difference is reported as
    ``alpha_AT_quadrature_change`` and a change above 1 % makes the status ``warning`` with that reason. It takes
    one to three minutes.

    A smooth activation with :math:`K \ge 3` branches (:class:`~replica.field_sets.MonotoneTreelike`) has its
    projections bracketed: ``alpha_c`` comes from feasible points (improved pair by pair, checked against a
    multistart optimiser in the tests), and the report adds the Lagrangian dual's mean
    (``expected_squared_distance_lower_bound``, hence ``alpha_c_upper_bound``) and their difference
    (``projection_gap``), with the bracket in the message.

    ``status`` is ``success`` when every storing set is convex (RS expected exact), ``warning`` otherwise: a union
    of pieces (or a smooth activation's level set) makes the solution space non-convex and the RS value an estimate
    (for tree machines it is unstable at capacity, Barkai, Hansel & Sompolinsky 1992).

    Raises
    ------
    ParameterError
        ``replicon`` for more than two branches or a storing set that is not a union of pieces (a quadratic or
        smooth activation): the finite-overlap free entropy is integrated for those only.
    """
    from .field_sets import BooleanRule, TreelikeNetwork, expected_squared_distance, infinite_width_capacity

    field_set = storing_set(K, rule, activation, readout, kappa)
    estimate = expected_squared_distance(field_set, samples=samples, seed=seed)
    convex = field_set.convex()
    shape = "convex" if convex else field_set.nonconvex_shape
    quantities = {"alpha_c": estimate.capacity, "alpha_c_RS": estimate.capacity,
                  "alpha_c_standard_error": estimate.capacity_error,
                  "expected_squared_distance": estimate.mean,
                  "expected_squared_distance_standard_error": estimate.standard_error,
                  "monte_carlo_samples": estimate.samples, "capacity_criterion": "q->1",
                  "storing_set": shape,
                  "label_symmetric": field_set.label_symmetric}
    bracket = ""
    if estimate.lower_bound is not None:  # projections bracketed (a smooth activation with K >= 3 branches)
        quantities |= {"expected_squared_distance_lower_bound": estimate.lower_bound,
                       "alpha_c_upper_bound": 1.0 / estimate.lower_bound if estimate.lower_bound > 0 else math.inf,
                       "projection_gap": estimate.mean - estimate.lower_bound}
        bracket = (f"; the projections are feasible points improved pair by pair (alpha_c_RS from them), bracketed "
                   f"by the Lagrangian dual: on the same samples E dist^2 lies in [{estimate.lower_bound:.6g}, "
                   f"{estimate.mean:.6g}]")
    if isinstance(field_set, BooleanRule):
        quantities["rule_truth_table"] = "".join("1" if o > 0 else "0" for o in field_set.outputs)
        for name in RULES:  # a rule given by its truth table is recognised too
            if kappa == 0 and (name == "parity" or K % 2 == 1) and BooleanRule(name, K).outputs == field_set.outputs:
                quantities["alpha_c_reduction"] = rs_capacity(name, K)
    else:
        quantities |= infinite_width_capacity(field_set.activation, kappa)
    declared = f"rule {field_set.rule}" if isinstance(field_set, BooleanRule) else f"g(h) = {field_set.activation}"
    params = {"K": K, "rule": rule, "activation": activation, "readout": readout, "kappa": kappa,
              "samples": samples, "seed": seed, "replicon": replicon}
    unconverged = stability = ""
    if replicon:
        if not isinstance(field_set, (BooleanRule, TreelikeNetwork)) or K > 2:
            raise ParameterError("replicon", "is computed for a rule of the hidden signs or a piecewise-linear "
                                             f"activation with K <= 2 branches; got K = {K}, {declared} "
                                             f"({type(field_set).__name__})")
        orders = REPLICON_ORDERS["orthants" if isinstance(field_set, BooleanRule) else "pieces"]
        values = [TreeTheory.of_storing_set(field_set, estimate.capacity, order).instability_load()
                  for order in orders]
        change, stable = abs(values[1] - values[0]), values[-1] == estimate.capacity
        quantities |= {"alpha_AT": values[-1], "alpha_AT_quadrature_change": change,
                       "rs_stable_up_to_capacity": stable}
        stability = ("; the replicon stays positive along the RS saddle up to capacity" if stable
                     else f"; the replicon along the RS saddle vanishes at alpha_AT = {values[-1]:.5g}: RS is unstable "
                          f"beyond it")
        if change > 0.01 * values[-1]:
            unconverged = (f"; alpha_AT changed by {change:.2g} between quadrature orders {orders[0]} and "
                           f"{orders[1]} (more than 1 %): not converged")
    if convex and not unconverged:
        return Report("tree-machine", params, quantities, "success",
                      f"{declared}: convex storing sets, RS expected exact{stability}")
    return Report("tree-machine", params, quantities, "warning",
                  f"{declared}: the storing set is {'declared as a ' if shape.startswith('union') else ''}{shape}; "
                  f"unless it happens to be convex the solution space is not, and alpha_c_RS = {estimate.capacity:.5g} +- "
                  f"{estimate.capacity_error:.2g} is the RS estimate (above the true capacity where RS is unstable, "
                  f"as for tree machines at capacity){stability}{unconverged}{bracket}")
