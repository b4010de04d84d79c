"""Cost of the influence of removing training points: the dual (kernel) against the primal (conjugate gradients on
the Hessian) and against retraining, on the same problems, as the number of parameters P grows at fixed N and as N
grows at fixed P.

Problem: random ReLU features on Gaussian inputs (d = 20), logistic loss on a sign teacher, ridge 1e-3, trained once
by :func:`capacity.influence.fit`; one removal of 10 % of the points per size. Per removal:

- dual: :func:`capacity.influence.influence_dual`, the solve of size (retained points) given the kernel K = J J^T;
- primal: :func:`capacity.influence.influence_primal`, CG with Hessian-vector products through J (rtol 1e-12);
- retraining: :func:`capacity.influence.retrain` with L-BFGS in the primal (certified by its gradient), the
  baseline a researcher runs without influence functions (skipped above ``--max-retrain-P``).

The one-time costs are printed apart: building J (shared) and the kernel J J^T (the dual's, paid once for any number
of removals). The relative distance between the dual and primal predictions is printed as a check. Run
``python benchmarks/bench_influence.py [--max-P 1000000] [--max-retrain-P 100000]``; one BLAS thread is used
(threadpoolctl) so the ratios do not depend on the other core's load.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from capacity.influence import TrainingProblem, fit, influence_dual, influence_primal, retrain
from capacity.linearised import random_features

DIMENSION, RIDGE, FRACTION = 20, 1e-3, 0.1


def measure(p: int, n: int, retrain_limit: int, seed: int = 0) -> dict:
    """One problem of P features and N points: setup and per-removal times."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, DIMENSION))
    y = np.sign(x @ rng.standard_normal(DIMENSION))
    start = time.perf_counter()
    jac, f0 = random_features(p, DIMENSION, seed=seed).stacked(x)
    jacobian_seconds = time.perf_counter() - start
    problem = TrainingProblem(jac, f0, y, "logistic", RIDGE)
    start = time.perf_counter()
    problem.kernel
    kernel_seconds = time.perf_counter() - start
    fitted = fit(problem)
    removed = rng.choice(n, size=round(FRACTION * n), replace=False)
    dual = influence_dual(problem, fitted, removed)
    primal = influence_primal(problem, fitted, removed)
    row = {"P": p, "N": n, "jacobian_s": jacobian_seconds, "kernel_s": kernel_seconds, "dual_s": dual.seconds,
           "primal_s": primal.seconds, "cg_iterations": primal.iterations,
           "gap": float(np.linalg.norm(primal.change - dual.change) / np.linalg.norm(dual.change)),
           "retrain_s": float("nan")}
    if p <= retrain_limit:
        start = time.perf_counter()
        retrained = retrain(problem, removed, method="lbfgs")
        row["retrain_s"] = time.perf_counter() - start
        row["retrain_status"] = retrained.status
    return row


def _print(rows, title):
    print(f"\n{title}")
    print(f"{'P':>9} {'N':>6} {'J (s)':>8} {'K (s)':>8} {'dual (s)':>9} {'primal (s)':>10} {'CG it':>6} "
          f"{'retrain (s)':>11} {'primal/dual':>11} {'retrain/dual':>12} {'gap':>8}")
    for r in rows:
        print(f"{r['P']:>9} {r['N']:>6} {r['jacobian_s']:>8.3f} {r['kernel_s']:>8.3f} {r['dual_s']:>9.4f} "
              f"{r['primal_s']:>10.3f} {r['cg_iterations']:>6} {r['retrain_s']:>11.2f} "
              f"{r['primal_s'] / r['dual_s']:>10.3g}x {r['retrain_s'] / r['dual_s']:>11.3g}x {r['gap']:>8.1e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--N", type=int, default=500, help="training points of the P sweep")
    parser.add_argument("--max-P", type=float, default=1e6, help="largest P of the sweep at fixed N")
    parser.add_argument("--P", type=int, default=10_000, help="features of the N sweep")
    parser.add_argument("--max-N", type=int, default=2000, help="largest N of the sweep at fixed P")
    parser.add_argument("--max-retrain-P", type=float, default=1e5, help="largest P retrained (L-BFGS)")
    args = parser.parse_args(argv)
    sizes = [int(p) for p in (1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6) if p <= args.max_P]
    with threadpool_limits(1):
        _print([measure(p, args.N, args.max_retrain_P) for p in sizes], f"P grows at N = {args.N}")
        counts = [n for n in (100, 250, 500, 1000, 2000) if n <= args.max_N]
        _print([measure(args.P, n, args.max_retrain_P) for n in counts], f"N grows at P = {args.P}")


if __name__ == "__main__":
    main()
