r"""The ``tree-machine`` check: a tree machine declared by any Boolean rule (exact enumeration of internal
representations, :func:`capacity.checks.committee.verify_committee`) or by a piecewise-linear activation, or
:math:`ah^2` (exact enumeration of activation patterns, this module; :func:`kink_slopes`).

Activations
-----------

A network of :math:`K = 2` branches with :math:`n` inputs each stores :math:`P` labelled patterns iff some weights
give :math:`y^\mu\sum_k c_k\,g(w_k\cdot x_k^\mu) > 0` for every :math:`\mu`. For an activation linear on each side
of one kink at 0 (:math:`g(h) = a_+h` for :math:`h \ge 0`, :math:`a_-h` below: ReLU, leaky ReLU, :math:`|h|`, the
identity), the signs :math:`s_k^\mu = \mathrm{sign}(w_k\cdot x_k^\mu)` — each branch's *activation pattern* — are a
labelling of the branch's points by a hyperplane through the origin, and once they are fixed the conditions are
linear in :math:`(w_1, w_2)`:

.. math:: s_k^\mu\,w_k\cdot x_k^\mu \ge 0, \qquad y^\mu\sum_k c_k a_{s_k^\mu}\,w_k\cdot x_k^\mu \ge 1

(the cone is scale-free, so a strict output margin is margin 1). The activation patterns are listed exactly, from
the rays of each branch's arrangement, complete by Cover's count (:func:`capacity.checks.committee.
separable_labellings`); a pair of patterns is skipped when some pattern has no term that can carry its label's sign
(for ReLU with the readout (1, -1), a positive label needs the first branch active); each remaining pair is one
least-distance program (:func:`replica.least_distance.least_distance`, Lawson & Hanson 1974). Verdicts:

- *stored*: the program's weights, put through the network itself, give every output its label's sign with a
  margin above rounding (no assumption on the program);
- *not stored*: every pair's program returns a Farkas combination :math:`u \ge 0` whose :math:`A^\top u` vanishes
  to rounding (:math:`\le 10^{-9}\,|u|_1\max_i|A_i|`), with :math:`h^\top u = 1`;
- otherwise *doubtful*, and the instance is not counted as either.

The largest storable prefix :math:`P^*` is found by bisection. The pipeline is checked on the identity activation,
where the network is a perceptron on :math:`2n` inputs and Cover's :math:`C(P, 2n)` is exact.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from replica.errors import ParameterError
from replica.field_sets import linear_segments, parse_activation, pure_quadratic, readout_vector
from replica.least_distance import least_distance_system, solve_least_distance_system
from replica.models.tree_machine import TREE_MACHINE
from replica.parameters import ParameterSpec
from replica.tree_machine import solve_tree_machine
from replica.validation import check_int

from ..cover import prefix_cover_tests
from ..estimates import median_interval
from ..programs import available_solvers
from ..verification import Verification
from .base import Check, Execution, seed_setting, solver_setting, trials_setting
from .committee import MAX_PATTERNS, _bits, separable_labellings, verify_committee

__all__ = ["kink_slopes", "storing_weights", "longest_storable_prefix", "treelike_instance", "verify_treelike",
           "FARKAS_TOLERANCE", "OUTPUT_TOLERANCE", "CHECKS"]

#: A Farkas combination counts as exact when |A^T u| <= this * |u|_1 * (largest row norm).
FARKAS_TOLERANCE = 1e-9
#: A witness counts when every signed output exceeds this * sum_k |c_k| |w_k| |x_k|.
OUTPUT_TOLERANCE = 1e-9
#: Branches the enumeration runs with.
BRANCHES = 2


def kink_slopes(activation) -> tuple[float, float]:
    r"""``(a_-, a_+)`` of an activation linear on each side of one kink at 0 with :math:`g(0) = 0`.

    A pure quadratic :math:`g = ah^2` is decided as :math:`\mathrm{sign}(a)\,|h|`: with readouts :math:`c_k = \pm1`
    the two-branch output :math:`c_1ah_1^2 + c_2ah_2^2` has the sign of :math:`c_1\mathrm{sign}(a)|h_1| +
    c_2\mathrm{sign}(a)|h_2|` (squaring preserves the order of :math:`|h_1|` and :math:`|h_2|`), so both networks
    store the same patterns at zero margin.

    Raises
    ------
    ParameterError
        Naming ``activation`` when it has another kink, an intercept, or is not piecewise linear.
    """
    g = parse_activation(activation)
    quadratic = pure_quadratic(g)
    if quadratic is not None and quadratic[1] == 0:
        return (-1.0, 1.0) if quadratic[0] > 0 else (1.0, -1.0)
    segments = linear_segments(g)
    if segments is None:
        raise ParameterError("activation", f"the finite-size check needs a piecewise-linear activation (storage "
                                           f"is then a union of linear programs, decided exactly); got {g}, whose "
                                           "RS capacity `replica solve tree-machine` gives")
    wide = [s for s in segments if s[0] != s[1]]
    if any(s[3] != 0 for s in segments) or any(0 < abs(end) < math.inf for s in wide for end in s[:2]):
        raise ParameterError("activation", f"the finite-size check needs one kink, at 0, and g(0) = 0 (ReLU, leaky "
                                           f"ReLU, |h|, h); got {g}")
    below = [s[2] for s in wide if s[0] < 0]  # the segment reaching below 0 (the identity has one segment)
    above = [s[2] for s in wide if s[1] > 0]
    return float(below[0]), float(above[0])


def _branch_rows(points: np.ndarray, mask: int, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Signs of the activation pattern ``mask`` on the first ``p`` points, and the signed rows."""
    signs = np.where((mask >> np.arange(p)) & 1, 1.0, -1.0)
    return signs, signs[:, None] * points[:p]


