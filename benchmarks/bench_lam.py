"""Time per certified storage verdict of a linear associative memory, against the cvxpy LP a researcher would write.

At each d the instance holds p = round(p_c(d)) associations (the hardest load: about half the instances are
storable), p(p-1) constraints on d^2 weights. Both sides decide the same instances at margin 0:

- ours: rows d vec((y_mu - y_nu) x_mu^T) built with one einsum, then the least-distance NNLS program with a
  recomputed certificate (``capacity.checks.lam``);
- baseline: the natural cvxpy model, W a d x d variable and one constraint (y_mu - y_nu)^T W x_mu >= 1 per pair
  written in a Python loop, solved with cvxpy's default settings (its status taken at face value).

Verdicts are compared; the ratio is baseline time over ours, measured in the same process. Run:
``python benchmarks/bench_lam.py [--dimensions 8 12 16] [--trials 3]``.
"""

from __future__ import annotations

import argparse
import time

import cvxpy as cp

from capacity.programs import LeastDistanceProgram, Verdict
from capacity.checks.lam import association_rows, draw_memory_instance
from replica.lam import optimal_capacity


def ours(inputs, targets, d):
    return LeastDistanceProgram(d * d).certify(association_rows(inputs, targets), 0.0).verdict


def baseline(inputs, targets, d):
    memory = cp.Variable((d, d))
    p = len(inputs)
    constraints = [(targets[m] - targets[n]) @ memory @ inputs[m] >= 1 for m in range(p) for n in range(p) if n != m]
    problem = cp.Problem(cp.Minimize(0), constraints)
    problem.solve()
    return Verdict.SEPARABLE if problem.status == "optimal" else (
        Verdict.NOT_SEPARABLE if problem.status == "infeasible" else Verdict.DOUBTFUL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dimensions", type=int, nargs="+", default=[8, 12, 16])
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    print("| d | p | constraints | ours (s/verdict) | cvxpy loop (s/verdict) | ratio | same verdicts |")
    print("|---|---|---|---|---|---|---|")
    for d in args.dimensions:
        p = round(optimal_capacity(d, samples=20_000)["p_c"])
        times = {"ours": 0.0, "baseline": 0.0}
        same = 0
        for trial in range(args.trials):
            inputs, targets, _ = draw_memory_instance(d, p, 0, trial, decoupled=False)
            verdicts = {}
            for name, function in (("ours", ours), ("baseline", baseline)):
                start = time.perf_counter()
                verdicts[name] = function(inputs, targets, d)
                times[name] += time.perf_counter() - start
            same += verdicts["ours"] == verdicts["baseline"]
        mine, theirs = times["ours"] / args.trials, times["baseline"] / args.trials
        print(f"| {d} | {p} | {p * (p - 1)} | {mine:.3g} | {theirs:.3g} | {theirs / mine:.0f}x | "
              f"{same}/{args.trials} |", flush=True)


if __name__ == "__main__":
    main()
