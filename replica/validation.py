"""Checks of user-supplied numbers, with errors that name the parameter and its allowed range."""

from __future__ import annotations

import math
import numbers

import numpy as np

from .errors import ParameterError

__all__ = ["check_real", "check_int", "check_real_array", "describe_interval"]


def describe_interval(low, high, low_open=False, high_open=False) -> str:
    """Interval notation for an allowed range, e.g. ``(0, inf)`` or ``[-30, 1e+06]``."""
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    return f"{left}{lo}, {hi}{right}"


def check_real(name: str, value, low=None, high=None, *, low_open=False, high_open=False) -> float:
    """Return ``value`` as a float after checking it is a finite real number in the given interval.

    Raises
    ------
    ParameterError
        If ``value`` is not a real number, is not finite, or lies outside the interval.
    """
    allowed = describe_interval(low, high, low_open, high_open)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ParameterError(name, f"must be a real number in {allowed}; got {value!r}") from None
    value = float(value)
    if not math.isfinite(value):
        raise ParameterError(name, f"must be a finite real number in {allowed}; got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        raise ParameterError(name, f"must lie in {allowed}; got {value:g}")
    return value


def check_real_array(name: str, values, low=None, high=None, *, low_open=False, high_open=False) -> np.ndarray:
    """Array version of :func:`check_real`: every entry must be finite and inside the interval."""
    allowed = describe_interval(low, high, low_open, high_open)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(name, f"must be real numbers in {allowed}; got {values!r}") from None
    bad = ~np.isfinite(arr)
    if low is not None:
        bad |= arr <= low if low_open else arr < low
    if high is not None:
        bad |= arr >= high if high_open else arr > high
    if np.any(bad):
        first = arr[bad].flat[0]
        raise ParameterError(name, f"every value must lie in {allowed}; got {first:g}")
    return arr


def check_int(name: str, value, low=None, high=None) -> int:
    """Return ``value`` as an int after checking it is a whole number in ``[low, high]``."""
    allowed = describe_interval(low, high, False, False)
    if isinstance(value, bool):
        raise ParameterError(name, f"must be a whole number in {allowed}; got {value!r}")
    if isinstance(value, numbers.Integral):
        out = int(value)
    else:
        try:
            as_float = float(value)
        except (TypeError, ValueError):
            raise ParameterError(name, f"must be a whole number in {allowed}; got {value!r}") from None
        if not as_float.is_integer():
            raise ParameterError(name, f"must be a whole number in {allowed}; got {value!r}")
        out = int(as_float)
    if (low is not None and out < low) or (high is not None and out > high):
        raise ParameterError(name, f"must lie in {allowed}; got {out}")
    return out