def storing_weights(branches, labels, masks, slopes, readout, p: int):
    r"""The least-distance program of one pair of activation patterns on the first ``p`` patterns:
    ``("stored", w)`` with a witness verified through the network, ``("empty", None)`` with an exact Farkas
    combination, or ``("doubtful", None)``."""
    n = branches[0].shape[1]
    rows, offsets, output = [], [], np.zeros((p, BRANCHES * n))
    for k, (points, mask) in enumerate(zip(branches, masks)):
        signs, signed = _branch_rows(points, mask, p)
        block = np.zeros((p, BRANCHES * n))
        block[:, k * n:(k + 1) * n] = signed
        rows.append(block)
        offsets.append(np.zeros(p))
        slope = np.where(signs > 0, slopes[1], slopes[0])
        output[:, k * n:(k + 1) * n] = (labels[:p] * readout[k] * slope)[:, None] * points[:p]
    matrix = np.vstack([*rows, output])
    offset = np.concatenate([*offsets, np.ones(p)])
    weights, u = solve_least_distance_system(*least_distance_system(matrix, offset))
    combination = matrix.T @ u
    if np.linalg.norm(combination) <= FARKAS_TOLERANCE * u.sum() * np.max(np.linalg.norm(matrix, axis=1)) \
            and offset @ u > 0.5:  # checked first: an inconsistent system's residual may round to either sign
        return "empty", None
    if weights is not None:
        fields = [points[:p] @ weights[k * n:(k + 1) * n] for k, points in enumerate(branches)]
        values = [np.where(f >= 0, slopes[1] * f, slopes[0] * f) for f in fields]
        signed_output = labels[:p] * sum(c * v for c, v in zip(readout, values))
        scale = sum(abs(c) * np.linalg.norm(weights[k * n:(k + 1) * n]) * np.linalg.norm(points[:p], axis=1)
                    for k, (c, points) in enumerate(zip(readout, branches)))
        if np.all(signed_output > OUTPUT_TOLERANCE * scale):
            return "stored", weights
    return "doubtful", None


def _candidate_pairs(lists, target: int, mask: int, slopes, readout):
    """Pairs of activation patterns in which every pattern has a term that can carry its label's sign."""
    def capable(masks, c):  # patterns whose term y c g(w.x) can be positive, per pattern mask of the branch
        positive = {s: (target if c * slopes[s > 0] * s > 0 else ~target & mask if c * slopes[s > 0] * s < 0 else 0)
                    for s in (1, -1)}
        return (masks & positive[1]) | (~masks & mask & positive[-1])
    first, second = capable(lists[0], readout[0]), capable(lists[1], readout[1])
    good = (first[:, None] | second[None, :]) == mask
    return [(int(lists[0][i]), int(lists[1][j])) for i, j in np.argwhere(good)]


