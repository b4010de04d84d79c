"""The family registry: one model family, one declaration, read by the Python API, the CLI, the checks and the tests.

A :class:`Family` names a model family and declares its parameters (:class:`~replica.parameters.ParameterSpec`),
a ``solve`` that answers a :class:`~replica.report.Report`, and a ``derive`` that returns the equations it solves
as sympy objects (:class:`Equations`). Families built from engine parts (a prior and a channel, :class:`Model`)
are registered by :func:`replica.register`; the other families are declared in their own module of this package
(a module-level ``FAMILIES`` tuple), found by :func:`available_families` without any list to maintain.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

from ..errors import ModelDeclarationError, ParameterError
from ..parameters import ParameterSpec, check_values
from ..registry import Registry

__all__ = ["Family", "Equations", "register_family", "get_family", "available_families", "CAPACITY"]

#: The common name of a storage capacity in every family's report: the critical number of patterns per
#: adjustable weight (families may also report it under their own name, e.g. ``p_c`` for the memory).
CAPACITY = "alpha_c"



@dataclass(frozen=True)
class Equations:
    """The equations a family solves, as titled sympy objects.

    Attributes
    ----------
    family : str
    sections : tuple of (str, sympy object)
        Titled equations (``sympy.Eq``) or expressions, in the order they are solved.
    source : callable, optional
        Returns the family's own LaTeX rendering (the engine's derivation); otherwise each section is printed.
    """

    family: str
    sections: tuple
    source: Callable[[], str] | None = field(default=None, compare=False, repr=False)

    def latex(self) -> str:
        """LaTeX display lines, one per equation, each preceded by its title as a comment."""
        if self.source is not None:
            return self.source()
        return "\n".join(f"% {title}\n{sp.latex(expr)}" for title, expr in self.sections)

    def text(self) -> str:
        """Plain-text rendering: the title, then the equation in sympy's string form."""
        return "\n".join(f"\n{title}:\n  {sp.sstr(expr)}" for title, expr in self.sections)

    def _repr_latex_(self) -> str:
        return "$$" + r" \\ ".join(sp.latex(expr) for _, expr in self.sections) + "$$"


@dataclass(frozen=True)
class Family:
    """A model family: its name, its parameters, how it is solved and which equations it solves.

    Parameters
    ----------
    name : str
        Registry key, as used on the command line and as ``Report.model``.
    summary, reference : str
        One line on what it computes; the paper(s) it comes from.
    parameters : tuple of ParameterSpec
        Every parameter ``solve`` takes, with its default and range.
    solver : callable
        ``solver(**params) -> Report``. Its keyword names and defaults must be those of ``parameters`` (checked
        on declaration), so the Python function and the registry cannot drift apart.
    equations : callable
        ``equations(**params) -> Equations`` for the parameters named in ``derive_parameters``.
    derive_parameters : tuple of str
        The parameters that change the equations (``prior`` and ``channel`` of a GLM); the others are symbols.
    """

    name: str
    summary: str
    reference: str
    parameters: tuple
    solver: Callable = field(repr=False)
    equations: Callable = field(repr=False)
    derive_parameters: tuple = ()

    def __post_init__(self):
        names = [spec.name for spec in self.parameters]
        if len(set(names)) != len(names):
            raise ModelDeclarationError(f"family {self.name!r}: parameter names clash: {names}")
        if not all(isinstance(spec, ParameterSpec) for spec in self.parameters):
            raise ModelDeclarationError(f"family {self.name!r}: parameters must be ParameterSpec declarations")
        unknown = set(self.derive_parameters) - set(names)
        if unknown:
            raise ModelDeclarationError(f"family {self.name!r}: derive_parameters {sorted(unknown)} not declared")
        _check_signature(self)

    def parameter(self, name: str) -> ParameterSpec:
        for spec in self.parameters:
            if spec.name == name:
                return spec
        raise ParameterError(name, f"is not a parameter of {self.name} (parameters: "
                                   f"{', '.join(s.name for s in self.parameters)})")

    def check(self, values: dict, *, parse: bool = False) -> dict:
        """Validated parameters with defaults filled in (``parse``: ``values`` are command-line texts)."""
        return check_values(self.name, self.parameters, values, parse=parse)

    def solve(self, **params):
        """The family's :class:`~replica.report.Report` at ``params`` (defaults for the rest)."""
        return self.call(self.check(params))

    def call(self, checked: dict):
        """The solver on checked parameters (by name), passed as its keywords."""
        keywords = {spec.name: spec.python_name for spec in self.parameters}
        return self.solver(**{keywords[name]: value for name, value in checked.items()})

    def derive(self, **params) -> Equations:
        """The equations the family solves (only ``derive_parameters`` may be given)."""
        extra = set(params) - set(self.derive_parameters)
        if extra:
            allowed = ", ".join(self.derive_parameters) or "no parameters"
            raise ParameterError(sorted(extra)[0], f"does not change the equations of {self.name} (derive takes "
                                                   f"{allowed})")
        checked = self.check(params)
        return self.equations(**{name: checked[name] for name in self.derive_parameters if name in checked})

    def to_dict(self) -> dict:
        """The declaration as ``replica models --json`` shows it."""
        return {"model": self.name, "summary": self.summary, "reference": self.reference,
                "parameters": [spec.to_dict() for spec in self.parameters]}


def _check_signature(family: Family) -> None:
    """The solver's keywords are the declared parameters, with the same defaults (one source of truth)."""
    signature = inspect.signature(family.solver)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()):
        return  # a generic solver (engine models): it validates with the same specs
    accepted = {name for name, p in signature.parameters.items()
                if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
    for spec in family.parameters:
        if spec.python_name not in accepted:
            raise ModelDeclarationError(f"family {family.name!r}: {family.solver.__name__} has no keyword "
                                        f"{spec.python_name!r}")
        default = signature.parameters[spec.python_name].default
        if default is not inspect.Parameter.empty and default != spec.default:
            raise ModelDeclarationError(f"family {family.name!r}: {spec.name} defaults to {default!r} in "
                                        f"{family.solver.__name__} but to {spec.default!r} in the declaration")


_REGISTRY = Registry(__package__, "FAMILIES", key=lambda family: family.name,
                     missing=lambda name, known: f"unknown model {name!r}; available models: {', '.join(known)}")


def register_family(family: Family) -> Family:
    """Add a family to the registry (names are unique)."""
    return _REGISTRY.add(family)


def get_family(name: str) -> Family:
    """Look a family up by its registry name."""
    return _REGISTRY.get(name)


def available_families() -> list[Family]:
    """Every registered family, sorted by name."""
    return _REGISTRY.entries()
