"""Finite-size checks of every family, one module per family, behind one registry (:mod:`capacity.checks.base`)."""

from .base import COMMON_SETTINGS, Check, Execution, available_checks, get_check

__all__ = ["Check", "Execution", "get_check", "available_checks", "COMMON_SETTINGS"]
