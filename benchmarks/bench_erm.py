"""Time of an ERM learning curve (logistic loss, sign teacher): our vectorised derived fixed point against the
per-point loop existing codes use.

- ours: :func:`replica.erm.erm_curve` on ``--points`` loads at once (Gauss–Hermite in xi, vectorised safeguarded
  Newton for the logistic prox, all loads in one array);
- baseline: the textbook channel updates (Aubin, Krzakala, Lu & Zdeborová 2020) written per load, each expectation
  by ``scipy.integrate.quad`` over xi (summed over y = +-1) and each proximal point by ``scipy.optimize.brentq`` on
  the stationarity condition, the fixed point iterated with the same damping and tolerance.

The baseline is too slow for the whole curve: it is run on ``--baseline-points`` loads spread over the same range,
its time per load multiplied by the number of loads (stated in the output), and its values compared with ours at
those loads (they are an independent implementation of the same equations). Run:
``python benchmarks/bench_erm.py [--points 200] [--baseline-points 3]``.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy import integrate, optimize
from scipy.special import expit, ndtr

from replica.erm import erm_curve

LAMBDA = 0.1


def _prox(label, omega, scale):
    def stationarity(z):
        return (z - omega) / scale - label * expit(-label * z)

    return optimize.brentq(stationarity, omega - scale - 1, omega + scale + 1, xtol=1e-13)


def baseline_point(alpha, lam=LAMBDA, tol=1e-8, damping=0.5, max_iter=2000):
    """One load: m, q, V and the generalisation error by quad + brentq, the loop a researcher writes."""
    m, q, v = 0.5, 1.0, 1.0
    for _ in range(max_iter):
        spread = math.sqrt(max(1 - m * m / q, 1e-15))

        def expectation(kind):
            def integrand(xi):
                total = 0.0
                omega_star, omega = m * xi / math.sqrt(q), math.sqrt(q) * xi
                for label in (1.0, -1.0):
                    z = _prox(label, omega, v)
                    f_out = (z - omega) / v
                    if kind == "m":
                        weight = label * math.exp(-(omega_star / spread) ** 2 / 2) / math.sqrt(2 * math.pi) / spread
                        total += weight * f_out
                    else:
                        weight = ndtr(label * omega_star / spread)
                        if kind == "q":
                            total += weight * f_out**2
                        else:
                            p = expit(label * z)
                            total -= weight * ((1 / (1 + v * p * (1 - p)) - 1) / v)
                return total * math.exp(-xi * xi / 2) / math.sqrt(2 * math.pi)

            return integrate.quad(integrand, -10, 10, limit=200, epsabs=1e-11)[0]

        m_hat, q_hat, v_hat = (alpha * expectation(k) for k in ("m", "q", "V"))
        new = (m_hat / (lam + v_hat), (m_hat**2 + q_hat) / (lam + v_hat) ** 2, 1 / (lam + v_hat))
        change = max(abs(a - b) / abs(b) for a, b in zip(new, (m, q, v)))
        m, q, v = (damping * a + (1 - damping) * b for a, b in zip(new, (m, q, v)))
        if change < tol:
            break
    return {"m": m, "q": q, "V": v, "gen_error": math.acos(m / math.sqrt(q)) / math.pi}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--baseline-points", type=int, default=3)
    args = parser.parse_args()
    loads = np.linspace(0.2, 5.0, args.points)
    start = time.perf_counter()
    curve = erm_curve("logistic", loads, lambda_=LAMBDA)
    ours = time.perf_counter() - start
    assert (curve.status == "success").all()
    sample = np.linspace(0.2, 5.0, args.baseline_points)
    start = time.perf_counter()
    reference = [baseline_point(a) for a in sample]
    per_load = (time.perf_counter() - start) / len(sample)
    check = erm_curve("logistic", sample, lambda_=LAMBDA)
    difference = max(abs(r["gen_error"] - e) for r, e in zip(reference, check.gen_error))
    print(f"logistic loss, lambda = {LAMBDA}, {args.points} loads in [0.2, 5]")
    print(f"  ours (vectorised, derived): {ours:.2f} s for the curve")
    print(f"  baseline (quad + brentq per load): {per_load:.2f} s per load, measured on {len(sample)} loads; "
          f"{per_load * args.points:.0f} s for the curve")
    print(f"  ratio: {per_load * args.points / ours:.0f}x; largest generalisation-error difference at the sampled "
          f"loads: {difference:.1e}")


if __name__ == "__main__":
    main()
