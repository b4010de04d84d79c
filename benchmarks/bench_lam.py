"""Time and memory per certified storage verdict of a linear associative memory, ours against the dense programs.

At each d the instance holds p = round(p_c(d)) associations (the hardest load: about half the instances are
storable), p(p-1) constraints on d^2 weights. Every method decides the same instances at margin 0:

- ours: the interior point on the implicit rows (``AssociationRows`` + ``certify_implicit_rows``: the rows are never
  formed; each Newton matrix is one d^2 x p by p x d^2 product through the rows' Kronecker structure; every verdict
  certified against all rows);
- the previous default: constraint generation on the implicit rows (``LiveLeastDistance``, the live Lawson-Hanson
  active set; only the working set is materialised), run up to ``--live-max-d``;
- the default before that: all p(p-1) rows materialised with one einsum, then the dense NNLS least-distance
  program with its recomputed certificate (``LeastDistanceProgram(method="active-set")``);
- the natural cvxpy model, W a d x d variable and one constraint (y_mu - y_nu)^T W x_mu >= 1 per pair written in a
  Python loop, solved with cvxpy's default settings (its status taken at face value).

The dense baselines run up to ``--baseline-max-d`` (above it the table shows the memory their rows would take);
verdicts are compared, ratios are baseline time over ours in the same process, memory is the peak of numpy and
Python allocations (tracemalloc) during the verdict for ours and the dense program (not traced for the cvxpy loop,
whose many small Python objects tracing would slow down). ``--profile`` prints where our time goes at the largest
d. Run: ``python benchmarks/bench_lam.py [--dimensions 20 30 50] [--trials 2] [--baseline-max-d 20]
[--live-max-d 50] [--profile]``.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
import tracemalloc

import cvxpy as cp
import numpy as np

from capacity.checks.lam import AssociationRows, association_rows, draw_memory_instance
from capacity.programs import LeastDistanceProgram, LiveLeastDistance, Verdict
from capacity.programs.interior_point import certify_implicit_rows
from replica.lam import optimal_capacity


def ours(inputs, targets, d):
    return certify_implicit_rows(AssociationRows(inputs, targets), 0.0).verdict


def constraint_generation(inputs, targets, d):
    return LiveLeastDistance(AssociationRows(inputs, targets)).certify(0.0).verdict


def dense_nnls(inputs, targets, d):
    return LeastDistanceProgram(d * d, method="active-set").certify(association_rows(inputs, targets), 0.0).verdict


def plain_cvxpy(inputs, targets, d):
    memory = cp.Variable((d, d))
    p = len(inputs)
    constraints = [(targets[m] - targets[n]) @ memory @ inputs[m] >= 1 for m in range(p) for n in range(p) if n != m]
    problem = cp.Problem(cp.Minimize(0), constraints)
    problem.solve()
    return Verdict.SEPARABLE if problem.status == "optimal" else (
        Verdict.NOT_SEPARABLE if problem.status == "infeasible" else Verdict.DOUBTFUL)


METHODS = {"ours": ours, "constraint generation": constraint_generation, "dense NNLS": dense_nnls,
           "cvxpy loop": plain_cvxpy}


def measure(function, *args, traced=True):
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    verdict = function(*args)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**30 if traced else float("nan")
    tracemalloc.stop()
    return verdict, seconds, peak


def profile_ours(d: int) -> None:
    p = round(optimal_capacity(d, samples=20_000)["p_c"])
    inputs, targets, _ = draw_memory_instance(d, p, 0, 0, decoupled=False)
    profiler = cProfile.Profile()
    profiler.runcall(ours, inputs, targets, d)
    stats = pstats.Stats(profiler)
    total = max(stats.total_tt, 1e-12)
    print(f"\nWhere the time of one verdict goes at d = {d} ({total:.1f} s):")
    parts = {"weighted_gram": "Newton matrix (Kronecker sum, one d^2 x p x d^2 product)",
             "cho_factor": "Cholesky factorisation of the d^2 x d^2 Newton matrix",
             "cho_solve": "triangular solves", "scores": "scores of all rows (two matrix products)",
             "combination": "combinations of all rows (two matrix products)"}
    for (_, _, name), (_, _, tottime, cumtime, _) in sorted(stats.stats.items(), key=lambda item: -item[1][3]):
        if name in parts:
            print(f"    {parts.pop(name):55s} {cumtime:7.2f} s  ({100 * cumtime / total:4.1f} %)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dimensions", type=int, nargs="+", default=[20, 30, 50])
    parser.add_argument("--trials", type=int, default=2)
    parser.add_argument("--baseline-max-d", type=int, default=20)
    parser.add_argument("--live-max-d", type=int, default=50)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print("| d | p | constraints | method | s/verdict | peak GiB | ratio to ours | same verdicts |")
    print("|---|---|---|---|---|---|---|---|")
    for d in args.dimensions:
        p = round(optimal_capacity(d, samples=20_000)["p_c"])
        results = {name: {"seconds": 0.0, "peak": float("nan"), "verdicts": []} for name in METHODS}
        run = [name for name in METHODS if name == "ours" or d <= args.baseline_max_d
               or (name == "constraint generation" and d <= args.live_max_d)]
        for trial in range(args.trials):
            inputs, targets, _ = draw_memory_instance(d, p, 0, trial, decoupled=False)
            for name in run:
                verdict, seconds, peak = measure(METHODS[name], inputs, targets, d, traced=name != "cvxpy loop")
                results[name]["seconds"] += seconds / args.trials
                results[name]["peak"] = np.fmax(results[name]["peak"], peak)
                results[name]["verdicts"].append(verdict)
        mine = results["ours"]
        for name in METHODS:
            row = results[name]
            if name in run:
                same = sum(a is b for a, b in zip(row["verdicts"], mine["verdicts"]))
                peak = "not traced" if row["peak"] != row["peak"] else f"{row['peak']:.2f}"
                print(f"| {d} | {p} | {p * (p - 1)} | {name} | {row['seconds']:.3g} | {peak} | "
                      f"{row['seconds'] / mine['seconds']:.1f}x | {same}/{args.trials} |", flush=True)
            elif name == "constraint generation":
                print(f"| {d} | {p} | {p * (p - 1)} | {name} | not run (above --live-max-d) | | | |", flush=True)
            else:
                rows_gib = p * (p - 1) * d * d * 8 / 2**30
                print(f"| {d} | {p} | {p * (p - 1)} | {name} | not run | rows alone {rows_gib:.2f} | | |", flush=True)
    if args.profile:
        profile_ours(max(args.dimensions))


if __name__ == "__main__":
    main()
