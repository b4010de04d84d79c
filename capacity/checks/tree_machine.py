r"""The ``tree-machine`` check: a tree machine declared by any Boolean rule (exact enumeration of internal
representations, :func:`capacity.checks.committee.verify_committee`) or by an activation: with two branches, the
activation patterns of this module for an activation with one kink at 0, or :math:`ah^2` (:func:`kink_slopes`),
with branch norms free; or, with two or three branches, for any activation the RS theory covers and any output
margin, the branch and bound of :mod:`capacity.sphere_search` on the branches' spheres, the theory's normalisation
(:func:`resolve_method`).

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

Nothing here fixes a branch's norm: for a positively homogeneous activation a branch's norm acts as a positive
readout weight the network learns, so this method decides a network at least as able as the one with spherical
branches (on the same instances its :math:`P^*` is never smaller).

The largest storable prefix :math:`P^*` is found by bisection (:func:`bisect_prefix`, shared by both methods). The
pipeline is checked on a network whose storage is known exactly (:data:`PIPELINES`): for the activation patterns
the identity, a perceptron on :math:`2n` inputs (Cover's :math:`C(P, 2n)`); on two spheres the sign with readout
(1, 1), which stores a pattern iff both branches give its label (:math:`C(P, n)^2`); on three spheres the sign with
readout (1, 1, 1), the committee machine, against the committee's enumeration instance by instance.
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
from replica.validation import check_int, check_real

from ..cover import prefix_cover_tests
from ..estimates import median_interval
from ..programs import available_solvers
from ..sphere_search import ActivationBounds, search_spheres
from ..verification import Verification
from .base import Check, Execution, method_setting, seed_setting, solver_setting, trials_setting
from .committee import MAX_PATTERNS, _bits, separable_labellings, verify_committee
from .committee import longest_storable_prefix as committee_longest_prefix

__all__ = ["kink_slopes", "storing_weights", "bisect_prefix", "longest_storable_prefix", "treelike_instance",
           "sphere_instance", "committee_pipeline_instance", "resolve_method", "verify_treelike", "METHODS",
           "LARGEST_N", "PIPELINES", "COMMITTEE_PIPELINE_TRIALS", "FARKAS_TOLERANCE",
           "OUTPUT_TOLERANCE", "CHECKS"]

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


def bisect_prefix(storable, patterns: int, complete: bool = True) -> dict:
    """:math:`P^*`, the largest storable prefix, by bisection over prefixes, and whether every verdict on the way
    was certified.

    ``storable(p)`` returns ``stored``, ``empty`` (certified) or ``doubtful`` for the first ``p`` patterns;
    ``complete`` is whether the inputs of those verdicts were themselves certified complete. The verdict is
    ``saturated`` when every pattern is stored, ``doubtful`` (with no :math:`P^*` when a doubtful prefix stopped
    the bisection) or ``certified``.
    """
    top = storable(patterns)
    if top == "stored":
        return {"p_star": patterns, "complete": complete, "verdict": "saturated"}
    certain = complete and top == "empty"
    low, high = 0, patterns
    while high - low > 1:
        middle = (low + high) // 2
        verdict = storable(middle)
        if verdict == "doubtful":
            return {"p_star": None, "complete": certain, "verdict": "doubtful"}
        low, high = (middle, high) if verdict == "stored" else (low, middle)
    return {"p_star": low, "complete": certain, "verdict": "certified" if certain else "doubtful"}


def longest_storable_prefix(branches, labels, slopes, readout) -> dict:
    """:math:`P^*` of one instance by the activation patterns (:func:`bisect_prefix`)."""
    lists, complete = zip(*(separable_labellings(x) for x in branches))
    return bisect_prefix(lambda p: _storable(branches, labels, lists, p, slopes, readout), len(labels),
                         all(complete))


def _draw(seed: int, k: int, n: int, trial: int, patterns: int):
    """The branches' Gaussian inputs and the random labels of instance ``(seed, K, n, trial)``: both methods decide
    the same instances."""
    rng = np.random.default_rng([seed, k, n, trial, 7])
    branches = [rng.standard_normal((patterns, n)) for _ in range(k)]
    return branches, rng.choice([-1.0, 1.0], size=patterns)


def treelike_instance(activation: str, readout: str, n: int, patterns: int, seed: int, trial: int) -> dict:
    """:math:`P^*` of one instance by the activation patterns (two branches, norms free)."""
    branches, labels = _draw(seed, BRANCHES, n, trial, patterns)
    result = longest_storable_prefix(branches, labels, kink_slopes(activation), readout_vector(readout, BRANCHES))
    return {"activation": activation, "n": n, "N": BRANCHES * n, "trial": trial, **result}


def sphere_instance(activation: str, readout: str, kappa: float, n: int, patterns: int, seed: int, trial: int,
                    k: int = BRANCHES) -> dict:
    """:math:`P^*` of one instance of :math:`K` branches with spherical weights, by branch and bound
    (:func:`capacity.sphere_search.search_spheres`), and the boxes it examined."""
    branches, labels = _draw(seed, k, n, trial, patterns)
    bounds = ActivationBounds(activation, max(float(np.linalg.norm(x, axis=1).max()) for x in branches))
    readout = readout_vector(readout, k)
    boxes = []

    def storable(p):
        verdict, _, examined = search_spheres([x[:p] for x in branches], labels[:p], bounds, readout, kappa)
        boxes.append(examined)
        return verdict

    result = bisect_prefix(storable, patterns)
    return {"activation": activation, "K": k, "n": n, "N": k * n, "trial": trial, **result, "boxes": sum(boxes)}


def committee_pipeline_instance(n: int, patterns: int, seed: int, trial: int) -> dict:
    r"""One instance of three branches decided twice: the sign activation with readout (1, 1, 1) on the spheres, and
    the committee rule by the exact enumeration of internal representations
    (:func:`capacity.checks.committee.longest_storable_prefix`); :math:`y\sum_k\mathrm{sign}(h_k) > 0` is the
    majority, so the two :math:`P^*` must be equal."""
    row = sphere_instance("sign(h)", "ones", 0.0, n, patterns, seed, trial, k=3)
    branches, labels = _draw(seed, 3, n, trial, patterns)
    enumeration = committee_longest_prefix("committee", branches, labels)
    return {**row, "p_star_enumeration": enumeration["p_star"],
            "enumeration_certified": enumeration["complete"] and enumeration["witness"] in ("certified", "none")}


def _trials(method, activation, readout, kappa, k, n, patterns, trials, seed, ensemble):
    if method == "patterns":
        function, tasks = treelike_instance, [(activation, readout, n, patterns, seed, t) for t in range(trials)]
    else:
        function = sphere_instance
        tasks = [(activation, readout, kappa, n, patterns, seed, t, k) for t in range(trials)]
    return _run_tasks(function, tasks, f"{activation}, n = {n} instances", ensemble)


def _run_tasks(function, tasks, description, ensemble):
    rows = ensemble.run(function, tasks, description) if ensemble is not None else [function(*t) for t in tasks]
    return pd.DataFrame(rows)


#: The finite-size methods for an activation, with the name the record of a sweep keeps.
METHODS = {"patterns": "activation patterns", "spheres": "branch and bound on the spheres"}
#: Largest branch size n of each (method, K).
LARGEST_N = {("patterns", 2): 3, ("spheres", 2): 3, ("spheres", 3): 2}
#: The two-branch pipeline check of each method: (activation, readout, Cover dimension per branch size n,
#: independent perceptrons B): the identity with free norms is one perceptron on 2n inputs, C(P, 2n); the sign on
#: spheres is two perceptrons on n inputs that must give the same labels, C(P, n)^2. With three branches the sign on
#: spheres is the committee machine, decided again by its enumeration (:func:`committee_pipeline_instance`).
PIPELINES = {"patterns": ("h", "alternating", 2, 1), "spheres": ("sign(h)", "ones", 1, 2)}
#: Instances of the three-branch pipeline.
COMMITTEE_PIPELINE_TRIALS = 32


def resolve_method(activation, method: str = "auto") -> str:
    """``patterns`` or ``spheres``: ``auto`` takes the activation patterns where they decide (one kink at 0, or
    :math:`ah^2`), the spheres otherwise."""
    if method not in ("auto", *METHODS):
        raise ParameterError("method", f"must be auto, patterns or spheres; got {method!r}")
    if method != "auto":
        return method
    try:
        kink_slopes(activation)
    except ParameterError:
        return "spheres"
    return "patterns"


def _validate(activation, kappa, k, method, sizes) -> tuple[str, float, int, list]:
    """The method, margin, branches and sizes of a check, validated before anything runs."""
    method = resolve_method(activation, method)
    kappa = check_real("kappa", kappa, 0.0, 10.0)
    if method == "patterns":
        kink_slopes(activation)  # refuses an activation the enumeration cannot decide
        if kappa != 0:
            raise ParameterError("kappa", f"the activation patterns decide margin 0 only (their cone is scale-free); "
                                          f"got {kappa:g}: use method spheres for a margin")
    else:
        ActivationBounds(activation, 10.0)
    largest = {kk: n for (m, kk), n in LARGEST_N.items() if m == method}
    if k not in largest:
        raise ParameterError("K", f"the {METHODS[method]} run with K in {sorted(largest)} branches; got {k}")
    return method, kappa, k, [check_int("n", n, 1, largest[k]) for n in sizes]


def verify_treelike(activation: str = "relu(h)", readout: str = "alternating", kappa: float = 0.0, *, K: int = 2,
                    method: str = "auto", sizes=(2, 3), trials: int = 20, seed: int = 0,
                    execution: Execution | None = None) -> Verification:
    r"""Exact finite-N storage of a treelike network with an activation, with the pipeline checked exactly.

    Two methods decide the same instances (:func:`resolve_method`):

    - ``patterns`` (this module's enumeration, :math:`K = 2`): weights free in norm, so for a positively
      homogeneous activation each branch's norm acts as a positive readout weight the network learns; margin 0
      only;
    - ``spheres`` (:mod:`capacity.sphere_search`, :math:`K = 2` with :math:`n \le 3` or :math:`K = 3` with
      :math:`n \le 2`): spherical weights on each branch, the normalisation of the RS theory, for any activation
      it covers (piecewise linear, :math:`ah^2 + b`, monotone) and any margin ``kappa``.

    For each branch size :math:`n`: :math:`P^*` of ``trials`` instances (:math:`N = Kn`), its median with a
    confidence interval, :math:`P^*/N` next to the RS capacity of the storing set (reported, not tested: the set is
    a union or not convex, and the RS value an estimate). The pipeline runs at the smallest size on a network whose
    storage is known exactly (on the spheres at :math:`n \ge 2`, where boxes are halved and discarded):

    - ``patterns``: the identity with readout (1, -1), a perceptron on :math:`2n` inputs, against Cover's
      :math:`C(P, 2n)`, and ``spheres`` with two branches: the sign with readout (1, 1), which stores a pattern iff
      both branches give its label, against :math:`C(P, n)^2` (:data:`PIPELINES`). Each instance is judged at one
      load by an exact binomial test (``cover_p_value``), and against the law with one more input per branch, which
      it should reject (``cover_p_value_one_more_input``);
    - ``spheres`` with three branches: the sign with readout (1, 1, 1) is the committee machine, and each of
      :data:`COMMITTEE_PIPELINE_TRIALS` instances must have the :math:`P^*` of the committee's exact enumeration
      (``enumeration_mismatches``, :func:`committee_pipeline_instance`).

    ``status`` is ``success`` when every verdict is certified, no instance stores all its patterns and the pipeline
    agrees with its exact answer; otherwise ``failure`` (with no estimate presented as agreeing).
    """
    execution = execution or Execution()
    method, kappa, k, sizes = _validate(activation, kappa, K, method, sizes)
    trials = check_int("trials", trials, 2, 10**5)
    theory = solve_tree_machine(k, activation=activation, readout=readout, kappa=kappa, samples=200_000, seed=seed)
    capacity = float(theory.quantities["alpha_c"])
    params = {"K": k, "activation": activation, "readout": readout, "n": sizes, "trials": trials, "seed": seed}
    if method == "spheres":
        params["kappa"] = kappa
    rows, instances = [], []
    # the pipeline at the smallest size, with enough instances for power; on the spheres at n >= 2, where boxes are
    # halved and discarded (at n = 1 each sphere is two points)
    n_first = max(min(sizes), 2) if method == "spheres" else min(sizes)
    with execution.ensemble({"model": "tree-machine", "method": METHODS[method], **params}) as ensemble:
        for n in sizes:
            patterns = min(MAX_PATTERNS, max(8, math.ceil(4 * capacity * k * n)))
            run = _trials(method, activation, readout, kappa, k, n, patterns, trials, seed, ensemble)
            instances.append(run)
            certified = run[run.verdict == "certified"]
            median, lower, upper = median_interval(certified.p_star) if len(certified) else (math.nan,) * 3
            rows.append({"n": n, "N": k * n, "median_P_star": median, "ci_low": lower, "ci_high": upper,
                         "alpha_star": median / (k * n), "alpha_c_RS": capacity,
                         "doubtful": int((run.verdict == "doubtful").sum()),
                         "saturated": int((run.verdict == "saturated").sum())})
        if k == BRANCHES:
            pipeline_activation, pipeline_readout, per_branch, independent = PIPELINES[method]
            dimension = per_branch * n_first
            loads = np.arange(1, 4 * dimension + 1)
            pipeline = _trials(method, pipeline_activation, pipeline_readout, 0.0, k, n_first, 4 * dimension,
                               len(loads) * 16, seed + 1, ensemble)
        else:
            tasks = [(n_first, min(MAX_PATTERNS, 12 * k * n_first), seed + 1, t)
                     for t in range(COMMITTEE_PIPELINE_TRIALS)]
            pipeline = _run_tasks(committee_pipeline_instance, tasks, "sign(h) against the committee", ensemble)
    table = pd.DataFrame(rows)
    pipeline_ok = bool(pipeline.verdict.isin(["certified", "saturated"]).all())  # saturated: stores every load
    if k == BRANCHES:
        cover, wrong = prefix_cover_tests(pipeline, loads, dimension, independent)
        law = f"C(P, {dimension})" + ("^2" if independent == 2 else "")
        pipeline_estimate = {"cover_p_value": cover.p_value, "cover_p_value_one_more_input": wrong.p_value}
        pipeline_ok &= cover.consistent()
        pipeline_text = f"{pipeline_activation} with readout {pipeline_readout} against {law}: p = {cover.p_value:.3g}"
    else:
        mismatches = int((pipeline.p_star != pipeline.p_star_enumeration).sum())
        pipeline_estimate = {"enumeration_mismatches": mismatches}
        pipeline_ok &= mismatches == 0 and bool(pipeline.enumeration_certified.all())
        pipeline_text = (f"sign(h) with readout ones against the committee's enumeration: {mismatches} of "
                         f"{len(pipeline)} instances differ")
    ok = table.doubtful.sum() == 0 and table.saturated.sum() == 0 and pipeline_ok
    how = ("exact enumeration of activation patterns (witnesses verified through the network, Farkas combinations "
           "for the rest)" if method == "patterns" else
           "exact branch and bound over the branches' spheres (witnesses evaluated through the network, every other "
           "box excluded by the activation's exact range)")
    return Verification(
        "tree-machine", params, {"alpha_c": capacity},
        {"median_P_star": table.median_P_star.tolist(), **pipeline_estimate},
        {"table": table, "instances": pd.concat(instances, ignore_index=True)}, "success" if ok else "failure",
        f"{how}; {pipeline_text}; the RS capacity {capacity:.4g} of the storing set is reported, not tested")


def _run(K=2, rule=None, activation=None, readout="ones", kappa=0.0, n=(2,), trials=20, seed=0, solver="NNLS",
         method="auto", execution=None):
    if activation is None:
        if kappa != 0 or method != "auto":
            name = "kappa" if kappa != 0 else "method"
            raise ParameterError(name, f"a Boolean rule is checked at margin 0 by its internal representations; got "
                                       f"kappa={kappa:g}, method={method!r}")
        return verify_committee(K, rule or "and", sizes=n, trials=trials, seed=seed, solver=solver,
                                execution=execution, model="tree-machine")
    if rule is not None:
        raise ParameterError("activation", f"give either a rule or an activation, not both; got rule={rule!r}, "
                                           f"activation={activation!r}")
    if solver != "NNLS":
        raise ParameterError("solver", f"the finite-size check of an activation uses no convex solver (least-distance "
                                       f"programs, or branch and bound); got {solver!r}")
    return verify_treelike(activation, readout, kappa, K=K, method=method, sizes=n, trials=trials, seed=seed,
                           execution=execution)


CHECKS = (Check(
    "tree-machine", "largest storable prefix P* of a tree machine with any Boolean rule (internal representations, "
                    "against the counting bound and Cover) or activation (K = 2: activation patterns against Cover on "
                    "the identity, or branch and bound on the branches' spheres against Cover on the sign)",
    (replace(TREE_MACHINE.parameter("K"), default=2, high=3,
             description="hidden units (1 to 3 for a rule; 2 for an activation, or 3 on the spheres)"),
     replace(TREE_MACHINE.parameter("rule"), description="output rule of the hidden signs (default and): committee, "
                                                         "parity, and, or, or a truth table of 2^K digits"),
     replace(TREE_MACHINE.parameter("activation"), description="activation g(h) in sympy: piecewise linear "
                                                               "(relu(h), Abs(h), Max(h, 0.1*h), Min(Max(h, -1), 1)), "
                                                               "a*h**2 + b, or monotone (erf(h), tanh(2*h))"),
     TREE_MACHINE.parameter("readout"),
     replace(TREE_MACHINE.parameter("kappa"), description="output margin of an activation (method spheres)"),
     ParameterSpec("n", "inputs per hidden unit (at most 3 for K = 2, 2 for K = 3)", default=(2,), low=1, high=3,
                   kind="list", item="integer")),
    (trials_setting(20, high=10**5), seed_setting(), solver_setting(available_solvers(), "NNLS"),
     method_setting(("auto", *METHODS), "auto")),
    _run, smoke={"K": 2, "n": (2,), "trials": 4}),)
