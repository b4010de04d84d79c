"""Bayes-optimal teacher–student GLMs (Barbier, Krzakala, Macris, Miolane & Zdeborová, PNAS 116, 5451 (2019)):
the ``glm`` and ``glm-transitions`` families, declared from the teacher parts of :mod:`replica.models.teacher`."""

from __future__ import annotations

from dataclasses import replace

from ..parameters import choice, real
from .family import Family
from .teacher import BAYES_PRIORS, TEACHER_CHANNELS, GaussBernoulliPrior, LinearTeacher, NoisySignTeacher

__all__ = ["GLM", "GLM_TRANSITIONS", "FAMILIES"]

REFERENCE = "Barbier, Krzakala, Macris, Miolane & Zdeborova, PNAS 116, 5451 (2019)"

PRIOR = choice("prior", "teacher prior", tuple(BAYES_PRIORS), default="rademacher")
CHANNEL = choice("channel", "teacher channel", tuple(TEACHER_CHANNELS), default="sign")
#: The parameters of the parts (each only for the parts that declare it), from the parts themselves.
PART_PARAMETERS = (replace(LinearTeacher.DELTA, description="noise variance of the labels (linear and relu channels)"),
                   replace(NoisySignTeacher.ETA, description="label-flip probability (noisy-sign channel)"),
                   replace(GaussBernoulliPrior.RHO, description="fraction of nonzero weights (gauss-bernoulli prior)"))


def _solve_glm(prior="rademacher", channel="sign", alpha=1.0, **parts):
    from ..glm import solve_glm

    return solve_glm(prior, channel, alpha, **parts)


def _glm_transitions(prior="rademacher", channel="sign", **parts):
    from ..glm import glm_transitions

    return glm_transitions(prior, channel, **parts)


def _equations(prior="rademacher", channel="sign"):
    from ..derivation import derive
    from ..glm import glm_model

    return derive(glm_model(prior, channel)).equations()


GLM = Family(
    name="glm",
    summary="Bayes-optimal teacher-student GLM: overlap, MMSE, generalisation error, mutual information",
    reference=REFERENCE,
    parameters=(PRIOR, CHANNEL, real("alpha", "load P/N", default=1.0, low=0.0, low_open=True), *PART_PARAMETERS),
    solver=_solve_glm, equations=_equations, derive_parameters=("prior", "channel"))

GLM_TRANSITIONS = Family(
    name="glm-transitions",
    summary="algorithmic and information-theoretic transitions alpha_alg, alpha_IT of a teacher-student GLM",
    reference=REFERENCE,
    parameters=(PRIOR, CHANNEL, *PART_PARAMETERS),
    solver=_glm_transitions, equations=_equations, derive_parameters=("prior", "channel"))

FAMILIES = (GLM, GLM_TRANSITIONS)
