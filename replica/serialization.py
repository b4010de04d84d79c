"""Conversion of results to JSON-safe values (the ``to_dict`` methods of every result type use it)."""

from __future__ import annotations

import dataclasses
import enum
import math

import numpy as np

__all__ = ["json_safe"]


def json_safe(value):
    """Recursively convert a value to plain JSON types.

    numpy scalars and arrays become Python numbers and lists, enumerations their values, dataclasses dicts, and
    non-finite floats (``nan``, ``inf``) become ``None`` — JSON has no representation for them.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value
