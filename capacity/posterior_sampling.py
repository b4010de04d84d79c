r"""Sampling the Bayes posterior of an extensive-width teacher (NUTS), the check of the Bayes-optimal error.

The teacher of :mod:`replica.extensive_width` is :math:`y = \sum_{i\le k} v_i\,\sigma(w_i\cdot x/\sqrt d) +
\sqrt\Delta\,z` with known readouts :math:`v`. Its hidden weights :math:`W^* \in \mathbb R^{k\times d}` are drawn from
the prior :math:`\mathcal N(0, 1)` entrywise (so that the Nishimori identity below holds exactly; the rows are then
orthogonal of norm :math:`\sqrt d` to :math:`O(1/\sqrt d)`, the theory's teacher) and the posterior

.. math:: p(W \mid \mathcal D) \propto \exp\Big(-\frac{1}{2\Delta}\sum_{\mu\le n}\big(y_\mu - f_W(x_\mu)\big)^2
          - \frac12 |W|_F^2\Big), \qquad f_W(x) = \sum_i v_i\,\sigma(w_i\cdot x/\sqrt d),

is sampled by the No-U-Turn sampler of NumPyro (Phan, Pradhan & Jankowiak 2019; Hoffman & Gelman 2014) with a
diagonal mass matrix adapted during warm-up. Each sample :math:`W` gives a Gibbs error
:math:`\mathbb E_x (f_W(x) - f_{W^*}(x))^2` (on fixed fresh inputs); in the Bayes-optimal setting the Nishimori
identity :math:`\mathbb E\,\mathrm{Var}_{\rm post} f = \mathbb E\,(\langle f\rangle - f^*)^2` makes the mean Gibbs
error twice the Bayes-optimal error :math:`\epsilon^{BO}`, so half of it is compared with the theory (Nguyen &
Barbier 2026 check their theory the same way).

Chains start from the teacher (*informed*), from a prior draw (*uninformed*), or the authors' way (*closure*: the
teacher's rows for the features the closure calls learnt, prior draws for the others). At a first-order feature jump
the uninformed chains can stay on the branch that has not learnt the feature (metastability, the algorithmic side of
the jump), so the starts are reported apart; the informed chains give the equilibrium estimate: the teacher drawn
from the prior is itself a draw from the posterior given its data (the same Nishimori symmetry), so those chains
start in equilibrium and need not cross a barrier to reach it. The chains of one start are diagnosed on the
Gibbs-error trace, the quantity estimated: split :math:`\hat R` (Gelman et al. 2013) at most :data:`MIXED_RHAT` and
an effective sample size at least :data:`MIN_ESS`, otherwise the group is *not mixed*, and the check counts it as
doubtful, never into its mean. The split :math:`\hat R` of the overlaps :math:`w_i\cdot w_i^*/|w_i^*|^2` of the three
largest features is reported beside it (``overlap_rhat``): below a feature's onset its overlap diffuses slowly around
zero without moving the error, so it is not part of the verdict.
"""

from __future__ import annotations

import math
import time

import numpy as np

from replica.errors import ParameterError
from replica.extensive_width import activation_function, readouts, solve_overlaps
from replica.validation import check_int, check_real

__all__ = ["sample_posterior", "sampled_teacher", "posterior_potential", "gibbs_errors", "MIXED_RHAT", "MIN_ESS",
           "STARTS", "ALL_STARTS", "initial_weights", "require_sampler"]

#: Split R-hat at or below which the chains of one start are taken as mixed (Gelman et al. 2013, "Bayesian Data
#: Analysis", 3rd ed.; Vehtari et al. 2021 advise 1.01 for publication-grade runs, at a cost a CPU check cannot pay).
MIXED_RHAT = 1.1
#: Smallest effective sample size of the Gibbs-error trace (all chains of one start together).
MIN_ESS = 30
#: Where the chains of a check start: at the teacher's weights, or at a draw from the prior.
STARTS = ("informed", "uninformed")
#: Every start :func:`initial_weights` knows: also the authors' (Nguyen & Barbier 2026), the teacher's rows for the
#: features the closure calls learnt and prior draws for the others.
ALL_STARTS = STARTS + ("closure",)


def require_sampler():
    """NumPyro and JAX, or an error that says how to install them."""
    from importlib.util import find_spec

    if find_spec("numpyro") is None or find_spec("jax") is None:
        raise ParameterError("method", "hmc needs NumPyro and JAX: pip install 'replica-capacity[sampling]' "
                                       "(or pip install numpyro)")


