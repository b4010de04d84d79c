"""The check registry and what every check shares: its declaration, its common settings, and how its instances run.

A :class:`Check` declares the family it checks, its parameters (:class:`~replica.parameters.ParameterSpec`), the
common settings it takes (sizes ``n``, ``trials``, ``seed``, ``solver``, ``decoupled``, ``method``; each a
ParameterSpec with the check's own default and range) and a ``run`` returning a
:class:`~capacity.verification.Verification`. Every check draws its instances through one :class:`Execution`:
seeded tasks run by joblib or a Dask cluster (:func:`capacity.experiments.run_trials`), with a progress bar,
recorded in a :class:`~capacity.store.TrialStore` so that an interrupted check resumes without losing finished
instances. Check modules declare ``CHECKS`` and are found by :func:`available_checks`.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

from replica.errors import ModelDeclarationError, ParameterError
from replica.parameters import ParameterSpec, check_values, choice, integer
from replica.registry import Registry

__all__ = ["Check", "Execution", "Ensemble", "get_check", "available_checks", "trials_setting", "seed_setting",
           "solver_setting", "method_setting", "COMMON_SETTINGS"]

#: The settings every check may take, besides its model parameters (``--n``, ``--trials``, ``--seed``,
#: ``--solver``, ``--decoupled``, ``--method`` on the command line).
COMMON_SETTINGS = ("n", "trials", "seed", "solver", "decoupled", "method")


def trials_setting(default: int, low: int = 2, high: int = 10**6) -> ParameterSpec:
    """Instances per size."""
    return integer("trials", "instances per size", default=default, low=low, high=high)


def seed_setting() -> ParameterSpec:
    """The seed every instance is drawn from (with its size and index), so any instance can be re-run alone."""
    return integer("seed", "seed of the experiment", default=0, low=0, high=2**63 - 1)


def solver_setting(solvers, default: str) -> ParameterSpec:
    """The convex solver of the check's programs."""
    return choice("solver", "convex solver of the certified programs", tuple(solvers), default=default)


def method_setting(methods, default: str) -> ParameterSpec:
    """Which experiment a check runs, where it has several (e.g. convex programs or posterior sampling)."""
    return choice("method", "experiment the check runs", tuple(methods), default=default)


@dataclass(frozen=True)
class Execution:
    """How a check's instances run: workers, progress, a resumable record, a cluster.

    Parameters
    ----------
    n_jobs : int
        Parallel workers (``-1``: all cores; ``1``: in this process).
    progress : bool
        Show a progress bar.
    store : str or Path, optional
        JSON-lines record of every finished instance (:class:`~capacity.store.TrialStore`).
    resume : bool
        Continue an existing ``store``; finished instances are not run again.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``n_jobs`` is then ignored).
    """

    n_jobs: int = 1
    progress: bool = False
    store: str | None = None
    resume: bool = False
    scheduler: str | None = None

    def __post_init__(self):
        if self.resume and self.store is None:
            raise ParameterError("resume", "needs --store FILE (store=...), the record of the sweep to continue")
        if self.n_jobs == 0 or not -1 <= self.n_jobs <= 512:
            raise ParameterError("jobs", f"must be -1 (all cores) or a whole number in [1, 512]; got {self.n_jobs}")

    @contextmanager
    def ensemble(self, experiment: dict):
        """Open the record of ``experiment`` (every setting that changes the results) for the duration of a check
        and yield the :class:`Ensemble` that runs its instances."""
        from ..store import TrialStore

        store = TrialStore(self.store, experiment, resume=self.resume) if self.store is not None else None
        try:
            yield Ensemble(store, self.n_jobs, self.progress, self.scheduler)
        finally:
            if store is not None:
                store.close()  # releases the lock for the next process


@dataclass(frozen=True)
class Ensemble:
    """The instances of one check: tasks not yet in the record run (in parallel), each recorded as it finishes."""

    store: object
    n_jobs: int
    progress: bool
    scheduler: str | None

    def run(self, function, tasks, description: str = "instances") -> list[dict]:
        """``function(*task)`` for every task (seeded by its own arguments), as JSON-safe dicts in task order."""
        from ..experiments import run_trials

        return run_trials(function, tasks, n_jobs=self.n_jobs, progress=self.progress, store=self.store,
                          description=description, scheduler=self.scheduler)

    def options(self) -> dict:
        """The keywords of the sweep functions that run tasks themselves (``n_jobs``, ``progress``, ``store``,
        ``scheduler``)."""
        return {"n_jobs": self.n_jobs, "progress": self.progress, "store": self.store, "scheduler": self.scheduler}


@dataclass(frozen=True)
class Check:
    """A family's check at finite size.

    Parameters
    ----------
    family : str
        The registry key of the family checked (its :class:`~capacity.verification.Verification`'s ``model``).
    summary : str
        One line: what is compared with what.
    parameters : tuple of ParameterSpec
        The model parameters the check takes (often a subset of the family's, sometimes lists of them).
    settings : tuple of ParameterSpec
        The common settings it takes (names in :data:`COMMON_SETTINGS`); a setting not declared is refused.
    run : callable
        ``run(**parameters, **settings, execution=Execution) -> Verification``.
    smoke : dict
        Parameters and settings of the smallest meaningful run (seconds): what the contract test runs for every
        registered check, and a quick way to see a check's output.
    figure : bool
        Whether its verification draws a figure (``--plot``).
    """

    family: str
    summary: str
    parameters: tuple
    settings: tuple
    run: Callable = field(repr=False)
    smoke: dict = field(default_factory=dict)
    figure: bool = False

    def __post_init__(self):
        unknown = {s.name for s in self.settings} - set(COMMON_SETTINGS)
        if unknown:
            raise ModelDeclarationError(f"check {self.family!r}: settings {sorted(unknown)} are not common settings "
                                        f"({', '.join(COMMON_SETTINGS)}); declare them as parameters")

    def takes(self, setting: str) -> bool:
        return any(s.name == setting for s in self.settings)

    def check(self, values: dict, settings: dict, *, parse: bool = False) -> tuple[dict, dict]:
        """Validated parameters and settings, defaults filled in."""
        return (check_values(f"verify {self.family}", self.parameters, values, parse=parse),
                check_values(f"verify {self.family}", self.settings, settings, parse=parse))

    def verify(self, *, execution: Execution | None = None, **values):
        """Run the check: ``values`` are parameters and settings by name (defaults for the rest)."""
        names = {s.name for s in self.settings}
        params, settings = self.check({k: v for k, v in values.items() if k not in names},
                                      {k: v for k, v in values.items() if k in names})
        return self.call(params, settings, execution or Execution())

    def call(self, params: dict, settings: dict, execution: Execution):
        """``run`` on checked parameters and settings (by name), passed as its keywords."""
        keywords = {spec.name: spec.python_name for spec in (*self.parameters, *self.settings)}
        return self.run(**{keywords[k]: v for k, v in {**params, **settings}.items()}, execution=execution)


_REGISTRY = Registry(__package__, "CHECKS", key=lambda check: check.family,
                     missing=lambda name, known: f"no finite-size check for {name!r}; checks exist for: "
                                                 f"{', '.join(known)}")


def get_check(family: str) -> Check:
    """The check of a family, or a :class:`ParameterError` listing the families that have one."""
    return _REGISTRY.get(family)


def available_checks() -> list[Check]:
    """Every registered check, sorted by family."""
    return _REGISTRY.entries()
