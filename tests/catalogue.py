"""Every published value the library reproduces, with its source and tolerance, run against the family registry.

A :class:`Published` entry names a family, the parameters it is solved at, the quantity of its report and the value
the literature gives; the tolerance is the precision of the quoted digits (half a unit in the last one, unless the
entry says otherwise). :data:`LAWS` holds the asymptotic constants that are approached, not reached, at finite size
(their tests state how close they get). :data:`CURVES` holds published measurements along a family's parameter,
with their statistical errors, and :data:`FEATURE_OVERLAPS` measured feature overlaps. ``tests/test_catalogue.py``
runs every entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["Published", "PublishedCurve", "CATALOGUE", "CURVES", "FEATURE_OVERLAPS", "FEATURE_OVERLAPS_SOURCE", "LAWS",
           "value_of", "published"]

GARDNER_1988 = "E. Gardner, J. Phys. A 21, 257 (1988), alpha_c(kappa), quoted to five decimals"


@dataclass(frozen=True)
class Published:
    """A published value of a family's reported quantity at given parameters."""

    family: str
    params: dict
    quantity: str
    value: float
    tolerance: float
    source: str
    slow: bool = field(default=False)

    @property
    def label(self) -> str:
        settings = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.family}({settings}).{self.quantity}"


CATALOGUE = (
    Published("gardner", {"kappa": 0.0}, "alpha_c", 2.0, 1e-12, "Gardner (1988): exactly 2 at kappa = 0"),
    Published("gardner", {"kappa": 0.5}, "alpha_c", 0.96121, 5e-6, GARDNER_1988),
    Published("gardner", {"kappa": 1.0}, "alpha_c", 0.51957, 5e-6, GARDNER_1988),
    Published("gardner", {"kappa": 2.0}, "alpha_c", 0.20023, 5e-6, GARDNER_1988),
    Published("gardner", {"kappa": -0.5}, "alpha_c", 4.77010, 5e-6,
              GARDNER_1988 + "; the RS value, unstable for kappa < 0 (Gardner & Derrida 1988)"),
    Published("sign-perceptron", {"kappa": 0.0}, "alpha_c", 1.0, 1e-10,
              "D. J. Amit, C. Campbell & K. Y. M. Wong, J. Phys. A 22, 4687 (1989): half of Gardner's"),
    Published("sign-perceptron", {"kappa": 0.5}, "alpha_c", 0.96121 / 2, 5e-6,
              "Amit, Campbell & Wong (1989): alpha_Gardner(kappa) / 2, with Gardner (1988)'s five decimals"),
    Published("ising-perceptron", {"kappa": 0.0}, "alpha_q1", 4 / math.pi, 1e-12,
              "Gardner & Derrida, J. Phys. A 21, 271 (1988): 4/pi, rejected (negative entropy)"),
    Published("ising-perceptron", {"kappa": 0.0}, "alpha_c", 0.833078599, 1e-9,
              "W. Krauth & M. Mezard, J. Phys. France 50, 3057 (1989); nine digits from J. Ding & N. Sun, STOC 2019 "
              "(arXiv:1809.07742), abstract; one unit in the ninth decimal (rounding unstated)"),
    Published("glm-transitions", {"prior": "rademacher", "channel": "sign"}, "alpha_it", 1.245, 5e-4,
              "G. Gyorgyi, Phys. Rev. A 41, 7097 (1990)"),
    Published("glm-transitions", {"prior": "rademacher", "channel": "sign"}, "alpha_alg", 1.493, 5e-4,
              "Barbier, Krzakala, Macris, Miolane & Zdeborova, PNAS 116, 5451 (2019)"),
    Published("glm", {"prior": "gaussian", "channel": "sign", "alpha": 100.0}, "gen_error", 0.442 / 100, 2e-5,
              "M. Opper & D. Haussler, PRL 66, 2677 (1991): 0.442/alpha for large alpha (three digits; the "
              "1/alpha^2 correction at alpha = 100 is below the tolerance)"),
    Published("committee", {"K": 1}, "alpha_c", 2.0, 1e-10, "K = 1 is the perceptron at kappa = 0 (Gardner 1988)"),
    Published("committee", {"K": 2, "rule": "parity"}, "alpha_AT", math.pi**2 / 8, 1e-6,
              "Barkai, Hansel & Kanter, PRL 65, 2312 (1990): the K = 2 parity machine's RS saddle leaves q = 0 "
              "at pi^2/8"),
    Published("extensive-width", {"activation": "quadratic", "kappa": 0.5}, "perfect_recovery_n_over_d2.bayes_optimal",
              0.375, 1e-12, "Maillard, Troiani, Martin, Krzakala & Zdeborova, NeurIPS (2024): kappa - kappa^2/2"),
    Published("invariant", {"N": 12, "step": 3}, "P_c", 6, 0,
              "Farrell, Bordelon, Trivedi & Pehlevan, ICLR (2022): P_c = 2 N_0, N_0 = 3 orbits of the shifts by 3"),
    Published("kernel-curve", {"P": [200], "modes": 100, "decay": 0.0, "target_decay": 0.0, "ridge": 0.0,
                               "noise": 0.25}, "E_g", 0.25 * 100 / (200 - 100), 1e-9,
              "Bordelon, Canatar & Pehlevan, ICML (2020): ridgeless, P > M isotropic modes: "
              "E_g = sigma^2 M / (P - M) (also Hastie, Montanari, Rosset & Tibshirani, Ann. Stat. 2022)"),
    Published("erm", {"loss": "square", "alpha": 0.5, "lambda": 0.0, "channel": "linear", "noise": 0.3}, "gen_error",
              (1 - 0.5) + 0.3 * 0.5 / (1 - 0.5) + 0.3, 1e-4,
              "Hastie, Montanari, Rosset & Tibshirani, Ann. Stat. 50, 949 (2022): the minimum-norm interpolator's "
              "risk rho (1 - alpha) + Delta alpha / (1 - alpha), plus the label noise; 1e-4: the lambda -> 0+ limit is "
              "read off at lambda = 1e-7"),
    Published("erm", {"loss": "square", "alpha": 2.0, "lambda": 0.0, "channel": "linear", "noise": 0.3}, "gen_error",
              0.3 / (2.0 - 1) + 0.3, 1e-4,
              "Hastie, Montanari, Rosset & Tibshirani (2022): least squares' risk Delta / (alpha - 1), plus the noise"),
)


