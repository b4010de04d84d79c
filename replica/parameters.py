"""One declaration per parameter: kind, default, allowed range and meaning.

A :class:`ParameterSpec` is the single source of a parameter's name (the Python keyword, the ``--set NAME=`` of
the command line and the key in ``params`` of every result), its default, its allowed values and the error that
names them. Model parts carry the sympy symbol the parameter appears as in their formulas; purely numeric
families leave it out.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .errors import ParameterError
from .validation import check_int, check_real, describe_interval

__all__ = ["ParameterSpec", "KINDS", "real", "integer", "choice", "file", "flag", "text", "check_values"]

#: The kinds of parameter values: a real number, a whole number, one word of a fixed set, a list of real or whole
#: numbers (``--set NAME=`` repeated), a file path, a yes/no flag, and a text the family parses itself (a rule, an
#: activation written in sympy).
KINDS = ("real", "integer", "choice", "list", "file", "flag", "text")


@dataclass(frozen=True)
class ParameterSpec:
    """A parameter: its name, kind, default, allowed range and a one-line meaning.

    Parameters
    ----------
    name : str
        The one name of the parameter (Python keyword, ``--set NAME=...``, ``params`` key).
    description : str
        One line: what the parameter means.
    default : optional
        Value used when the parameter is not given; ``None`` for none.
    low, high : float, optional
        Allowed interval of a real or whole number (or of every entry of a list); ``None`` is unbounded.
    low_open, high_open : bool
        Exclude the end points.
    kind : str
        One of :data:`KINDS`.
    choices : tuple of str
        The allowed words of a ``choice``.
    item : str
        Kind of a list's entries, ``"real"`` or ``"integer"``.
    required : bool
        The parameter must be given (there is no meaningful default).
    symbol : sympy.Symbol, optional
        The symbol the parameter appears as in the model's formulas (model parts only).
    note : str
        Why the range is what it is; added to every error about a value outside it.
    keyword : str, optional
        The Python keyword where the name is a reserved word (``lambda`` is passed as ``lambda_``, PEP 8).
    """

    name: str
    description: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    kind: str = "real"
    choices: tuple = ()
    item: str = "real"
    required: bool = False
    symbol: Any = field(default=None, compare=False)
    note: str = ""
    keyword: str | None = None

    @property
    def python_name(self) -> str:
        """The keyword a Python function takes the parameter as."""
        return self.keyword or self.name

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind: must be one of {', '.join(KINDS)}; got {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"parameter {self.name!r}: a choice needs its choices")
        if self.kind == "list" and self.item not in ("real", "integer"):
            raise ValueError(f"parameter {self.name!r}: list entries are real or integer; got {self.item!r}")

    @property
    def repeatable(self) -> bool:
        """Whether ``--set NAME=`` may be given several times (each adds an entry)."""
        return self.kind == "list"

    def allowed(self) -> str:
        """The allowed values in words: ``(0, inf)``, ``whole numbers in [1, 10]``, ``{tanh, quadratic}``."""
        if self.kind == "choice":
            return "{" + ", ".join(self.choices) + "}"
        if self.kind == "file":
            return "a file path"
        if self.kind == "flag":
            return "{true, false}"
        if self.kind == "text":
            return "a text"
        interval = describe_interval(self.low, self.high, self.low_open, self.high_open)
        whole = self.kind == "integer" or (self.kind == "list" and self.item == "integer")
        return f"whole numbers in {interval}" if whole else interval

    def check(self, value):
        """``value`` validated and converted (float, int, str, list), or :class:`ParameterError` naming the range."""
        try:
            return self._check(value)
        except ParameterError as error:
            if not self.note:
                raise
            allowed, _, got = str(error).partition("; got ")
            raise ParameterError(self.name, f"{allowed.removeprefix(self.name + ': ')} ({self.note})"
                                            + (f"; got {got}" if got else "")) from None

    def _check(self, value):
        if self.kind == "real":
            return check_real(self.name, value, self.low, self.high, low_open=self.low_open, high_open=self.high_open)
        if self.kind == "integer":
            return self._whole(value)
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise ParameterError(self.name, f"must be one of {self.allowed()}; got {value!r}")
            return value
        if self.kind == "flag":
            if not isinstance(value, (bool, np.bool_)):
                raise ParameterError(self.name, f"must be true or false; got {value!r}")
            return bool(value)
        if self.kind == "text":
            if not isinstance(value, str) or not value.strip():
                raise ParameterError(self.name, f"must be a non-empty text; got {value!r}")
            return value.strip()
        if self.kind == "file":
            if not isinstance(value, (str, os.PathLike)):
                return value  # from Python, the content itself (an array) may stand for the file
            if not os.path.isfile(value):
                raise ParameterError(self.name, f"no such file {os.fspath(value)!r}")
            return os.fspath(value)
        values = [value] if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__") else list(value)
        if not values:
            raise ParameterError(self.name, f"needs at least one value in {self.allowed()}")
        if self.item == "integer":
            return [self._whole(v) for v in values]
        return [check_real(self.name, v, self.low, self.high, low_open=self.low_open, high_open=self.high_open)
                for v in values]

    def _whole(self, value) -> int:
        low = None if self.low is None else math.floor(self.low) + (1 if self.low_open else 0)
        high = None if self.high is None else math.ceil(self.high) - (1 if self.high_open else 0)
        return check_int(self.name, value, low, high)

    def parse(self, texts: list[str]):
        """The value of the command-line texts given for this parameter (one per ``--set NAME=``)."""
        if len(texts) > 1 and not self.repeatable:
            raise ParameterError(self.name, f"set {len(texts)} times ({', '.join(map(repr, texts))}); give it once")
        if self.kind in ("choice", "file", "text"):
            return self.check(texts[0])
        if self.kind == "flag":
            words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
            if texts[0].lower() not in words:
                raise ParameterError(self.name, f"must be true or false; got {texts[0]!r}")
            return words[texts[0].lower()]
        numbers = []
        for text in texts:
            try:
                numbers.append(float(text))
            except ValueError:
                kind = "whole number" if "whole" in self.allowed() else "real number"
                interval = self.allowed().removeprefix("whole numbers in ")
                raise ParameterError(self.name, f"must be a {kind} in {interval}; got {text!r}") from None
        return self.check(numbers if self.kind == "list" else numbers[0])

    def to_dict(self) -> dict:
        """The declaration as ``replica models --json`` shows it."""
        return {"name": self.name, "kind": self.kind, "description": self.description, "default": self.default,
                "range": self.allowed(), "required": self.required, "repeatable": self.repeatable}

    def narrowed(self, low=None, high=None) -> "ParameterSpec":
        """This parameter within ``[low, high]`` intersected with its own range."""
        return replace(self, low=max(low, self.low if self.low is not None else -math.inf) if low is not None
                       else self.low,
                       high=min(high, self.high if self.high is not None else math.inf) if high is not None
                       else self.high)


def real(name, description, default=None, low=None, high=None, *, low_open=False, high_open=False, required=False,
         symbol=None, keyword=None, note="") -> ParameterSpec:
    """A real-number parameter."""
    return ParameterSpec(name, description, default, low, high, low_open, high_open, "real", required=required,
                         symbol=symbol, keyword=keyword, note=note)


def integer(name, description, default=None, low=None, high=None, *, required=False) -> ParameterSpec:
    """A whole-number parameter in ``[low, high]``."""
    return ParameterSpec(name, description, default, low, high, kind="integer", required=required)


def choice(name, description, choices, default=None, *, required=False) -> ParameterSpec:
    """A parameter taking one word of ``choices``."""
    return ParameterSpec(name, description, default, kind="choice", choices=tuple(choices), required=required)


def file(name, description) -> ParameterSpec:
    """A file-path parameter."""
    return ParameterSpec(name, description, kind="file")


def text(name, description, default=None) -> ParameterSpec:
    """A text parameter, parsed by the family that takes it."""
    return ParameterSpec(name, description, default, kind="text")


def flag(name, description, default=False) -> ParameterSpec:
    """A yes/no parameter."""
    return ParameterSpec(name, description, default, kind="flag")


def check_values(owner: str, specs, values: dict, *, parse: bool = False) -> dict:
    """Validate ``values`` against ``specs`` and fill in defaults.

    Parameters
    ----------
    owner : str
        Who takes the parameters (a family name), for the error about an unknown name.
    specs : sequence of ParameterSpec
    values : dict
        Python values, or (``parse``) lists of command-line texts per name.

    Returns
    -------
    dict
        Every declared parameter with a value or a default, in declaration order.

    Raises
    ------
    ParameterError
        For an unknown name, a missing required parameter or a value outside its range.
    """
    by_name = {spec.name: spec for spec in specs}
    aliases = {spec.keyword: spec.name for spec in specs if spec.keyword}
    values = {aliases.get(name, name): value for name, value in values.items()}
    for name in values:
        if name not in by_name:
            listed = ", ".join(by_name) or "none"
            raise ParameterError(name, f"is not a parameter of {owner} (parameters: {listed})")
    checked = {}
    for spec in specs:
        if spec.name in values:
            checked[spec.name] = spec.parse(values[spec.name]) if parse else spec.check(values[spec.name])
        elif spec.required:
            raise ParameterError(spec.name, f"is required by {owner}: {spec.description}, in {spec.allowed()}")
        elif spec.default is not None:
            checked[spec.name] = spec.default
    return checked
