r"""Random instances for storage-capacity experiments, reproducible from one seed per experiment.

Trial ``t`` of an experiment with seed ``s`` draws from ``numpy.random.SeedSequence(s, spawn_key=(t,))``, so any
trial can be regenerated alone. Patterns and labels come from separate child streams and patterns are drawn
row by row, so the instance with ``p`` patterns is a prefix of the instance with ``p' > p`` patterns: one
instance defines a nested family, and its critical load is well defined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replica.validation import check_int

__all__ = ["PerceptronEnsemble", "Instance"]


@dataclass(frozen=True)
class Instance:
    r"""One storage problem: patterns :math:`\xi^\mu \in \mathbb{R}^N` and labels :math:`\sigma^\mu = \pm 1`."""

    patterns: np.ndarray
    labels: np.ndarray
    trial: int
    seed: int

    @property
    def n(self) -> int:
        return self.patterns.shape[1]

    @property
    def p(self) -> int:
        return self.patterns.shape[0]

    @property
    def signed_patterns(self) -> np.ndarray:
        r"""Rows :math:`\sigma^\mu \xi^\mu`: the constraints read ``signed_patterns @ w >= margin``."""
        return self.labels[:, None] * self.patterns


@dataclass(frozen=True)
class PerceptronEnsemble:
    r"""Gaussian patterns :math:`\xi^\mu \sim \mathcal N(0, I_N)` with uniform random labels (Gardner 1988).

    Parameters
    ----------
    n : int
        Dimension :math:`N \ge 1`.
    seed : int
        The experiment's seed (a non-negative integer).
    """

    n: int
    seed: int

    def __post_init__(self):
        object.__setattr__(self, "n", check_int("n", self.n, 1, 10**6))
        object.__setattr__(self, "seed", check_int("seed", self.seed, 0, 2**63 - 1))

    def instance(self, trial: int, p: int) -> Instance:
        """The first ``p`` patterns of trial ``trial``."""
        trial = check_int("trial", trial, 0)
        p = check_int("p", p, 0, 10**8)
        pattern_seed, label_seed = np.random.SeedSequence(self.seed, spawn_key=(trial,)).spawn(2)
        patterns = np.random.default_rng(pattern_seed).standard_normal((p, self.n))
        labels = np.random.default_rng(label_seed).choice(np.array([-1.0, 1.0]), size=p)
        return Instance(patterns, labels, trial, self.seed)