def _storable(branches, labels, lists, p, slopes, readout) -> str:
    """``stored``, ``empty`` (certified) or ``doubtful`` for the first ``p`` patterns."""
    mask = (1 << p) - 1
    prefix = [np.unique(d & mask) for d in lists]
    target = _bits(labels[:p])
    verdicts = set()
    for pair in _candidate_pairs(prefix, target, mask, slopes, readout):
        verdict, _ = storing_weights(branches, labels, pair, slopes, readout, p)
        if verdict == "stored":
            return "stored"
        verdicts.add(verdict)
    return "doubtful" if "doubtful" in verdicts else "empty"


def longest_storable_prefix(branches, labels, slopes, readout) -> dict:
    """:math:`P^*` of one instance and whether every verdict on the way was certified."""
    lists, complete = zip(*(separable_labellings(x) for x in branches))
    low, high = 0, len(labels)
    certain = all(complete)
    top = _storable(branches, labels, lists, high, slopes, readout)
    if top == "stored":
        return {"p_star": high, "complete": certain, "verdict": "saturated"}
    certain &= top == "empty"
    while high - low > 1:
        middle = (low + high) // 2
        verdict = _storable(branches, labels, lists, middle, slopes, readout)
        if verdict == "doubtful":
            return {"p_star": None, "complete": certain, "verdict": "doubtful"}
        low, high = (middle, high) if verdict == "stored" else (low, middle)
    return {"p_star": low, "complete": certain, "verdict": "certified" if certain else "doubtful"}


def treelike_instance(activation: str, readout: str, n: int, patterns: int, seed: int, trial: int) -> dict:
    """:math:`P^*` of one instance (Gaussian inputs, random labels) drawn from ``(seed, n, trial)``."""
    rng = np.random.default_rng([seed, BRANCHES, n, trial, 7])
    branches = [rng.standard_normal((patterns, n)) for _ in range(BRANCHES)]
    labels = rng.choice([-1.0, 1.0], size=patterns)
    result = longest_storable_prefix(branches, labels, kink_slopes(activation), readout_vector(readout, BRANCHES))
    return {"activation": activation, "n": n, "N": BRANCHES * n, "trial": trial, **result}


def _trials(activation, readout, n, patterns, trials, seed, ensemble):
    tasks = [(activation, readout, n, patterns, seed, trial) for trial in range(trials)]
    rows = (ensemble.run(treelike_instance, tasks, f"{activation}, n = {n} instances") if ensemble is not None
            else [treelike_instance(*task) for task in tasks])
    return pd.DataFrame(rows)


