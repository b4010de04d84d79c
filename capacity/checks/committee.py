r"""Finite-N check of tree committee and parity machines by enumerating internal representations.

A tree machine stores :math:`P` labelled patterns iff some internal representation :math:`\tau^\mu\in\{\pm1\}^K` with
:math:`f(\tau^\mu) = \sigma^\mu` makes every branch's labelling :math:`\{(x_k^\mu, \tau_k^\mu)\}_\mu` linearly
separable: for a fixed representation the problem is :math:`K` independent LPs. Enumerating representations is
organised branch by branch:

1. every labelling of a branch's :math:`P` points (in :math:`\mathbb R^n`, through the origin) that a hyperplane
   separates is listed exactly. Each region of the central arrangement :math:`\{w: w\cdot x_\mu = 0\}` has a ray
   on its boundary where :math:`n-1` hyperplanes meet; near the ray :math:`v` (null vector of those :math:`n-1`
   points) the other points keep the signs of :math:`x_\mu\cdot v` and the :math:`n-1` take every combination.
   The count must equal Cover's :math:`C(P, n)\,2^P` (points in general position), which certifies the list is
   complete; otherwise the instance is doubtful;
2. labellings are bit masks, and the output rule combines them: for the committee (:math:`K = 3`) the sets of
   patterns on which each branch disagrees with the label must be pairwise disjoint (a majority of two is right
   everywhere) — only inclusion-minimal sets matter; for parity the last branch's labelling is fixed by the others
   (a membership test);
3. the representation found is re-checked branch by branch with the certified programs of
   :mod:`capacity.programs` (every branch must be certified separable).

The largest storable prefix :math:`P^*` of each instance is found by bisection (storability is monotone in the
prefix). Checks with no solver to trust: :math:`K = 1` against Cover's theorem, and the storable fractions against
the counting bound :func:`counting_probability` (a machine realises at most as many labellings as it has internal
representations; Mitchison & Durbin 1989).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pandas as pd

from replica.errors import ParameterError
from replica.field_sets import BooleanRule
from replica.models.tree_machine import COMMITTEE
from replica.parameters import ParameterSpec
from replica.tree_machine import check_machine, rs_capacity, solve_tree_machine
from replica.validation import check_int

from ..cover import cover_probability, prefix_cover_tests
from ..estimates import median_interval
from ..programs import available_solvers, make_program
from ..verification import Verification
from .base import Check, Execution, seed_setting, solver_setting, trials_setting

__all__ = ["separable_labellings", "storing_representation", "longest_storable_prefix", "counting_bound",
           "counting_probability",
           "committee_instance", "committee_trials", "verify_committee", "MAX_PATTERNS", "CHECKS"]

#: Patterns per instance (labellings are 64-bit masks).
MAX_PATTERNS = 62
#: Elements per vectorised block when combining the labellings of two branches.
_CHUNK = 1 << 21
#: Smallest |x . v| relative to |x||v| below which a sign at an arrangement ray is not trusted.
SIGN_TOLERANCE = 1e-9


def _bits(labels) -> int:
    """Mask of the patterns labelled +1."""
    return int(sum(1 << i for i, s in enumerate(labels) if s > 0))


def separable_labellings(points) -> tuple[np.ndarray, bool]:
    r"""Every labelling of ``points`` (shape (P, n)) separable by a hyperplane through the origin, as bit masks (bit
    :math:`\mu` set: label +1), and whether the list is certified complete (its size is Cover's
    :math:`2^P C(P, n)` and no sign at a ray was within rounding of zero)."""
    points = np.asarray(points, dtype=float)
    p, n = points.shape
    if p > MAX_PATTERNS:
        raise ParameterError("P", f"at most {MAX_PATTERNS} patterns per instance (64-bit masks); got {p}")
    if n == 1:
        masks = {_bits(points[:, 0] > 0), _bits(points[:, 0] < 0)}
        return np.array(sorted(masks), dtype=np.int64), len(masks) == round(2**p * cover_probability(p, 1))
    if p < n:  # fewer points than dimensions: every labelling
        return np.arange(2**p, dtype=np.int64), True
    weights = np.int64(1) << np.arange(p, dtype=np.int64)
    found, trusted = set(), True
    for subset in itertools.combinations(range(p), n - 1):
        ray = np.linalg.svd(points[list(subset)])[2][-1]
        fields = points @ ray
        others = np.ones(p, bool)
        others[list(subset)] = False
        if np.any(np.abs(fields[others]) < SIGN_TOLERANCE * np.linalg.norm(points[others], axis=1)):
            trusted = False
        base = int(weights[others & (fields > 0)].sum())
        free = weights[list(subset)]
        for choice in itertools.product((0, 1), repeat=n - 1):
            combo = int(np.dot(free, choice))
            found.add(base + combo)
            found.add(int((~(base | int(free.sum()))) & ((1 << p) - 1)) + combo)  # the opposite ray -v
    masks = np.array(sorted(found), dtype=np.int64)
    return masks, trusted and len(masks) == round(2**p * cover_probability(p, n))


def _minimal(sets: np.ndarray) -> np.ndarray:
    """The inclusion-minimal masks among ``sets``."""
    sets = np.unique(sets)
    order = np.argsort([bin(int(s)).count("1") for s in sets], kind="stable")
    kept: list[int] = []
    for s in sets[order]:
        if not any((k & s) == k for k in kept):
            kept.append(int(s))
    return np.array(kept, dtype=np.int64)


def storing_representation(rule: str, labellings: list[np.ndarray], target: int, p: int):
    r"""A choice of one separable labelling per branch whose output is ``target`` on the first :math:`p` patterns, or
    ``None``.

    Parameters
    ----------
    rule : {"committee", "parity"}
    labellings : list of ndarray
        Per branch, the separable labellings (:func:`separable_labellings`) of its points.
    target : int
        Mask of the patterns whose label is +1.
    """
    mask = (1 << p) - 1
    branches = [np.unique(d & mask) for d in labellings]
    target &= mask
    k = len(branches)
    if rule not in ("committee", "parity"):
        return _any_rule_representation(BooleanRule(rule, k).outputs, branches, target, mask)
    if k == 1:
        return [target] if target in set(branches[0].tolist()) else None
    if rule == "parity":  # product of signs: the masks of the -1 labels XOR to the target's
        negatives = [~b & mask for b in branches]
        wanted = ~target & mask
        if k == 2:
            found = np.nonzero(np.isin(negatives[0] ^ wanted, negatives[1]))[0]
            return None if found.size == 0 else [~int(negatives[0][found[0]]) & mask,
                                                 ~int(negatives[0][found[0]] ^ wanted) & mask]
        if k != 3:
            raise ParameterError("K", f"the parity enumeration is implemented for K <= 3; got {k}")
        first, second, last = negatives
        chunk = max(1, _CHUNK // len(second))
        for start in range(0, len(first), chunk):  # every pair of the first two branches, in chunks
            needed = (first[start:start + chunk, None] ^ second[None, :]) ^ wanted
            hits = np.argwhere(np.isin(needed, last))
            if hits.size:
                i, j = hits[0]
                chosen = (int(first[start + i]), int(second[j]), int(needed[i, j]))
                return [~c & mask for c in chosen]
        return None
    if k != 3:
        raise ParameterError("K", f"the committee enumeration is implemented for K = 3; got {k}")
    errors = [_minimal(b ^ target) for b in branches]  # patterns where the branch disagrees with the label
    first, second, third = errors
    for e1 in first:
        partners = second[(second & e1) == 0]
        if partners.size == 0:
            continue
        unions = partners | e1
        for start in range(0, len(unions), max(1, _CHUNK // len(third))):
            hits = (unions[start:start + max(1, _CHUNK // len(third)), None] & third[None, :]) == 0
            if hits.any():
                i, j = np.argwhere(hits)[0]
                chosen = (int(e1), int(partners[start + i]), int(third[j]))
                return [(target ^ e) & mask for e in chosen]
    return None


def _pair_search(first: np.ndarray, second: np.ndarray, forbidden: dict, mask: int):
    """Masks ``(a, b)`` from ``first`` x ``second`` such that no pattern carries a forbidden pair of hidden signs
    (``forbidden[(u, v)]``: the patterns where unit signs ``u``, ``v`` (1 for +) are not allowed), or ``None``."""
    chunk = max(1, _CHUNK // max(1, len(second)))
    columns = {1: second[None, :], 0: ~second[None, :] & mask}
    for start in range(0, len(first), chunk):
        rows = first[start:start + chunk, None]
        bad = np.zeros((len(rows), len(second)), dtype=np.int64)
        for (u, v), patterns in forbidden.items():
            if patterns:
                bad |= (rows if u else ~rows & mask) & columns[v] & patterns
        hits = np.argwhere(bad == 0)
        if hits.size:
            i, j = hits[0]
            return int(first[start + i]), int(second[j])
    return None


def _any_rule_representation(outputs, branches: list[np.ndarray], target: int, mask: int):
    r"""A storing representation for any Boolean rule of :math:`K \le 3` signs (``outputs`` indexed by
    :math:`\sum_k 2^k[\tau_k = +1]`): the first :math:`K - 2` branches are enumerated and the last two searched
    as pairs, a pair being excluded if on some pattern its two signs cannot give the label."""
    def disagreeing(value):  # the patterns whose label is not `value`
        return ~target & mask if value > 0 else target
    k = len(branches)
    if k == 1:
        allowed = branches[0][((branches[0] & disagreeing(outputs[1])) == 0)
                              & ((~branches[0] & mask & disagreeing(outputs[0])) == 0)]
        return None if allowed.size == 0 else [int(allowed[0])]
    if k == 2:
        forbidden = {(u, v): disagreeing(outputs[u + 2 * v]) for u in (0, 1) for v in (0, 1)}
        pair = _pair_search(branches[0], branches[1], forbidden, mask)
        return None if pair is None else list(pair)
    if k != 3:
        raise ParameterError("K", f"the enumeration for a general rule is implemented for K <= 3; got {k}")
    for first in branches[0].tolist():
        forbidden = {(u, v): (first & disagreeing(outputs[1 + 2 * u + 4 * v]))
                     | (~first & mask & disagreeing(outputs[2 * u + 4 * v])) for u in (0, 1) for v in (0, 1)}
        pair = _pair_search(branches[1], branches[2], forbidden, mask)
        if pair is not None:
            return [first, *pair]
    return None


def counting_probability(p: int, k: int, n: int) -> float:
    r"""Upper bound on the probability that a random labelling of :math:`P` patterns is storable by a tree machine with
    :math:`K` branches of :math:`n` inputs: it realises at most as many labellings as it has internal representations,
    :math:`\prod_k 2^PC(P, n)`, so the probability is at most :math:`\min(1, 2^{(K-1)P}C(P, n)^K)` (the
    Mitchison–Durbin counting argument at finite size)."""
    return min(1.0, math.exp((k - 1) * p * math.log(2) + k * math.log(cover_probability(p, n))))


def counting_bound(k: int, n: int) -> int:
    """The largest :math:`P` at which :func:`counting_probability` is at least 1/2 (the counting bound's median)."""
    p = 1
    while counting_probability(p + 1, k, n) >= 0.5:
        p += 1
    return p


def longest_storable_prefix(rule: str, branches: list[np.ndarray], labels: np.ndarray, *, solver=None) -> dict:
    r""":math:`P^*` of one instance (branch inputs ``branches[k]`` of shape (P, n), labels :math:`\pm1`), with the
    certification of the storing representation at :math:`P^*`.

    Returns ``{"p_star", "complete" (every labelling list certified complete), "witness" ("certified" when every
    branch's labelling at :math:`P^*` is certified separable by the LP)}``.
    """
    lists, complete = zip(*(separable_labellings(x) for x in branches))
    target = _bits(labels)
    low, high = 0, len(labels)
    representation = storing_representation(rule, list(lists), target, high)
    if representation is not None:
        low = high
    while high - low > 1:  # storable(low), with its representation; not storable(high)
        middle = (low + high) // 2
        found = storing_representation(rule, list(lists), target, middle)
        if found is not None:
            low, representation = middle, found
        else:
            high = middle
    witness = "none"
    if low > 0:
        verdicts = []
        for x, mask in zip(branches, representation):
            signs = np.where((mask >> np.arange(low)) & 1, 1.0, -1.0)
            program = make_program(x.shape[1], low, kappa=0.0, solver=solver)
            verdicts.append(str(getattr(v := program.certify(signs[:, None] * x[:low], 0.0).verdict, "value", v)))
        witness = "certified" if all(v == "separable" for v in verdicts) else "doubtful"
    return {"p_star": low, "complete": all(complete), "witness": witness}


def committee_instance(rule: str, k: int, n: int, patterns: int, seed: int, trial: int, solver=None) -> dict:
    """:math:`P^*` of one instance (Gaussian inputs, random labels) drawn from ``(seed, K, n, trial, parity)``."""
    rng = np.random.default_rng([seed, k, n, trial, rule == "parity"])
    branches = [rng.standard_normal((patterns, n)) for _ in range(k)]
    labels = rng.choice([-1.0, 1.0], size=patterns)
    result = longest_storable_prefix(rule, branches, labels, solver=solver)
    return {"rule": rule, "K": k, "n": n, "N": k * n, "trial": trial, **result,
            "saturated": result["p_star"] == patterns}


def committee_trials(rule: str, k: int, n: int, *, trials: int = 20, seed: int = 0, patterns: int | None = None,
                     solver=None, ensemble=None) -> pd.DataFrame:
    """:math:`P^*` of ``trials`` random instances (:func:`committee_instance`) of a tree machine with :math:`K`
    branches of :math:`n` inputs; one row per instance. The instances run through ``ensemble``
    (:class:`capacity.checks.base.Ensemble`) if given, otherwise in this process."""
    k = check_int("K", k, 1, 3)
    n = check_int("n", n, 1, largest_branch_size(rule, k))
    trials = check_int("trials", trials, 1, 10**5)
    if patterns is None:  # beyond which the counting bound leaves a storable instance probability below 1e-6
        patterns = next(p for p in range(1, MAX_PATTERNS + 1) if counting_probability(p, k, n) < 1e-6 or
                        p == MAX_PATTERNS)
    patterns = check_int("patterns", patterns, 1, MAX_PATTERNS)
    tasks = [(rule, k, n, patterns, seed, trial, solver) for trial in range(trials)]
    rows = (ensemble.run(committee_instance, tasks, f"K = {k}, n = {n} instances") if ensemble is not None
            else [committee_instance(*task) for task in tasks])
    return pd.DataFrame(rows)


def _counting_p_value(run: pd.DataFrame, k: int, n: int) -> float:
    """Smallest one-sided binomial p-value, over P, of the storable counts against :func:`counting_probability`."""
    from scipy import stats

    values = []
    for p in range(1, int(run.p_star.max()) + 1):
        storable = int((run.p_star >= p).sum())
        values.append(stats.binom.sf(storable - 1, len(run), counting_probability(p, k, n)))
    return float(min(values))


def largest_branch_size(rule: str, k: int) -> int:
    r"""The largest branch size :math:`n` the enumeration runs at: 4 for the committee and parity rules (their
    dedicated searches), 3 for another rule of :math:`K \le 2` signs and 2 for one of 3 signs (a pair search per
    labelling of the first branch)."""
    if rule in ("committee", "parity") or k == 1:
        return 4
    return 3 if k == 2 else 2


def _rs_capacity(rule: str, k: int) -> float:
    """The RS capacity the check reports: the one-dimensional reduction for committee and parity, else the storing
    set's Monte Carlo estimate (:func:`replica.tree_machine.solve_tree_machine`)."""
    if rule in ("committee", "parity") and (rule == "parity" or k % 2):
        return rs_capacity(rule, k)
    return float(solve_tree_machine(k, rule).quantities["alpha_c"])


def verify_committee(K: int = 3, rule: str = "committee", *, sizes=(2, 3), trials: int = 20, seed: int = 0,
                     solver: str = "NNLS", execution: Execution | None = None,
                     model: str = "committee") -> Verification:
    r"""Exact finite-N storage of tree machines against the RS capacity, the counting bound and Cover.

    For each branch size :math:`n` in ``sizes``: :math:`P^*` of ``trials`` instances of the :math:`K`-branch machine
    (:math:`N = Kn`), its median with a confidence interval, :math:`P^*/N` next to :math:`\alpha_c^{RS}`, and the
    counting bound: at every :math:`P` the number of instances storing :math:`P` patterns is tested (one-sided,
    binomial) against the bound :func:`counting_probability` (``counting_p_value``, the smallest over :math:`P`). The pipeline is first checked on :math:`K = 1` (the perceptron) against
    Cover's :math:`C(P, n)` by an exact binomial test (``cover_p_value``); ``cover_p_value_one_more_input`` is the
    same test against :math:`C(P, n + 1)`, which the check should reject (its power).

    ``status`` is ``success`` when every labelling list is certified complete, every storing representation is
    certified by the LP, no instance stores all its patterns, the counts respect the counting bound
    (``counting_p_value > 1e-3``) and the :math:`K = 1` check is consistent with Cover. The RS capacity is *reported*, not tested: it is unstable (:func:`replica.tree_machine.solve_committee`)
    and at these sizes far above what the counting bound allows.
    """
    execution = execution or Execution()
    if model == "committee":
        rule, k = check_machine(rule, K)
    else:  # any Boolean rule, validated by its truth table
        k = check_int("K", K, 1, 3)
        BooleanRule(rule, k)
    if k > 3:
        raise ParameterError("K", f"the exact enumeration is run for K in [1, 3]; got {k}")
    trials = check_int("trials", trials, 2, 10**5)
    sizes = [check_int("n", n, 1, largest_branch_size(rule, k)) for n in sizes]
    capacity = _rs_capacity(rule, k)
    params = {"K": k, "rule": rule, "n": sizes, "trials": trials, "seed": seed, "solver": solver}
    rows, instances = [], []
    with execution.ensemble({"model": model, **params}) as ensemble:
        for n in sizes:
            run = committee_trials(rule, k, n, trials=trials, seed=seed, solver=solver, ensemble=ensemble)
            instances.append(run)
            median, lower, upper = median_interval(run.p_star)
            rows.append({"n": n, "N": k * n, "median_P_star": median, "ci_low": lower, "ci_high": upper,
                         "alpha_star": median / (k * n), "alpha_c_RS": capacity,
                         "counting_bound": counting_bound(k, n), "max_P_star": int(run.p_star.max()),
                         "counting_p_value": _counting_p_value(run, k, n),
                         "incomplete": int((~run.complete).sum()),
                         "doubtful_witnesses": int((run.witness == "doubtful").sum()),
                         "saturated": int(run.saturated.sum())})
        # the same pipeline on one branch, where Cover's theorem is exact; each instance is judged at one load only
        # (the verdicts of one instance at several prefixes are not independent)
        n_last = sizes[-1]
        loads = np.arange(1, 4 * n_last + 1)
        one_branch = rule if model == "committee" else "01"  # a general rule's pipeline runs the identity rule
        perceptron = committee_trials(one_branch, 1, n_last, trials=len(loads) * 8, seed=seed + 1, solver=solver,
                                      patterns=4 * n_last, ensemble=ensemble)
    table = pd.DataFrame(rows)
    cover, wrong = prefix_cover_tests(perceptron, loads, n_last)
    within_bound = bool((table.counting_p_value > 1e-3).all())
    ok = (table.incomplete.sum() == 0 and table.doubtful_witnesses.sum() == 0 and table.saturated.sum() == 0
          and within_bound and cover.consistent())
    return Verification(
        model, params, {"alpha_c": capacity, "counting_bound": table.counting_bound.tolist()},
        {"median_P_star": table.median_P_star.tolist(), "cover_p_value": cover.p_value,
         "cover_p_value_one_more_input": wrong.p_value, "counting_p_value": table.counting_p_value.tolist()},
        {"table": table, "instances": pd.concat(instances, ignore_index=True)}, "success" if ok else "failure",
        f"exact enumeration of internal representations (LP-certified witnesses); K = 1 against Cover: "
        f"p = {cover.p_value:.3g}; storable fractions within the counting bound: {within_bound}; the RS capacity "
        f"{capacity:.4g} is unstable and is reported, not tested")


def _run(K=3, rule="committee", n=(2, 3), trials=20, seed=0, solver="NNLS", execution=None):
    return verify_committee(K, rule, sizes=n, trials=trials, seed=seed, solver=solver, execution=execution)


CHECKS = (Check(
    "committee", "largest storable prefix P* by exact enumeration of internal representations, against the counting "
                 "bound and (K = 1) Cover's theorem",
    (replace(COMMITTEE.parameter("K"), high=3, description="hidden units (1 to 3 for the exact enumeration)"),
     COMMITTEE.parameter("rule"),
     ParameterSpec("n", "inputs per hidden unit (4 takes minutes per instance)", default=(2, 3), low=1,
                   high=4, kind="list", item="integer")),
    (trials_setting(20, high=10**5), seed_setting(), solver_setting(available_solvers(), "NNLS")),
    _run, smoke={"K": 1, "n": (2,), "trials": 4}),)
