r"""Generalised approximate message passing (GAMP) for Bayes-optimal teacher–student GLMs at finite N.

Teacher :math:`w^* \sim P_0` in :math:`\mathbb{R}^N`, patterns :math:`F_{\mu i} \sim \mathcal N(0, 1/N)`,
labels :math:`y_\mu \sim P_{out}(\cdot \mid F w^*)`, :math:`P = \alpha N` (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019). GAMP (Rangan 2011;
the Bayes-optimal form of Barbier, Krzakala, Macris, Miolane & Zdeborová 2019) iterates, with scalar variances
(the entries of :math:`F` are i.i.d.),

.. math::

    V^t = \overline{\hat v^t},\quad \omega^t = F\hat a^t - V^t g^{t-1},\quad
    g^t = g_{out}(y, \omega^t, V^t),\quad A^t = -\alpha\,\overline{\partial_\omega g_{out}},\quad
    B^t = F^\top g^t + A^t \hat a^t,\quad \hat a^{t+1} = f_a(B^t, A^t),\quad \hat v^{t+1} = f_v(B^t, A^t),

with the prior's posterior mean and variance :math:`f_a, f_v` of :math:`P_0(w) e^{-Aw^2/2 + Bw}` (the prior's
:meth:`~replica.models.teacher.BayesPrior.denoise`, next to its potential) and the channel's
:math:`g_{out} = \partial_\omega \ln Z_{out}(y; \omega, V)`. Its overlap :math:`m^t = \hat a^t\cdot w^*/N` follows
the state evolution :math:`q_{t+1} = G(q_t)` of the replica potential
(:meth:`replica.theory.Theory.state_evolution`) as :math:`N \to \infty`; :func:`run_amp` records both.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import sympy as sp

from replica.errors import ParameterError
from replica.glm import glm_model
from replica.models.teacher import TEACHER_CHANNELS
from replica.symbolic import compile_expression
from replica.symbolic.symbols import V as V_symbol
from replica.symbolic.symbols import omega as omega_symbol
from replica.symbolic.symbols import y as y_symbol
from replica.theory import theory
from replica.validation import check_int, check_real

__all__ = ["run_amp", "channel_output", "CONVERGED_VARIANCE"]

#: Mean posterior variance below which the estimate is final (perfect recovery); iterating further divides by it.
CONVERGED_VARIANCE = 1e-6


@lru_cache(maxsize=None)
def channel_output(channel: str):
    r""":math:`g_{out} = \partial_\omega \ln Z_{out}` and :math:`\partial_\omega g_{out}` of a teacher channel.

    Both are differentiated symbolically from the channel's declared
    :meth:`~replica.models.teacher.TeacherChannel.label_log_partition` and compiled (tail-stable: derivatives of
    :math:`\ln H` become inverse Mills ratios through ``erfcx``), so GAMP and the replica potential use one
    declaration of the channel. Returns a function of ``(y, omega, V, params)``.
    """
    declared = TEACHER_CHANNELS[channel]()
    names = tuple(spec.name for spec in declared.parameters)
    symbols = tuple(spec.symbol for spec in declared.parameters)
    log_partition = declared.label_log_partition(y_symbol, omega_symbol, V_symbol)
    first = sp.diff(log_partition, omega_symbol)
    arguments = (y_symbol, omega_symbol, V_symbol) + symbols
    g_out, dg_out = compile_expression(first, arguments), compile_expression(sp.diff(first, omega_symbol), arguments)

    def output(labels, omega, variance, params):
        values = [params[name] for name in names]
        return g_out(labels, omega, variance, *values), dg_out(labels, omega, variance, *values)

    return output


def run_amp(prior: str, channel: str, n: int, alpha: float, *, iterations: int = 30, seed: int = 0,
            damping: float = 1.0, **params) -> pd.DataFrame:
    """Run GAMP on one teacher–student instance and record it next to state evolution.

    Parameters
    ----------
    prior, channel : str
        As for :func:`replica.glm.solve_glm`.
    n : int
        Dimension :math:`N`; the instance has :math:`P = \\mathrm{round}(\\alpha N)` labels.
    alpha : float
    iterations : int
    seed : int
        Seeds the teacher, the patterns and the label noise.
    damping : float
        Weight of the new estimate in :math:`(0, 1]` (1: plain GAMP, which state evolution describes). Once the
        mean posterior variance is below :data:`CONVERGED_VARIANCE` the estimate is final (perfect recovery) and
        is kept for the remaining iterations.
    **params
        The model's parameters (``Delta``, ``eta``, ``rho``).

    Returns
    -------
    pandas.DataFrame
        Per iteration ``t``: ``overlap`` :math:`m^t = \\hat a\\cdot w^*/N`, ``self_overlap``
        :math:`\\hat a\\cdot\\hat a/N` (equal to :math:`m^t` on the Nishimori line), ``mse``
        :math:`|\\hat a - w^*|^2/N`, and ``state_evolution`` :math:`q_t`.
    """
    model = glm_model(prior, channel)
    checked = model.check_parameters({"alpha": alpha, **params}, require_load=True)
    load = checked.pop("alpha")
    n = check_int("n", n, 10, 10**6)
    iterations = check_int("iterations", iterations, 1, 10**5)
    damping = check_real("damping", damping, 0.0, 1.0, low_open=True)
    se = theory(model).state_evolution(load, steps=iterations, **checked)  # also checks required parameters
    p = max(1, round(load * n))
    if p * n > 5 * 10**8:
        raise ParameterError("n", f"alpha N^2 = {p * n:.2e} entries exceed the 5e8 this dense implementation allows")
    rng = np.random.default_rng([seed, n, p])
    teacher = model.prior.sample(n, checked, rng)
    patterns = rng.standard_normal((p, n)) / np.sqrt(n)
    labels = model.channel.sample_labels(patterns @ teacher, checked, rng)
    denoise, output = model.prior.denoise, channel_output(channel)
    ratio = p / n

    estimate, variance, g = np.zeros(n), np.ones(n), np.zeros(p)
    rows = []
    with np.errstate(all="ignore"):
        for t in range(iterations + 1):
            rows.append({"t": t, "overlap": estimate @ teacher / n, "self_overlap": estimate @ estimate / n,
                         "mse": np.mean((estimate - teacher) ** 2), "state_evolution": se[t]})
            if t == iterations:
                break
            v = float(np.mean(variance))
            if v < CONVERGED_VARIANCE:  # every weight is determined (perfect recovery): further steps are 0/0
                continue
            omega = patterns @ estimate - v * g
            g, dg = output(labels, omega, v, checked)
            a = -ratio * float(np.mean(dg))
            b = patterns.T @ g + a * estimate
            new_estimate, new_variance = denoise(b, a, checked)
            estimate = damping * new_estimate + (1 - damping) * estimate
            variance = damping * new_variance + (1 - damping) * variance
    return pd.DataFrame(rows)
