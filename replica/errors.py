"""Exception hierarchy shared by the whole project.

Every error raised on purpose derives from :class:`ReplicaError`, so a caller can catch the project's errors
without catching programming mistakes. Errors about a value the user supplied are also :class:`ValueError` and
name the parameter and its allowed range.
"""

from __future__ import annotations

__all__ = ["ReplicaError", "ParameterError", "ModelDeclarationError", "ConvergenceError"]


class ReplicaError(Exception):
    """Base class of every error raised deliberately by ``replica`` and ``capacity``."""


class ParameterError(ReplicaError, ValueError):
    """A parameter is missing, not a number, or outside its allowed range.

    Parameters
    ----------
    name : str
        The parameter's name as the user spells it (``"kappa"``, ``"n"``, ...).
    message : str
        What is wrong, including the allowed range.
    """

    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(f"{name}: {message}")


class ModelDeclarationError(ReplicaError, ValueError):
    """A model declaration is inconsistent (unknown part, missing or clashing symbols)."""


class ConvergenceError(ReplicaError):
    """A numerical solver did not converge; carries the solver's result for inspection."""

    def __init__(self, message: str, result=None):
        self.result = result
        super().__init__(message)
