r"""Exact finite-d check of the associative memory with top-:math:`k` recall, by enumerating each association's arcs.

With top-:math:`k` recall an association is stored when its correct target is among the :math:`k` best scores: at
most :math:`k - 1` of its :math:`p - 1` competitors score above it,

.. math:: \#\{\nu:\ g_{\mu\nu}\cdot W x_\mu < 0\} \le k - 1, \qquad g_{\mu\nu} = y_\mu - y^{(\mu)}_\nu

(margin :math:`\kappa = 0`). The storing set is a union of polyhedra (the ways of choosing the exempt competitors),
so the RS capacity (:class:`replica.field_sets.CompetitorSet` with ``top=k``) is only an estimate, and the
finite-size check is an exact search over the union's members, as for the tree machines
(:mod:`capacity.checks.committee`). At :math:`d = 2` the search is small because each association's condition
involves only the direction of :math:`u_\mu = W x_\mu \in \mathbb R^2`:

1. the lines :math:`\{u: g_{\mu\nu}\cdot u = 0\}` cut the circle of directions into :math:`2(p - 1)` sectors, on each
   of which the number of negative gaps is constant; the allowed directions (at most :math:`k - 1` negative) are a
   union of arcs, and each arc is cut at its sectors' boundaries into *pieces* narrower than :math:`\pi`. A piece is
   the open convex cone bounded by two of the lines, :math:`\{u: s_a g_a\cdot u > 0,\ s_b g_b\cdot u > 0\}`, so
   choosing one piece per association leaves linear constraints on :math:`W` (two rows per association);
2. the choices are searched depth first, associations with the fewest pieces first; every partial choice is decided
   by the certified least-distance program (:func:`capacity.programs.make_program`): a separator continues the
   branch, a Farkas combination prunes it, and a doubtful verdict is kept (the instance is doubtful unless another
   branch stores it). A parent's separator that already satisfies the next piece with a certified margin spares
   the program;
3. a storing choice is re-checked on the memory itself: the separator :math:`W` is scored against every
   competitor of every association, and the number of competitors above the correct score (beyond rounding) must
   be at most :math:`k - 1`.

The first unstorable number of associations :math:`p^*` is bracketed from the RS estimate by the search the
memory's LP check uses (:func:`capacity.prefix_search.first_unseparable_prefix`): storage is monotone in the
prefix, since a new association brings new competitors to the old ones. The pipeline is checked on every instance
at :math:`k = 1`, where the same arcs must give the threshold of the certified LP on all :math:`p(p - 1)` rows
(:func:`capacity.checks.lam.instance_threshold`), an independent program on different rows.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from replica.errors import ParameterError
from replica.lam import optimal_capacity
from replica.validation import check_int

from ..estimates import standard_error_of_mean
from ..experiments import run_trials
from ..prefix_search import first_unseparable_prefix
from ..programs import Verdict, make_program, margin_lower_bound
from ..verification import Verification
from .base import Execution
from .lam import RECALL, association_gaps, draw_memory_instance, instance_threshold, search_range

__all__ = ["allowed_pieces", "top_k_stored", "storing_memory", "recall_threshold", "recall_thresholds",
           "search_range_for_recall", "summarise_recall", "verify_top_k_recall", "RECALL_DIMENSION",
           "NARROWEST_SECTOR", "SCORE_TOLERANCE"]

#: The memory dimension at which the exact search runs (each association's condition is on a direction in the
#: plane).
RECALL_DIMENSION = 2
#: Sectors narrower than this (radians) make the instance doubtful: their allowed-or-not verdict, read at the
#: sector's middle direction, could be decided by rounding.
NARROWEST_SECTOR = 1e-9
#: A competitor counts as above the correct score in the re-check unless its gap exceeds this times
#: :math:`|g||W||x|` (rounding of the score).
SCORE_TOLERANCE = 1e-10


def allowed_pieces(gaps: np.ndarray, recall: int) -> list[np.ndarray] | None:
    r"""The convex pieces of the directions :math:`u \in \mathbb R^2` at which at most ``recall - 1`` gaps are negative.

    Parameters
    ----------
    gaps : ndarray, shape (m, 2)
        The gaps :math:`g_\nu = y_\mu - y_\nu` of one association against its :math:`m` competitors.
    recall : int
        :math:`k` of top-:math:`k` recall.

    Returns
    -------
    list of ndarray, or None
        Each piece as its rows :math:`r` (shape (1 or 2, 2)), the piece being :math:`\{u: r\cdot u > 0\}`; an empty
        list when no direction is allowed; ``[np.empty((0, 2))]`` when every direction is (the association is
        free); ``None`` when a sector is narrower than :data:`NARROWEST_SECTOR` (the answer is not trusted).
    """
    gaps = np.asarray(gaps, dtype=float)
    m = gaps.shape[0]
    if m <= recall - 1:
        return [np.empty((0, 2))]
    normal_angles = np.arctan2(gaps[:, 1], gaps[:, 0])
    boundaries = np.concatenate([normal_angles + math.pi / 2, normal_angles - math.pi / 2]) % (2 * math.pi)
    owners = np.concatenate([np.arange(m), np.arange(m)])
    order = np.argsort(boundaries)
    boundaries, owners = boundaries[order], owners[order]
    widths = np.diff(np.append(boundaries, boundaries[0] + 2 * math.pi))  # sector j runs from boundary j to j + 1
    if widths.min() < NARROWEST_SECTOR:
        return None
    middles = boundaries + widths / 2
    directions = np.stack([np.cos(middles), np.sin(middles)], axis=1)
    allowed = (directions @ gaps.T < 0).sum(axis=1) <= recall - 1
    if allowed.all():
        return [np.empty((0, 2))]
    if not allowed.any():
        return []
    sectors = len(widths)
    start = int(np.argmin(allowed))  # a forbidden sector: runs of allowed sectors begin after it
    pieces, run = [], []
    for step in range(1, sectors + 1):
        j = (start + step) % sectors
        if allowed[j] and (not run or sum(widths[i] for i in run) + widths[j] < math.pi):
            run.append(j)
            continue
        if run:
            pieces.append(_piece(run, boundaries, owners, gaps, directions, sectors))
        run = [j] if allowed[j] else []
    if run:
        pieces.append(_piece(run, boundaries, owners, gaps, directions, sectors))
    return pieces


def _piece(run, boundaries, owners, gaps, directions, sectors) -> np.ndarray:
    """The rows of the open cone spanned by the consecutive sectors ``run``: the two bounding lines' gaps, signed to
    be positive inside (read at a sector's middle, which lies strictly inside)."""
    inside = directions[run[len(run) // 2]]
    bounding = {int(owners[run[0]]), int(owners[(run[-1] + 1) % sectors])}
    rows = np.array([gaps[nu] * math.copysign(1.0, gaps[nu] @ inside) for nu in sorted(bounding)])
    return rows


def top_k_stored(weights: np.ndarray, inputs: np.ndarray, gaps: np.ndarray, recall: int) -> bool:
    r"""Whether the memory ``weights`` (:math:`d\times d`) stores every association with top-:math:`k` recall: at most
    :math:`k - 1` gaps :math:`g_{\mu\nu}\cdot W x_\mu` are not above rounding (:data:`SCORE_TOLERANCE`)."""
    scores = np.einsum("mnj,jk,mk->mn", gaps, weights, inputs)
    norms = np.linalg.norm(gaps, axis=2) * np.linalg.norm(inputs, axis=1)[:, None]
    scale = SCORE_TOLERANCE * np.linalg.norm(weights) * norms
    return bool(np.all((scores <= scale).sum(axis=1) <= recall - 1))


def _rows(piece: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The constraint rows :math:`\\mathrm{vec}(r x^\\top)/|r||x|` on the row-major entries of :math:`W`."""
    rows = np.einsum("rj,k->rjk", piece, x).reshape(len(piece), x.size * piece.shape[1])
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def storing_memory(inputs: np.ndarray, gaps: np.ndarray, recall: int, *, solver=None) -> dict:
    r"""Whether some :math:`2\times 2` memory stores every association with top-:math:`k` recall, by the depth-first
    search over pieces described in the module docstring.

    Parameters
    ----------
    inputs : ndarray, shape (p, 2)
    gaps : ndarray, shape (p, p - 1, 2)
        :func:`capacity.checks.lam.association_gaps`.
    recall : int

    Returns
    -------
    dict
        ``verdict`` (``"stored"``, ``"not_stored"`` or ``"doubtful"``), ``weights`` (the storing memory, re-checked by
        :func:`top_k_stored`, or ``None``) and ``programs`` (least-distance programs solved).
    """
    p = inputs.shape[0]
    pieces = [allowed_pieces(gaps[mu], recall) for mu in range(p)]
    if any(piece is None for piece in pieces):
        return {"verdict": "doubtful", "weights": None, "programs": 0}
    if any(len(piece) == 0 for piece in pieces):
        return {"verdict": "not_stored", "weights": None, "programs": 0}
    order = sorted(range(p), key=lambda mu: len(pieces[mu]))
    choices = [[_rows(piece, inputs[mu]) for piece in pieces[mu]] for mu in order]
    program = make_program(inputs.shape[1] ** 2, 2 * p, kappa=0.0, solver=solver)
    state = {"programs": 0, "doubtful": False}

    def separator(rows):
        state["programs"] += 1
        if hasattr(program, "certify_with_solution"):
            certificate, weights, _ = program.certify_with_solution(rows, 0.0)
        else:
            certificate, weights = program.certify(rows, 0.0), None
        return certificate.verdict, weights

    def search(depth, rows, weights):
        if depth == len(choices):
            return weights
        for extra in choices[depth]:
            candidate = np.vstack([rows, extra])
            if weights is not None and margin_lower_bound(candidate, weights) > 0:
                verdict, found = Verdict.SEPARABLE, weights
            else:
                verdict, found = separator(candidate)
            if verdict is Verdict.DOUBTFUL:
                state["doubtful"] = True
            elif verdict is Verdict.SEPARABLE:
                if found is None:  # a cvxpy verdict without its solution: nothing to re-check the memory with
                    state["doubtful"] = True
                    continue
                result = search(depth + 1, candidate, found)
                if result is not None:
                    return result
        return None

    weights = search(0, np.empty((0, inputs.shape[1] ** 2)), np.zeros(inputs.shape[1] ** 2))
    if weights is not None:
        memory = np.asarray(weights, dtype=float).reshape(inputs.shape[1], inputs.shape[1])
        if top_k_stored(memory, inputs, gaps, recall):
            return {"verdict": "stored", "weights": memory, "programs": state["programs"]}
        return {"verdict": "doubtful", "weights": None, "programs": state["programs"]}
    return {"verdict": "doubtful" if state["doubtful"] else "not_stored", "weights": None,
            "programs": state["programs"]}


#: :func:`storing_memory`'s verdicts as the prefix search's.
_VERDICTS = {"stored": Verdict.SEPARABLE, "not_stored": Verdict.NOT_SEPARABLE, "doubtful": Verdict.DOUBTFUL}


def _first_unstored(inputs, targets, competitors, recall, guess, solver) -> tuple[int | None, str, int]:
    """The first number of associations not stored with top-``recall`` recall (searched from ``guess``), its
    outcome and the programs solved."""
    programs = 0

    def answer(p):
        nonlocal programs
        result = storing_memory(inputs[:p], association_gaps(targets[:p], competitors), recall, solver=solver)
        programs += result["programs"]
        return _VERDICTS[result["verdict"]]

    p_star, outcome, _ = first_unseparable_prefix(answer, inputs.shape[0], guess)
    return p_star, outcome, programs


def recall_threshold(seed: int, trial: int, recall: int, decoupled: bool, max_associations: int, guess: int,
                     guess_top1: int, solver=None) -> dict:
    r"""One instance at :math:`d = 2` (:func:`capacity.checks.lam.draw_memory_instance`): the first unstorable
    number of associations with top-:math:`k` recall, the same with top-1 recall by the same search, and the
    certified LP threshold of top-1 recall on all rows (``p_star_top1_lp``), which the search must reproduce. The
    searches start from ``guess`` (top-:math:`k`) and ``guess_top1``."""
    start = time.perf_counter()
    d = RECALL_DIMENSION
    inputs, targets, competitors = draw_memory_instance(d, max_associations, seed, trial, decoupled)
    p_star, outcome, programs = _first_unstored(inputs, targets, competitors, recall, guess, solver)
    p_star_top1, outcome_top1, _ = _first_unstored(inputs, targets, competitors, 1, guess_top1, solver)
    linear = instance_threshold(d, seed, trial, 0.0, decoupled, max_associations, guess_top1, solver,
                                implicit_rows=False)
    return {"d": d, "trial": trial, "seed": seed, "recall": recall, "decoupled": decoupled, "p_star": p_star,
            "outcome": outcome, "programs": programs, "p_star_top1": p_star_top1, "outcome_top1": outcome_top1,
            "p_star_top1_lp": linear.p_star, "outcome_top1_lp": linear.outcome,
            "seconds": time.perf_counter() - start}


def recall_thresholds(recall: int, *, trials: int = 20, decoupled: bool = False, seed: int = 0, solver=None,
                      n_jobs: int = 1, progress: bool = True, store=None, scheduler: str | None = None,
                      samples: int = 20_000) -> pd.DataFrame:
    """:func:`recall_threshold` for ``trials`` instances; one row per instance. An instance holds the associations
    of :func:`search_range_for_recall` and its top-:math:`k` search starts from the RS estimate, the top-1 searches
    from :func:`capacity.checks.lam.search_range`."""
    recall = RECALL.check(recall)
    trials = check_int("trials", trials, 1, 10**6)
    p_c, max_associations = search_range_for_recall(recall, samples=samples, seed=seed)
    guess_top1, _ = search_range(RECALL_DIMENSION, 0.0, samples=samples, seed=seed)
    tasks = [(seed, trial, recall, bool(decoupled), max_associations, round(p_c), guess_top1, solver)
             for trial in range(trials)]
    return pd.DataFrame(run_trials(recall_threshold, tasks, n_jobs=n_jobs, progress=progress, store=store,
                                   scheduler=scheduler, description=f"top-{recall} recall instances"))


def search_range_for_recall(recall: int, *, samples: int, seed: int) -> tuple[float, int]:
    r"""The top-:math:`k` RS estimate :math:`p_c(2)` and the instance size :math:`2p_c + 4\sqrt{p_c} + 4`."""
    p_c = optimal_capacity(RECALL_DIMENSION, 0.0, samples=samples, seed=seed, recall=recall)["p_c"]
    return p_c, int(2 * p_c + 4 * math.sqrt(p_c)) + 4


def summarise_recall(thresholds: pd.DataFrame, *, samples: int = 100_000, seed: int = 0) -> pd.DataFrame:
    r"""Per recall: the mean capacity :math:`p^* - 1/2` of the certified instances with its standard error, the same
    for top-1 recall, the RS values :math:`p_c(2)` of both, and the counts of doubtful, out-of-range and
    inconsistent instances (top-1 search against the LP threshold, or top-:math:`k` below top-1)."""
    rows = []
    for recall, group in thresholds.groupby("recall"):
        certified = group[(group.outcome == "certified") & (group.outcome_top1 == "certified")]
        top_k = certified.p_star.to_numpy(float) - 0.5
        top_1 = certified.p_star_top1.to_numpy(float) - 0.5
        inconsistent = (certified.p_star_top1 != certified.p_star_top1_lp) | (certified.p_star < certified.p_star_top1)
        theory = optimal_capacity(RECALL_DIMENSION, 0.0, samples=samples, seed=seed, recall=int(recall))
        theory_top1 = optimal_capacity(RECALL_DIMENSION, 0.0, samples=samples, seed=seed)
        rows.append({"recall": int(recall), "instances": len(group), "certified": len(certified),
                     "doubtful": int(((group.outcome == "doubtful") | (group.outcome_top1 == "doubtful")
                                      | (group.outcome_top1_lp == "doubtful")).sum()),
                     "above_search_range": int((group.outcome == "above_search_range").sum()),
                     "inconsistent": int(inconsistent.sum()),
                     "p_star": top_k.mean() if top_k.size else math.nan,
                     "standard_error": standard_error_of_mean(top_k),
                     "rs_p_c": theory["p_c"], "rs_standard_error": theory["standard_error"],
                     "p_star_top1": top_1.mean() if top_1.size else math.nan,
                     "standard_error_top1": standard_error_of_mean(top_1), "rs_p_c_top1": theory_top1["p_c"]})
    return pd.DataFrame(rows)


def verify_top_k_recall(recall: int, *, dimensions=(RECALL_DIMENSION,), trials: int = 100, seed: int = 0,
                        solver: str = "NNLS", decoupled: bool = False,
                        execution: Execution | None = None) -> Verification:
    r"""Exact finite-size storage of the memory with top-:math:`k` recall at :math:`d = 2`, beside the RS estimate.

    :func:`recall_thresholds` and :func:`summarise_recall`, in the original model (competitors shared) or, with
    ``decoupled``, the model the RS estimate is derived for. ``status`` is ``success`` when every instance is decided
    with certificates (no doubtful verdict, none storing the whole instance), the top-1 search reproduces the
    certified LP threshold on every instance, and no instance stores fewer associations with top-:math:`k` than
    with top-1 recall. The RS estimate :math:`p_c(2)` is *reported*, not tested: the storing set is a union, for
    which RS is only an estimate, and :math:`d = 2` is far from the limit in which it is derived.
    """
    execution = execution or Execution()
    if list(dimensions) != [RECALL_DIMENSION]:
        raise ParameterError("d", f"top-k recall is checked by exact search at d = {RECALL_DIMENSION} only (the "
                                  f"memory's 4 weights); got {list(dimensions)}")
    recall = check_int("recall", recall, 2, RECALL.high)
    params = {"d": [RECALL_DIMENSION], "recall": recall, "trials": trials, "seed": seed, "solver": solver,
              "decoupled": bool(decoupled)}
    with execution.ensemble({"model": "lam-top-k-recall", **params}) as ensemble:
        thresholds = recall_thresholds(recall, trials=trials, decoupled=decoupled, seed=seed, solver=solver,
                                       **ensemble.options())
    summary = summarise_recall(thresholds, seed=seed)
    row = summary.iloc[0]
    ok = bool(row.certified == row.instances and row.inconsistent == 0)
    model = "decoupled model" if decoupled else "original model (shared competitors)"
    message = (f"exact search over the union's pieces at d = 2, {model} ({int(row.certified)}/{int(row.instances)} "
               f"instances certified; top-1 search equal to the certified LP threshold and top-{recall} >= top-1 on "
               f"{int(row.certified - row.inconsistent)}): p* - 1/2 = {row.p_star:.2f} ± {row.standard_error:.2f} "
               f"against the RS estimate {row.rs_p_c:.2f} (reported, not tested: a union's RS value is an "
               f"estimate); top-1 p* - 1/2 = {row.p_star_top1:.2f} ± {row.standard_error_top1:.2f} against "
               f"{row.rs_p_c_top1:.2f}")
    estimate = {"p_star": [float(row.p_star)], "p_star_standard_error": [float(row.standard_error)],
                "p_star_top1": [float(row.p_star_top1)]}
    if not ok:  # the search is not trusted: its numbers stay in the tables only
        estimate = {}
        message = (f"not verified: {int(row.doubtful)} doubtful, {int(row.above_search_range)} above the search "
                   f"range and {int(row.inconsistent)} inconsistent instances; " + message)
    return Verification("lam", params, {"p_c": [float(row.rs_p_c)], "p_c_top1": [float(row.rs_p_c_top1)]},
                        estimate, {"summary": summary, "instances": thresholds}, "success" if ok else "failure",
                        message)
