"""Speed of the Gardner pipeline against the baselines a researcher would otherwise use, as ratios in one run.

(a) alpha_c(kappa) on 10^4 margins: the compiled, vectorised closed form against a per-point
    ``scipy.integrate.quad`` loop over int_{-kappa}^inf Dt (t + kappa)^2.
(b) Time per kappa = 0 verdict at P = 2N (the hardest load) on the same instances, for
    - our default program (the least-distance program, every verdict certified: at N >= 400 the interior point
      on the hull distance first, Lawson-Hanson NNLS for what it leaves undecided);
    - the same program solved by Lawson-Hanson NNLS only (the previous default);
    - our parametrised cvxpy LP with Clarabel (certified; the previous default);
    - a plain loop that rebuilds the cvxpy problem every trial and solves it with default settings (no
      certificate);
    - ``scipy.optimize.linprog`` with HiGHS (no certificate for infeasible instances).
    Verdicts are compared with ours.
(c) Time to estimate the kappa = 0 capacity to +-0.02: for instances at size N the first unseparable prefix P*
    is searched from the theory's guess 2N (critical load (P* - 1/2)/N of each) until the distribution-free 95%
    interval of the median has half-width <= 0.02 (Cover: the median is exactly 2 at every N). Ours is the
    pipeline's guided search (capacity.prefix_search: each separator and Farkas certificate extended to other
    prefixes, each max margin placing the next solve through Gardner's curve) on every instance; the previous
    galloping bisection with NNLS verdicts (the previous default) runs on the first 3 x ``--baseline-instances``
    instances,
    and the cvxpy and linprog searches (plain bisection) on the first ``--baseline-instances``. Where they
    reproduce our certified P*, their time to the estimate is their
    mean time per instance times the number of instances ours needed; where their search stops at an undecided
    verdict (or finds another P*) it cannot give the estimate, and the time shown is projected as their seconds per
    verdict times the verdicts ours needed, with the reason printed.

All timings are single-process, except the last line of (c): the same instances through
``capacity.experiments.critical_loads`` on every core (wall time). Run:
``python benchmarks/bench_gardner.py [--sizes 100 300 1000] [--trials 4] [--estimate-n 1000] [--parts a b c]
[--baselines bisection cvxpy] [--no-parallel]``.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import cvxpy as cp
import numpy as np
from scipy import integrate, optimize
from scipy.stats import norm

import replica
from capacity.ensembles import PerceptronEnsemble
from capacity.estimates import median_interval
from capacity.experiments import MAX_LOAD, critical_loads, guided_search
from capacity.prefix_search import first_unseparable_prefix
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
    active_set = LeastDistanceProgram(n, method="active-set")
    clarabel = SeparabilityLP(n, max_patterns, "CLARABEL")
    return {
        OURS: lambda rows: ours.certify(rows).verdict,
        ACTIVE_SET: lambda rows: active_set.certify(rows).verdict,
        "ours cvxpy LP Clarabel (certified)": lambda rows: clarabel.certify(rows).verdict,
        PLAIN: plain_cvxpy,
        "scipy linprog HiGHS": plain_linprog,
    }


OURS = "ours least distance (certified)"
ACTIVE_SET = "least distance by NNLS only (certified; before)"
OURS_SEARCH = "ours: guided search (certified)"
BISECTION = "galloping bisection, NNLS (certified; before)"
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
                   max_instances: int = 400, baselines=("bisection", "cvxpy"), parallel: bool = True) -> dict:
    max_patterns = int(MAX_LOAD * n)
    ensemble = PerceptronEnsemble(n, seed)
    methods = methods_for(n, max_patterns)

    def timed(search):
        start = time.perf_counter()
        p_star, outcome, calls = search()
        return {"p_star": p_star, "outcome": outcome, "calls": calls, "seconds": time.perf_counter() - start}

    def guided(trial):  # as critical_loads searches
        rows = ensemble.instance(trial, max_patterns).signed_patterns
        return timed(lambda: guided_search(rows, 0.0, max_patterns, guess=2 * n))

    def searcher(method):
        def search(trial):
            rows = ensemble.instance(trial, max_patterns).signed_patterns
            return timed(lambda: first_unseparable_prefix(lambda p: method(rows[:p]), max_patterns, 2 * n))
        return search

    ours, loads = [], []
    while len(ours) < max_instances:
        ours.append(guided(len(ours)))
        loads.append((ours[-1]["p_star"] - 0.5) / n if ours[-1]["outcome"] == "certified" else math.inf)
        median, lower, upper = median_interval(loads)
        if len(ours) >= 10 and max(median - lower, upper - median) <= half_width:
            break
    total = {"seconds": sum(r["seconds"] for r in ours), "calls": sum(r["calls"] for r in ours)}
    result = {"n": n, "instances": len(ours), "estimate": (median, lower, upper), "methods": {}}
    result["methods"][OURS_SEARCH] = {"seconds": total["seconds"], "basis": f"measured on all {len(ours)} instances",
                                      "per_verdict": total["seconds"] / total["calls"], "complete": True,
                                      "calls": total["calls"]}
    chosen = {BISECTION: methods[ACTIVE_SET]} if "bisection" in baselines else {}
    if "cvxpy" in baselines:
        chosen.update({name: method for name, method in methods.items() if name not in (OURS, ACTIVE_SET)})
    for name, method in chosen.items():
        count = min(baseline_instances * (3 if name == BISECTION else 1), len(ours))
        runs = [searcher(method)(t) for t in range(count)]
        calls = sum(r["calls"] for r in runs)
        per_verdict = sum(r["seconds"] for r in runs) / calls
        complete = all(r["outcome"] == o["outcome"] == "certified" and r["p_star"] == o["p_star"]
                       for r, o in zip(runs, ours))
        if complete:
            seconds = len(ours) * float(np.mean([r["seconds"] for r in runs]))
            basis = (f"measured on {len(runs)} instance(s), same P*, {calls / len(runs):.1f} verdicts per instance "
                     f"(ours {sum(r['calls'] for r in ours[:count]) / count:.1f} there), scaled to {len(ours)}")
        else:
            seconds = per_verdict * total["calls"]
            failures = "; ".join(f"instance {t}: {r['outcome']} after {r['calls']} verdicts (P* {r['p_star']})"
                                 for t, r in enumerate(runs))
            basis = f"search did not give the certified P* ({failures}); projected as s/verdict x our verdicts"
        result["methods"][name] = {"seconds": seconds, "basis": basis, "per_verdict": per_verdict,
                                   "complete": complete}
    if parallel:  # the same instances through the pipeline's own parallel sweep, on every core
        start = time.perf_counter()
        table = critical_loads([n], len(ours), seed=seed, max_load=MAX_LOAD, n_jobs=-1, progress=False)
        same = [row.p_star for row in table.sort_values("trial").itertuples()] == [r["p_star"] for r in ours]
        result["parallel"] = {"seconds": time.perf_counter() - start, "cores": os.cpu_count(), "same_p_star": same}
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 300, 1000])
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--estimate-n", type=int, default=1000)
    parser.add_argument("--baseline-instances", type=int, default=2)
    parser.add_argument("--parts", nargs="+", default=["a", "b", "c"], choices=["a", "b", "c"])
    parser.add_argument("--baselines", nargs="*", default=["bisection", "cvxpy"], choices=["bisection", "cvxpy"],
                        help="baselines of (c): the previous bisection (3 x --baseline-instances instances) and "
                             "the cvxpy/linprog searches")
    parser.add_argument("--no-parallel", action="store_true", help="skip the all-core sweep of (c)")
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
        result = bench_estimate(args.estimate_n, baseline_instances=args.baseline_instances,
                                baselines=args.baselines, parallel=not args.no_parallel)
        median, lower, upper = result["estimate"]
        print(f"(c) kappa = 0 capacity to +-0.02 at N = {result['n']}: {median:.4f} [{lower:.4f}, {upper:.4f}] from "
              f"{result['instances']} instances")
        ours = result["methods"][OURS_SEARCH]["seconds"]
        for name, row in result["methods"].items():
            print(f"    {name:45s} {row['seconds']:10.1f} s   speed-up {row['seconds'] / ours:7.1f}x   "
                  f"{row['per_verdict']:7.2f} s/verdict   {row['basis']}", flush=True)
        if "parallel" in result:
            row = result["parallel"]
            print(f"    ours through critical_loads(n_jobs=-1) on {row['cores']} cores: {row['seconds']:.1f} s wall "
                  f"(same P* as the single-process run: {row['same_p_star']})")


if __name__ == "__main__":
    main()