@dataclass(frozen=True)
class PublishedCurve:
    """Published measurements of a family's reported quantity along one parameter, each with its standard error.

    The theory agrees at a point when it lies within three standard errors plus ``relative_allowance`` of itself
    (the finite-size corrections the measurement carries and the theory does not).
    """

    family: str
    params: dict
    variable: str
    quantity: str
    points: tuple  # (value of the variable, measured mean, its standard error)
    relative_allowance: float
    source: str

    @property
    def label(self) -> str:
        settings = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.family}({settings}).{self.quantity} along {self.variable}"

    def disagreements(self, solve) -> list:
        """The points where ``solve(variable value) -> theory`` falls outside the allowance, as
        (variable, measured, theory)."""
        outside = []
        for x, mean, se in self.points:
            theory = solve(x)
            if not abs(mean - theory) <= 3 * se + self.relative_allowance * theory:
                outside.append((x, mean, theory))
        return outside


CURVES = (
    PublishedCurve(
        "extensive-width", {"beta": 0.3, "kappa": 0.5, "Delta": 0.04, "d": 200, "activation": "tanh"}, "n_over_d2",
        "gen_error",
        ((0.15, 0.1027, 0.0002), (0.30, 0.09619, 0.0002), (0.45, 0.09024, 0.0002), (0.60, 0.0829, 9e-05),
         (0.75, 0.07626, 9e-05), (0.90, 0.0692, 9e-05), (1.05, 0.06154, 0.0001), (1.20, 0.05273, 0.0001),
         (1.35, 0.04069, 0.0001), (1.50, 0.02556, 9e-05), (1.65, 0.02105, 4e-05), (1.80, 0.01789, 5e-05),
         (1.95, 0.01561, 3e-05), (2.10, 0.01398, 5e-05), (2.25, 0.01262, 2e-05), (2.40, 0.01151, 2e-05),
         (2.55, 0.01055, 2e-05), (2.70, 0.009784, 2e-05), (2.85, 0.009093, 2e-05), (3.00, 0.008502, 2e-05)),
        0.02,
        "Nguyen & Barbier (2026), their posterior-sampling figure at beta = 0.3: half the Gibbs error of HMC samples "
        "(d = 200, k = 100, sigma = tanh(2x) - mu_1 x, Delta = 0.04), the mean and standard error over the 16 "
        "instances of the data released with the paper (github.com/Minh-Toan/scaling-laws, err_data_beta_03; 2000 "
        "HMC steps, the last 400 averaged; the chains start at the teacher's rows for the features the theory calls "
        "learnt and at a Gaussian draw for the others). 2 %: the closure's finite-d corrections (the largest "
        "measured deviation is 1.5 %, at the end of the avalanche, n/d^2 = 1.5)"),
)