def _jax_activation(name: str):
    """:math:`\\sigma` of :data:`replica.extensive_width.ACTIVATIONS` written with jax.numpy (the same function, with
    the linear part removed where the library removes it)."""
    import jax.numpy as jnp

    slope = activation_function(name).slope
    if name == "tanh":
        return lambda h: jnp.tanh(2 * h) - slope * h
    if name == "quadratic":
        return lambda h: h**2 - 1
    raise ParameterError("activation", f"posterior sampling supports tanh and quadratic; got {name!r}")


def sampled_teacher(d: int, kappa: float, n_over_d2: float, *, beta: float = 1.0, Delta: float = 0.04,
                    seed: int = 0, trial: int = 0, activation: str = "tanh", test_samples: int = 4000) -> dict:
    """The instance: teacher weights from the prior, readouts, ``n`` noisy samples and fresh test inputs, seeded by
    ``(seed, d, k, n, trial)`` (the informed and uninformed chains of one instance see the same data)."""
    k = max(1, round(kappa * d))
    n = max(1, round(n_over_d2 * d * d))
    rng = np.random.default_rng([seed, d, k, n, trial])
    teacher = rng.standard_normal((k, d))
    v = readouts(k, beta)
    sigma = activation_function(activation)
    inputs, test = rng.standard_normal((n, d)), rng.standard_normal((test_samples, d))
    labels = sigma(inputs @ teacher.T / math.sqrt(d)) @ v + math.sqrt(Delta) * rng.standard_normal(n)
    return {"k": k, "n": n, "teacher": teacher, "readouts": v, "inputs": inputs, "labels": labels, "test": test,
            "test_output": sigma(test @ teacher.T / math.sqrt(d)) @ v, "rng": rng}


def initial_weights(instance: dict, start: str, chains: int, Delta: float, activation: str = "tanh") -> np.ndarray:
    """Where each of ``chains`` chains starts on :func:`sampled_teacher`'s instance, shape (chains, k, d): ``start``
    one of :data:`ALL_STARTS`. The ``closure`` start takes the learnt count :math:`k_c` from the closure at the
    instance's own :math:`d`, :math:`k` and :math:`n` (:func:`replica.extensive_width.solve_overlaps`); the prior
    draws come from the instance's generator."""
    if start not in ALL_STARTS:
        raise ParameterError("start", f"must be one of {', '.join(ALL_STARTS)}; got {start!r}")
    teacher, rng = instance["teacher"], instance["rng"]
    k, d = teacher.shape
    if start == "informed":
        return np.broadcast_to(teacher, (chains, k, d)).copy()
    initial = rng.standard_normal((chains, k, d))
    if start == "closure":
        v = instance["readouts"]
        learnt = solve_overlaps(instance["n"] / d**2, kappa=k / d, Delta=Delta, d=d, activation=activation,
                                readout=v).k_c
        initial[:, :learnt] = teacher[:learnt]
    return initial


def posterior_potential(instance: dict, Delta: float, activation: str = "tanh"):
    r"""Minus the log posterior of :func:`sampled_teacher`'s instance up to a constant, as a JAX function of
    :math:`W` (module docstring): :math:`\frac{1}{2\Delta}\sum_\mu (y_\mu - f_W(x_\mu))^2 + \frac12|W|_F^2`.
    Call it under ``jax.enable_x64(True)``."""
    import jax.numpy as jnp

    sigma = _jax_activation(activation)
    inputs, labels = jnp.asarray(instance["inputs"]), jnp.asarray(instance["labels"])
    v = jnp.asarray(instance["readouts"])
    scale = 1.0 / math.sqrt(instance["inputs"].shape[1])

    def potential(weights):
        output = sigma(inputs @ weights.T * scale) @ v
        return 0.5 * jnp.sum((labels - output) ** 2) / Delta + 0.5 * jnp.sum(weights**2)

    return potential


