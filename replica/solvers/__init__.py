"""Numerical solvers for saddle-point equations, with one result vocabulary."""

from .fixed_point import damped_iteration
from .result import Solution, Status
from .roots import find_root, find_roots

__all__ = ["Solution", "Status", "find_roots", "find_root", "damped_iteration"]
