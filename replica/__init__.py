"""replica: replica-symmetric saddle points derived symbolically from a model declaration, solved numerically.

Public API::

    import replica
    d = replica.derive("gardner")          # free entropy, saddle-point equations, q -> 1 limit (sympy)
    print(d.latex())
    th = replica.theory("gardner")         # compiled, vectorised numerics
    th.alpha_c(kappa=[0, 1])               # array([2.       , 0.5195722])
    th.saddle_point([0.5, 1.0], kappa=0)   # Solution with q, conjugates, free entropy, replicon, status
    replica.solve("gardner", kappa=1)      # Report: quantities, stability, status, message
    replica.solve_glm("rademacher", "sign", alpha=1.3)   # Bayes-optimal teacher-student GLM (replica.glm)
    replica.glm_transitions("rademacher", "sign")        # alpha_IT, alpha_alg
    replica.family("kernel-curve").solve(P=[10, 100])    # any family of the registry (replica.models.family)
    replica.family("lam").derive().latex()               # the equations it solves
"""

from .derivation import Derivation, derive
from .errors import ConvergenceError, ModelDeclarationError, ParameterError, ReplicaError
from .models import Model, available_models, get_model, register
from .models.family import Equations, Family, available_families, get_family
from .report import Report, solve
from .solvers import Solution, Status
from .theory import RSInstabilityWarning, Theory, theory

__all__ = [
    "derive", "Derivation", "theory", "Theory", "solve", "Report", "solve_glm", "glm_transitions",
    "Model", "register", "get_model", "available_models", "family", "families", "Family", "Equations",
    "Solution", "Status", "RSInstabilityWarning",
    "ReplicaError", "ParameterError", "ModelDeclarationError", "ConvergenceError",
]


#: A family of the registry by name, and all of them (:mod:`replica.models.family`).
family = get_family
families = available_families


def __getattr__(name):
    """The teacher-student entry points load :mod:`replica.glm` (and pandas) on first use only."""
    if name in ("solve_glm", "glm_transitions"):
        from . import glm

        return getattr(glm, name)
    raise AttributeError(f"module 'replica' has no attribute {name!r}")