def verify_treelike(activation: str = "relu(h)", readout: str = "alternating", *, sizes=(2, 3), trials: int = 20,
                    seed: int = 0, execution: Execution | None = None) -> Verification:
    r"""Exact finite-N storage of a two-branch treelike network, with the pipeline checked against Cover.

    For each branch size :math:`n`: :math:`P^*` of ``trials`` instances (:math:`N = 2n`), its median with a
    confidence interval, :math:`P^*/N` next to the RS capacity of the storing set (reported, not tested: the set is
    a union and the RS value an estimate). The identity activation with readout (1, -1), the same pipeline, is a
    perceptron on :math:`2n` inputs: each of its instances is judged at one load against Cover's :math:`C(P, 2n)`
    by an exact binomial test (``cover_p_value``), and against :math:`C(P, 2n + 1)`, which it should reject
    (``cover_p_value_one_more_input``).

    ``status`` is ``success`` when every verdict is certified, no instance stores all its patterns and the identity
    pipeline is consistent with Cover; otherwise ``failure`` (with no estimate presented as agreeing).
    """
    execution = execution or Execution()
    kink_slopes(activation)  # refuses an activation the enumeration cannot decide, before anything runs
    trials = check_int("trials", trials, 2, 10**5)
    sizes = [check_int("n", n, 1, 3) for n in sizes]
    theory = solve_tree_machine(BRANCHES, activation=activation, readout=readout, samples=200_000, seed=seed)
    capacity = float(theory.quantities["alpha_c"])
    params = {"K": BRANCHES, "activation": activation, "readout": readout, "n": sizes, "trials": trials,
              "seed": seed}
    rows, instances = [], []
    with execution.ensemble({"model": "tree-machine", "method": "activation patterns", **params}) as ensemble:
        for n in sizes:
            patterns = min(MAX_PATTERNS, max(8, math.ceil(4 * capacity * BRANCHES * n)))
            run = _trials(activation, readout, n, patterns, trials, seed, ensemble)
            instances.append(run)
            certified = run[run.verdict == "certified"]
            median, lower, upper = median_interval(certified.p_star) if len(certified) else (math.nan,) * 3
            rows.append({"n": n, "N": BRANCHES * n, "median_P_star": median, "ci_low": lower, "ci_high": upper,
                         "alpha_star": median / (BRANCHES * n), "alpha_c_RS": capacity,
                         "doubtful": int((run.verdict == "doubtful").sum()),
                         "saturated": int((run.verdict == "saturated").sum())})
        n_first = min(sizes)  # the identity pipeline at the smallest size, with enough instances for power
        loads = np.arange(1, 4 * BRANCHES * n_first + 1)
        identity = _trials("h", "alternating", n_first, 4 * BRANCHES * n_first, len(loads) * 16, seed + 1, ensemble)
    table = pd.DataFrame(rows)
    cover, wrong = prefix_cover_tests(identity, loads, 2 * n_first)
    identity_ok = bool(identity.verdict.isin(["certified", "saturated"]).all())  # saturated: stores every load
    ok = (table.doubtful.sum() == 0 and table.saturated.sum() == 0 and identity_ok and cover.consistent())
    return Verification(
        "tree-machine", params, {"alpha_c": capacity},
        {"median_P_star": table.median_P_star.tolist(), "cover_p_value": cover.p_value,
         "cover_p_value_one_more_input": wrong.p_value},
        {"table": table, "instances": pd.concat(instances, ignore_index=True)}, "success" if ok else "failure",
        f"exact enumeration of activation patterns (witnesses verified through the network, Farkas combinations "
        f"for the rest); identity activation against Cover C(P, {2 * n_first}): p = {cover.p_value:.3g}; the RS "
        f"capacity {capacity:.4g} of the storing set (a union) is reported, not tested")


def _run(K=2, rule=None, activation=None, readout="ones", n=(2,), trials=20, seed=0, solver="NNLS", execution=None):
    if activation is None:
        return verify_committee(K, rule or "and", sizes=n, trials=trials, seed=seed, solver=solver,
                                execution=execution, model="tree-machine")
    if rule is not None:
        raise ParameterError("activation", f"give either a rule or an activation, not both; got rule={rule!r}, "
                                           f"activation={activation!r}")
    if K != BRANCHES:
        raise ParameterError("K", f"the activation-pattern enumeration runs with K = {BRANCHES} branches; got {K}")
    if solver != "NNLS":
        raise ParameterError("solver", f"the activation-pattern enumeration uses the least-distance program (NNLS) "
                                       f"only; got {solver!r}")
    return verify_treelike(activation, readout, sizes=n, trials=trials, seed=seed, execution=execution)


CHECKS = (Check(
    "tree-machine", "largest storable prefix P* of a tree machine with any Boolean rule (internal representations, "
                    "against the counting bound and Cover) or a piecewise-linear or a h^2 activation (activation "
                    "patterns, K = 2, against Cover on the identity)",
    (replace(TREE_MACHINE.parameter("K"), default=2, high=3,
             description="hidden units (1 to 3 for a rule, 2 for an activation)"),
     replace(TREE_MACHINE.parameter("rule"), description="output rule of the hidden signs (default and): committee, "
                                                         "parity, and, or, or a truth table of 2^K digits"),
     replace(TREE_MACHINE.parameter("activation"), description="piecewise-linear activation with one kink at 0 and "
                                                               "g(0) = 0 (relu(h), Abs(h), Max(h, 0.1*h), h)"),
     TREE_MACHINE.parameter("readout"),
     ParameterSpec("n", "inputs per hidden unit (at most 3 for K = 2, 2 for K = 3)", default=(2,), low=1, high=3,
                   kind="list", item="integer")),
    (trials_setting(20, high=10**5), seed_setting(), solver_setting(available_solvers(), "NNLS")),
    _run, smoke={"K": 2, "n": (2,), "trials": 4}),)
