"""Numerical solvers for saddle-point equations, with one result vocabulary."""

from .result import Solution, Status
from .roots import find_roots

__all__ = ["Solution", "Status", "find_roots"]
