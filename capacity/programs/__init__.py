"""Convex programs for finite-size checks, each returning a certified verdict."""

from .certificates import (
    FARKAS_TOLERANCE, Certificate, Verdict, decide, margin_lower_bound, margin_upper_bound, signed_rows,
    trivial_certificate,
)
from .least_distance import LeastDistanceProgram
from .margin_programs import MarginProgram, MaxMarginQP, SeparabilityLP
from .selection import DEFAULT_SOLVER, available_solvers, make_program

__all__ = [
    "Verdict", "Certificate", "decide", "signed_rows", "trivial_certificate", "margin_lower_bound", "margin_upper_bound", "FARKAS_TOLERANCE",
    "MarginProgram", "SeparabilityLP", "MaxMarginQP", "LeastDistanceProgram",
    "DEFAULT_SOLVER", "available_solvers", "make_program",
]