#: Feature overlaps of the same posterior samples (Nguyen & Barbier 2026; the data released with the paper,
#: github.com/Minh-Toan/scaling-laws, overlaps_data: the cosine of each hidden row of the last HMC sample with the
#: teacher's, 16 instances, d = 200, k = 100, Delta = 0.04, sigma = tanh(2x) - mu_1 x) for six readout profiles:
#: (profile, n/d^2, features whose mean overlap exceeds 1/2, mean overlap of those features over the instances,
#: its standard error). The profiles are the power laws beta = 0.3, 0.4, 0.7 and three vectors, normalised to
#: sum v_i^2 = 1: "dense" linspace(2.5, 1, k), "exp" exp(-i/20) and "exp2" exp(-i/5), i = 0..k-1.
#: Their chains start at the teacher for the features their own solution of the closure calls learnt, so the count
#: checks our solution of the closure against theirs, and the mean overlap checks the scalar channel m(lambda).
FEATURE_OVERLAPS_SOURCE = ("Nguyen & Barbier (2026), feature overlaps of their HMC samples (data released with the "
                           "paper)")
FEATURE_OVERLAPS = (
    ("beta=0.3", 0.5, 6, 0.8542, 0.006), ("beta=0.3", 1.0, 26, 0.8819, 0.002), ("beta=0.3", 1.5, 100, 0.8981, 0.001),
    ("beta=0.3", 2.0, 100, 0.9493, 0.0002), ("beta=0.4", 1.0, 27, 0.8970, 0.001), ("beta=0.4", 1.5, 60, 0.8982, 0.0008),
    ("beta=0.4", 2.0, 100, 0.9199, 0.0007), ("beta=0.4", 2.5, 100, 0.9496, 0.0003),
    ("beta=0.7", 1.0, 19, 0.9236, 0.001), ("beta=0.7", 1.5, 27, 0.9266, 0.001), ("beta=0.7", 2.0, 34, 0.9309, 0.0007),
    ("beta=0.7", 2.5, 42, 0.9276, 0.0007), ("dense", 1.0, 47, 0.8720, 0.002), ("dense", 1.5, 88, 0.9237, 0.0006),
    ("dense", 2.0, 100, 0.9497, 0.0004), ("dense", 2.5, 100, 0.9664, 0.0002), ("exp", 1.0, 30, 0.9460, 0.0008),
    ("exp", 1.5, 35, 0.9522, 0.001), ("exp", 2.0, 38, 0.9585, 0.0007), ("exp", 2.5, 40, 0.9631, 0.0006),
    ("exp2", 0.5, 9, 0.9689, 0.0007), ("exp2", 1.0, 11, 0.9728, 0.0005), ("exp2", 2.0, 13, 0.9739, 0.0005),
    ("exp2", 4.0, 15, 0.9756, 0.0007),
)

#: Asymptotic constants: name -> (value, tolerance of the quote, source).
LAWS = {
    "committee_large_K": (6 * math.sqrt(2 / math.pi), 0.0,
                          "alpha_c^RS / sqrt(K) -> 6 sqrt(2/pi) (Barkai, Hansel & Sompolinsky, PRA 45, 4146 (1992))"),
    "parity_large_K": (2 / math.pi, 0.0, "alpha_c^RS / K^2 -> 2/pi (Barkai, Hansel & Kanter 1990)"),
    "memory_optimal": (0.5, 0.0, "p_c ln p_c / d^2 -> 1/2 (Giorlandino, Goldt & Maillard 2026)"),
    "memory_hebbian": (0.125, 0.0, "p ln p / d^2 -> 1/8 for the Hebbian memory (Giorlandino, Goldt & Maillard 2026)"),
    "opper_haussler": (0.442, 2e-3, "alpha eps_g -> 0.442, Gaussian teacher, sign channel (Opper & Haussler 1991)"),
}


def value_of(quantities: dict, quantity: str):
    """The reported value of ``quantity`` (``a.b`` for an entry of a dict; the first entry of a list)."""
    value = quantities
    for key in quantity.split("."):
        value = value[key]
    return value[0] if isinstance(value, list) else value


def published(family: str, quantity: str, **params) -> Published:
    """The catalogue entry of ``family``'s ``quantity`` at ``params``."""
    for entry in CATALOGUE:
        if entry.family == family and entry.quantity == quantity and entry.params == params:
            return entry
    raise KeyError(f"no published {family}.{quantity} at {params}")
