"""Speed of the Gardner pipeline against the baselines a researcher would otherwise use, as ratios in one run.

(a) alpha_c(kappa) on 10^4 margins: the compiled, vectorised closed form against a per-point
    ``scipy.integrate.quad`` loop over int_{-kappa}^inf Dt (t + kappa)^2.
(b) Time per kappa = 0 verdict at P = 2N (the hardest load) on the same instances, for
    - our programs (parametrised cvxpy problem reused across trials, every verdict certified), with HiGHS and with
      Clarabel, and the max-margin QP with Clarabel;
    - a plain loop that rebuilds the cvxpy problem every trial and solves it with default settings (no
      certificate);
    - ``scipy.optimize.linprog`` with HiGHS (no certificate for infeasible instances).
    Verdicts are compared across methods.

Run: ``python benchmarks/bench_gardner.py [--sizes 100 300 1000] [--trials 5]``.
"""

from __future__ import annotations

import argparse
import time

import cvxpy as cp
import numpy as np
from scipy import integrate, optimize
from scipy.stats import norm

import replica
from capacity.ensembles import PerceptronEnsemble
from capacity.programs import MaxMarginQP, SeparabilityLP, Verdict


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
    return "separable" if problem.status == "optimal" else "not_separable" if problem.status == "infeasible" else "doubtful"


def plain_linprog(rows):
    p, n = rows.shape
    result = optimize.linprog(np.zeros(n), A_ub=-rows, b_ub=-np.ones(p), bounds=(None, None), method="highs")
    return {0: "separable", 2: "not_separable"}.get(result.status, "doubtful")


def bench_verdicts(n: int, trials: int, seed: int = 0) -> dict:
    p = 2 * n
    instances = [PerceptronEnsemble(n, seed).instance(t, p).signed_patterns for t in range(trials)]
    ours = {
        "ours LP HiGHS (certified)": SeparabilityLP(n, p, "HIGHS"),
        "ours LP Clarabel (certified)": SeparabilityLP(n, p, "CLARABEL"),
        "ours QP Clarabel (certified)": MaxMarginQP(n, p, "CLARABEL"),
    }
    methods = {name: (lambda rows, prog=prog: prog.certify(rows).verdict.value) for name, prog in ours.items()}
    methods["plain cvxpy loop (default settings)"] = plain_cvxpy
    methods["scipy linprog HiGHS"] = plain_linprog
    for program in ours.values():  # compile once outside the timing, as a sweep would
        program.certify(instances[0])
    timings, verdicts = {}, {}
    for name, method in methods.items():
        start = time.perf_counter()
        verdicts[name] = [method(rows) for rows in instances]
        timings[name] = (time.perf_counter() - start) / trials
    reference = verdicts["ours LP Clarabel (certified)"]
    return {"n": n, "p": p, "trials": trials, "seconds_per_verdict": timings,
            "same_verdicts": {name: v == reference for name, v in verdicts.items()},
            "doubtful": {name: v.count(Verdict.DOUBTFUL.value) for name, v in verdicts.items()}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 300, 1000])
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()

    a = bench_alpha_c()
    print(f"(a) alpha_c on {a['points']} margins: vectorised {a['ours_s'] * 1e3:.2f} ms, quad loop "
          f"{a['quad_loop_s']:.2f} s -> {a['speedup']:.0f}x faster (max relative difference {a['max_rel_diff']:.1e})")
    print("(b) seconds per kappa = 0 verdict at P = 2N (same instances; ratio = method / ours LP Clarabel, the default)")
    for n in args.sizes:
        result = bench_verdicts(n, args.trials)
        ours = result["seconds_per_verdict"]["ours LP Clarabel (certified)"]
        for name, seconds in result["seconds_per_verdict"].items():
            print(f"    N={n:5d}  {name:38s} {seconds:8.4f} s   ratio {seconds / ours:6.2f}   "
                  f"same verdicts: {result['same_verdicts'][name]}   doubtful: {result['doubtful'][name]}")


if __name__ == "__main__":
    main()
