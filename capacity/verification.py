"""The one result type of every check: theory against finite-size experiment, with the tables behind the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from replica.errors import ReplicaError
from replica.serialization import json_safe

__all__ = ["Verification", "VERDICTS"]

#: The outcomes of a check: ``success`` (theory and experiment agree, every instance certain), ``warning`` (they
#: agree, with a caveat in the message, e.g. doubtful instances that widen the interval) and ``failure`` (they
#: disagree, or the experiment cannot decide; the message says which).
VERDICTS = ("success", "warning", "failure")


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a family's theory at finite size.

    Attributes
    ----------
    model : str
        The family's registry key.
    params : dict
        Every setting of the check (model parameters, sizes, instances, seed, solver).
    theory : dict
        The theory's values that are checked (and the ones reported alongside).
    estimate : dict
        The experiment's estimates of those values, with their intervals or standard errors.
    tables : dict of str to pandas.DataFrame
        The per-instance and per-size tables behind the verdict.
    status : str
        One of :data:`VERDICTS`.
    message : str
        The comparison in words: what was compared, the numbers, the verdict.
    figure : callable, optional
        Draws the comparison (a matplotlib figure); not every check has one.
    """

    model: str
    params: dict
    theory: dict
    estimate: dict
    tables: dict
    status: str
    message: str
    figure: Callable | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.status not in VERDICTS:
            raise ValueError(f"status: must be one of {', '.join(VERDICTS)}; got {self.status!r}")

    @property
    def agree(self) -> bool:
        """Whether theory and experiment agree (``success`` or ``warning``)."""
        return self.status != "failure"

    def to_dict(self) -> dict:
        """JSON-safe: ``model``, ``params``, ``theory``, ``estimate``, ``quantities`` (both, for scripts that read
        one place), every table as a list of records, ``status`` and ``message``."""
        return json_safe({"model": self.model, "params": self.params,
                          "quantities": {**self.theory, **self.estimate, "agree": self.agree},
                          "theory": self.theory, "estimate": self.estimate,
                          "tables": {name: table.to_dict(orient="records") for name, table in self.tables.items()},
                          "status": self.status, "message": self.message})

    def to_frame(self, table: str | None = None) -> pd.DataFrame:
        """One table (default: the first, the per-size or per-load summary)."""
        if not self.tables:
            raise ReplicaError(f"the {self.model} check has no table")
        name = next(iter(self.tables)) if table is None else table
        if name not in self.tables:
            raise KeyError(f"table {name!r}; this check has {', '.join(self.tables)}")
        return self.tables[name]

    def plot(self):
        """The comparison figure (matplotlib), for checks that draw one."""
        if self.figure is None:
            raise ReplicaError(f"the {self.model} check draws no figure")
        return self.figure()
