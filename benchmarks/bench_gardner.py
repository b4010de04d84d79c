"""Speed of the Gardner pipeline against the baselines a researcher would otherwise use, as ratios in one run.

(a) alpha_c(kappa) on 10^4 margins: the compiled, vectorised closed form against a per-point
    ``scipy.integrate.quad`` loop over int_{-kappa}^inf Dt (t + kappa)^2.
(b) Time per kappa = 0 verdict at P = 2N (the hardest load) on the same instances, for
    - our default program (NNLS on the least-distance form, every verdict certified);
    - our parametrised cvxpy LP with Clarabel (certified; the previous default);
    - a plain loop that rebuilds the cvxpy problem every trial and solves it with default settings (no
      certificate);
    - ``scipy.optimize.linprog`` with HiGHS (no certificate for infeasible instances).
    Verdicts are compared with ours.
(c) Time to estimate the kappa = 0 capacity to +-0.02: for instances at size N the first unseparable prefix P*
    is searched from the theory's guess 2N outwards (critical load (P* - 1/2)/N of each, the pipeline's search)
    until the distribution-free 95% interval of the median has half-width <= 0.02 (Cover: the median is exactly 2
    at every N). Ours runs every instance; the baselines run the same search on the first
    ``--baseline-instances`` instances. Where they reproduce our certified P*, their time to the estimate is their
    mean time per instance times the number of instances ours needed; where their search stops at an undecided
    verdict (or finds another P*) it cannot give the estimate, and the time shown is projected as their seconds per
    verdict times the verdicts ours needed, with the reason printed.

All timings are single-process. Run:
``python benchmarks/bench_gardner.py [--sizes 100 300 1000] [--trials 4] [--estimate-n 1000] [--parts a b c]``.
"""

from __future__ import annotations

import argparse
import math
import time

import cvxpy as cp
import numpy as np
from scipy import integrate, optimize
from scipy.stats import norm

import replica
from capacity.ensembles import PerceptronEnsemble
from capacity.estimates import median_interval
from capacity.experiments import MAX_LOAD, first_unseparable_prefix
from capacity.programs import LeastDistanceProgram, SeparabilityLP, Verdict


def bench_alpha_c(count: int = 10_000) -> dict:
    kappas = np.linspace(-3, 5, count)
    gardner = replica.theory("gardner")
    gardner.alpha_c(kappa=kappas[:2])  # compile outside the timing
    start = time.perf_counter()
    vectorised = gardner.alpha_c(kappa=kappas)
    ours = time.perf_counter() - start

    def per_point(k):
        value, _ = integrate.quad(lambda t: (t + k) ** 2 * norm.pdf(t), -k, np.inf)
        return 1 / value

    start = time.perf_counter()
    looped = np.array([per_point(k) for k in kappas])
    baseline = time.perf_counter() - start
    return {"points": count, "ours_s": ours, "quad_loop_s": baseline, "speedup": baseline / ours,
            "max_rel_diff": float(np.max(np.abs(vectorised / looped - 1)))}


def plain_cvxpy(rows):
    w = cp.Variable(rows.shape[1])
    problem = cp.Problem(cp.Minimize(0), [rows @ w >= 1])
    problem.solve()
    return {"optimal": Verdict.SEPARABLE, "infeasible": Verdict.NOT_SEPARABLE}.get(problem.status, Verdict.DOUBTFUL)


def plain_linprog(rows):
    p, n = rows.shape
    result = optimize.linprog(np.zeros(n), A_ub=-rows, b_ub=-np.ones(p), bounds=(None, None), method="highs")
    return {0: Verdict.SEPARABLE, 2: Verdict.NOT_SEPARABLE}.get(result.status, Verdict.DOUBTFUL)


def methods_for(n: int, max_patterns: int) -> dict:
    """Name -> (rows -> Verdict); ours first (the reference for verdicts)."""
    ours = LeastDistanceProgram(n)
    clarabel = SeparabilityLP(n, max_patterns, "CLARABEL")
    return {
        OURS: lambda rows: ours.certify(rows).verdict,
        "ours cvxpy LP Clarabel (certified)": lambda rows: clarabel.certify(rows).verdict,
        PLAIN: plain_cvxpy,
        "scipy linprog HiGHS": plain_linprog,
    }


OURS = "ours NNLS least distance (certified)"
PLAIN = "plain cvxpy loop (default settings)"


def bench_verdicts(n: int, trials: int, seed: int = 0) -> dict:
    p = 2 * n
    instances = [PerceptronEnsemble(n, seed).instance(t, p).signed_patterns for t in range(trials)]
    methods = methods_for(n, p)
    methods["ours cvxpy LP Clarabel (certified)"](instances[0])  # compile once outside the timing, as a sweep would
    timings, verdicts = {}, {}
    for name, method in methods.items():
        start = time.perf_counter()
        verdicts[name] = [method(rows) for rows in instances]
        timings[name] = (time.perf_counter() - start) / trials
    return {"n": n, "p": p, "trials": trials, "seconds_per_verdict": timings,
            "same_verdicts": {name: v == verdicts[OURS] for name, v in verdicts.items()},
            "doubtful": {name: v.count(Verdict.DOUBTFUL) for name, v in verdicts.items()}}