def gibbs_errors(instance: dict, draws: np.ndarray, activation: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
    r"""Gibbs error :math:`\mathbb E_x(f_W(x) - f_{W^*}(x))^2` of every draw (on the instance's test inputs) and the
    averaged prediction :math:`\bar f` on them; ``draws`` of shape (chains, samples, k, d)."""
    sigma = activation_function(activation)
    test, target = instance["test"], instance["test_output"]
    scale = 1.0 / math.sqrt(test.shape[1])
    gibbs, mean_prediction = np.empty(draws.shape[:2]), np.zeros(len(target))
    for c, s in np.ndindex(*gibbs.shape):  # one draw at a time: the test outputs of all draws would not fit at d = 60
        prediction = sigma(test @ draws[c, s].T * scale) @ instance["readouts"]
        gibbs[c, s] = np.mean((prediction - target) ** 2)
        mean_prediction += prediction / gibbs.size
    return gibbs, mean_prediction


def sample_posterior(d: int, kappa: float, n_over_d2: float, *, beta: float = 1.0, Delta: float = 0.04,
                     start: str = "informed", seed: int = 0, trial: int = 0, chains: int = 2, warmup: int = 300,
                     samples: int = 300, max_tree_depth: int = 7, activation: str = "tanh",
                     test_samples: int = 4000) -> dict:
    r"""Run ``chains`` NUTS chains from one ``start`` on one instance and summarise them.

    Returns ``half_gibbs_error`` (the estimate of :math:`\epsilon^{BO}`) with its Monte Carlo standard error
    ``mc_se`` (standard deviation of the trace over the square root of its effective size, halved), the chains'
    means, ``rhat`` (split :math:`\hat R` of the error trace), ``overlap_rhat`` (the largest over the three leading
    overlaps), ``ess``, ``mixed`` (:data:`MIXED_RHAT`, :data:`MIN_ESS`), ``posterior_mean_error``
    (:math:`\mathbb E_x(\bar f - f^*)^2` of the averaged prediction, biased up by the posterior variance over the
    effective sample size), the leading overlaps, the mean leapfrog steps per draw and the seconds taken.
    """
    require_sampler()
    import jax
    import jax.numpy as jnp
    from numpyro.diagnostics import effective_sample_size, split_gelman_rubin
    from numpyro.infer import MCMC, NUTS

    d = check_int("sample_d", d, 4, 200)
    kappa = check_real("kappa", kappa, 0.0, 1.0, low_open=True)
    n_over_d2 = check_real("n_over_d2", n_over_d2, 0.0, 50.0, low_open=True)
    beta = check_real("beta", beta, 0.0, 10.0)
    Delta = check_real("Delta", Delta, 0.0, 100.0, low_open=True)  # the likelihood needs noise
    chains = check_int("chains", chains, 2, 64)
    warmup, samples = check_int("warmup", warmup, 10, 10**6), check_int("samples", samples, 10, 10**6)
    instance = sampled_teacher(d, kappa, n_over_d2, beta=beta, Delta=Delta, seed=seed, trial=trial,
                               activation=activation, test_samples=test_samples)
    k, teacher, rng = instance["k"], instance["teacher"], instance["rng"]
    initial = initial_weights(instance, start, chains, Delta, activation)
    began = time.perf_counter()
    with jax.enable_x64(True):
        potential = posterior_potential(instance, Delta, activation)
        sampler = MCMC(NUTS(potential_fn=potential, max_tree_depth=max_tree_depth), num_warmup=warmup,
                       num_samples=samples, num_chains=chains, chain_method="vectorized", progress_bar=False)
        sampler.run(jax.random.PRNGKey(np.uint32(rng.integers(2**32))), init_params=jnp.asarray(initial),
                    extra_fields=("num_steps",))
        draws = np.asarray(sampler.get_samples(group_by_chain=True))  # (chains, samples, k, d)
        steps = float(np.asarray(sampler.get_extra_fields()["num_steps"]).mean())
    gibbs, mean_prediction = gibbs_errors(instance, draws, activation)
    overlaps = np.einsum("cskd,kd->csk", draws[:, :, :3], teacher[:3]) / np.sum(teacher[:3] ** 2, axis=1)
    rhat = float(split_gelman_rubin(gibbs))
    overlap_rhat = max(float(split_gelman_rubin(overlaps[:, :, i])) for i in range(overlaps.shape[-1]))
    ess = float(effective_sample_size(gibbs))
    mixed = bool(np.isfinite(rhat) and rhat <= MIXED_RHAT and ess >= MIN_ESS)
    return {"d": d, "k": k, "n": instance["n"], "n_over_d2": instance["n"] / d**2, "trial": trial, "start": start,
            "half_gibbs_error": float(gibbs.mean() / 2), "mc_se": float(gibbs.std() / math.sqrt(max(ess, 1.0)) / 2),
            "chain_means": [float(m / 2) for m in gibbs.mean(axis=1)], "rhat": rhat, "overlap_rhat": overlap_rhat,
            "ess": ess, "mixed": mixed,
            "posterior_mean_error": float(np.mean((mean_prediction - instance["test_output"]) ** 2)),
            "leading_overlaps": [float(q) for q in overlaps.mean(axis=(0, 1))], "steps_per_draw": steps,
            "seconds": time.perf_counter() - began}
