"""Convex programs for finite-size checks, each returning a certified verdict."""

from .certificates import (
    FARKAS_TOLERANCE, Certificate, Verdict, decide, lower_bound_from_scores, margin_lower_bound, margin_upper_bound,
    signed_rows, trivial_certificate,
)
from .active_set import LiveLeastDistance, PatternRows, RowPool
from .least_distance import LeastDistanceProgram
from .margin_programs import MarginProgram, MaxMarginQP, SeparabilityLP
from .selection import DEFAULT_SOLVER, available_solvers, make_program

__all__ = [
    "Verdict", "Certificate", "decide", "signed_rows", "trivial_certificate", "margin_lower_bound", "margin_upper_bound", "lower_bound_from_scores",
    "FARKAS_TOLERANCE",
    "MarginProgram", "SeparabilityLP", "MaxMarginQP", "LeastDistanceProgram", "LiveLeastDistance", "RowPool",
    "PatternRows",
    "DEFAULT_SOLVER", "available_solvers", "make_program",
]