def bench_estimate(n: int, half_width: float = 0.02, baseline_instances: int = 2, seed: int = 0,
                   max_instances: int = 400) -> dict:
    max_patterns = int(MAX_LOAD * n)
    ensemble = PerceptronEnsemble(n, seed)
    methods = methods_for(n, max_patterns)

    def search(method, trial):
        rows = ensemble.instance(trial, max_patterns).signed_patterns
        start = time.perf_counter()
        p_star, outcome, calls = first_unseparable_prefix(lambda p: method(rows[:p]), max_patterns, guess=2 * n)
        return {"p_star": p_star, "outcome": outcome, "calls": calls, "seconds": time.perf_counter() - start}

    ours, loads = [], []
    while len(ours) < max_instances:
        ours.append(search(methods[OURS], len(ours)))
        loads.append((ours[-1]["p_star"] - 0.5) / n if ours[-1]["outcome"] == "certified" else math.inf)
        median, lower, upper = median_interval(loads)
        if len(ours) >= 10 and max(median - lower, upper - median) <= half_width:
            break
    total = {"seconds": sum(r["seconds"] for r in ours), "calls": sum(r["calls"] for r in ours)}
    result = {"n": n, "instances": len(ours), "estimate": (median, lower, upper), "methods": {}}
    result["methods"][OURS] = {"seconds": total["seconds"], "basis": f"measured on all {len(ours)} instances",
                               "per_verdict": total["seconds"] / total["calls"], "complete": True}
    for name, method in methods.items():
        if name == OURS:
            continue
        runs = [search(method, t) for t in range(min(baseline_instances, len(ours)))]
        per_verdict = sum(r["seconds"] for r in runs) / sum(r["calls"] for r in runs)
        complete = all(r["outcome"] == o["outcome"] == "certified" and r["p_star"] == o["p_star"]
                       for r, o in zip(runs, ours))
        if complete:
            seconds = len(ours) * float(np.mean([r["seconds"] for r in runs]))
            basis = f"measured on {len(runs)} instance(s), same P*, scaled to {len(ours)}"
        else:
            seconds = per_verdict * total["calls"]
            failures = "; ".join(f"instance {t}: {r['outcome']} after {r['calls']} verdicts (P* {r['p_star']})"
                                 for t, r in enumerate(runs))
            basis = f"search did not give the certified P* ({failures}); projected as s/verdict x our verdicts"
        result["methods"][name] = {"seconds": seconds, "basis": basis, "per_verdict": per_verdict,
                                   "complete": complete}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 300, 1000])
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--estimate-n", type=int, default=1000)
    parser.add_argument("--baseline-instances", type=int, default=2)
    parser.add_argument("--parts", nargs="+", default=["a", "b", "c"], choices=["a", "b", "c"])
    args = parser.parse_args()

    if "a" in args.parts:
        a = bench_alpha_c()
        print(f"(a) alpha_c on {a['points']} margins: vectorised {a['ours_s'] * 1e3:.2f} ms, quad loop "
              f"{a['quad_loop_s']:.2f} s -> {a['speedup']:.0f}x faster (max relative difference {a['max_rel_diff']:.1e})")
    if "b" in args.parts:
        print("(b) seconds per kappa = 0 verdict at P = 2N (same instances; speed-up = method time / ours)")
        for n in args.sizes:
            result = bench_verdicts(n, args.trials)
            ours = result["seconds_per_verdict"][OURS]
            for name, seconds in result["seconds_per_verdict"].items():
                print(f"    N={n:5d}  {name:40s} {seconds:9.4f} s   speed-up {seconds / ours:7.1f}x   "
                      f"same verdicts: {result['same_verdicts'][name]}   doubtful: {result['doubtful'][name]}",
                      flush=True)
    if "c" in args.parts:
        result = bench_estimate(args.estimate_n, baseline_instances=args.baseline_instances)
        median, lower, upper = result["estimate"]
        print(f"(c) kappa = 0 capacity to +-0.02 at N = {result['n']}: {median:.4f} [{lower:.4f}, {upper:.4f}] from "
              f"{result['instances']} instances")
        ours = result["methods"][OURS]["seconds"]
        for name, row in result["methods"].items():
            print(f"    {name:40s} {row['seconds']:10.1f} s   speed-up {row['seconds'] / ours:7.1f}x   "
                  f"{row['per_verdict']:7.2f} s/verdict   {row['basis']}", flush=True)


if __name__ == "__main__":
    main()
