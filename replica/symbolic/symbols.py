"""The glossary of symbols shared by every derivation (``DESIGN.md``, Conventions).

Conjugate order parameters end in ``_hat``. Assumptions are set so that sympy can simplify: loads and variances
are positive, margins are real, overlaps lie in (0, 1).
"""

import sympy as sp

alpha = sp.Symbol("alpha", positive=True)
kappa = sp.Symbol("kappa", real=True)
q = sp.Symbol("q", positive=True)
q_hat = sp.Symbol("q_hat", real=True)
Q_hat = sp.Symbol("Q_hat", real=True)
A_hat = sp.Symbol("A_hat", positive=True)  # precision Q_hat + q_hat of a single weight (sign-constrained prior)
field = sp.Symbol("b", real=True)  # the field sqrt(q_hat) z acting on a single weight
z = sp.Symbol("z", real=True)
xi = sp.Symbol("xi", real=True)  # a second standard Gaussian variable (label noise) in nested means
y = sp.Symbol("y", real=True)  # a label
omega = sp.Symbol("omega", real=True)
V = sp.Symbol("V", positive=True)
epsilon = sp.Symbol("epsilon", positive=True)

__all__ = ["alpha", "kappa", "q", "q_hat", "Q_hat", "A_hat", "field", "z", "xi", "y", "omega", "V", "epsilon", "to_latex"]

_LATEX_NAMES = {q_hat: r"\hat{q}", Q_hat: r"\hat{Q}", A_hat: r"\hat{A}", epsilon: r"\epsilon"}


def to_latex(expr) -> str:
    """LaTeX of an expression, with conjugates printed as hats (:math:`\\hat q`)."""
    return sp.latex(expr, symbol_names=_LATEX_NAMES)
