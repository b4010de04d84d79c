"""Which NUTS for the extensive-width posterior: NumPyro against BlackJAX on the same instance, on the CPU.

Instance: the teacher of :mod:`capacity.posterior_sampling` at d = 30 (k = 15 features, 450 unknowns), beta = 1,
Delta = 0.04, n/d^2 = 1 (900 samples), chains started at the teacher. Both samplers get the same potential
(:func:`capacity.posterior_sampling.posterior_potential`, float64), the same warm-up (window adaptation of the step size
and a diagonal mass matrix, target acceptance 0.8), the same number of kept draws and the same tree depth. Reported per
sampler: seconds (compilation included, as a user pays it), the effective sample size of the Gibbs-error trace (the
quantity the check estimates) and ESS per second, and the ratio. Run ``python benchmarks/bench_posterior_sampling.py
[--draws 300] [--repeats 2]``; BlackJAX is needed only here (``pip install blackjax``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from capacity.posterior_sampling import gibbs_errors, posterior_potential, sampled_teacher

D, KAPPA, BETA, DELTA, BUDGET, TREE_DEPTH = 30, 0.5, 1.0, 0.04, 1.0, 7


def run_numpyro(instance, draws: int, seed: int):
    import jax
    from numpyro.infer import MCMC, NUTS

    with jax.enable_x64(True):
        sampler = MCMC(NUTS(potential_fn=posterior_potential(instance, DELTA), max_tree_depth=TREE_DEPTH),
                       num_warmup=draws, num_samples=draws, num_chains=1, progress_bar=False)
        sampler.run(jax.random.PRNGKey(seed), init_params=jax.numpy.asarray(instance["teacher"]))
        return np.asarray(sampler.get_samples(group_by_chain=True))


def run_blackjax(instance, draws: int, seed: int):
    import blackjax
    import jax

    with jax.enable_x64(True):
        potential = posterior_potential(instance, DELTA)

        def logdensity(weights):
            return -potential(weights)

        warmup_key, sample_key = jax.random.split(jax.random.PRNGKey(seed))
        adaptation = blackjax.window_adaptation(blackjax.nuts, logdensity, target_acceptance_rate=0.8,
                                                max_num_doublings=TREE_DEPTH)
        (state, parameters), _ = adaptation.run(warmup_key, jax.numpy.asarray(instance["teacher"]), num_steps=draws)
        kernel = blackjax.nuts(logdensity, **parameters).step  # the adapted step size, mass matrix and depth

        @jax.jit
        def chain(state, key):
            def step(state, key):
                state, _ = kernel(key, state)
                return state, state.position

            _, positions = jax.lax.scan(step, state, jax.random.split(key, draws))
            return positions

        return np.asarray(chain(state, sample_key))[None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=300, help="warm-up and kept draws")
    parser.add_argument("--repeats", type=int, default=2, help="runs per sampler (different seeds)")
    args = parser.parse_args()
    from numpyro.diagnostics import effective_sample_size

    instance = sampled_teacher(D, KAPPA, BUDGET, beta=BETA, Delta=DELTA)
    rates = {}
    for name, run in (("numpyro", run_numpyro), ("blackjax", run_blackjax)):
        for seed in range(args.repeats):
            start = time.perf_counter()
            draws = run(instance, args.draws, seed)
            seconds = time.perf_counter() - start
            gibbs, _ = gibbs_errors(instance, draws)
            ess = float(effective_sample_size(gibbs))
            rates.setdefault(name, []).append(ess / seconds)
            print(f"{name:9s} seed {seed}: {seconds:6.1f} s, ESS {ess:6.1f}, ESS/s {ess / seconds:6.2f}, "
                  f"half Gibbs error {gibbs.mean() / 2:.4f}", flush=True)
    ratio = np.mean(rates["numpyro"]) / np.mean(rates["blackjax"])
    print(f"ESS per second, numpyro / blackjax: {ratio:.2f}")


if __name__ == "__main__":
    main()
