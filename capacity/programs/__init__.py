"""Convex programs for finite-size checks, each returning a certified verdict."""

from .certificates import FARKAS_TOLERANCE, Certificate, Verdict, decide, margin_lower_bound, margin_upper_bound
from .margin_programs import MarginProgram, MaxMarginQP, SeparabilityLP

__all__ = [
    "Verdict", "Certificate", "decide", "margin_lower_bound", "margin_upper_bound", "FARKAS_TOLERANCE",
    "MarginProgram", "SeparabilityLP", "MaxMarginQP",
]
