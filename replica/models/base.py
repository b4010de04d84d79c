"""Model declarations and the catalogue of models.

A model is declared from parts: a weight prior and a per-pattern channel (:mod:`replica.models.priors`,
:mod:`replica.models.channels`). Its parameters are the load ``alpha`` and the channel's parameters; the engine
derives everything else (:mod:`replica.derivation`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ModelDeclarationError, ParameterError
from ..symbolic.symbols import alpha as alpha_symbol
from ..validation import check_real
from ..parameters import ParameterSpec, real
from .channels import Channel
from .family import Family, register_family
from .priors import Prior

__all__ = ["Model", "register", "get_model", "available_models", "LOAD"]

#: The load alpha = P/N, common to every model.
LOAD = real("alpha", "load P/N (patterns per weight)", low=0.0, low_open=True, symbol=alpha_symbol)

_CATALOGUE: dict[str, "Model"] = {}


@dataclass(frozen=True)
class Model:
    """A replica model declared by its parts.

    Parameters
    ----------
    name : str
        Catalogue name, as used on the command line (``gardner``).
    summary : str
        One line describing the model.
    reference : str
        The paper the model and its published values come from.
    prior : Prior
    channel : Channel
    """

    name: str
    summary: str
    reference: str
    prior: Prior
    channel: Channel
    parameters: tuple = field(init=False)

    def __post_init__(self):
        if not isinstance(self.prior, Prior):
            raise ModelDeclarationError(f"model {self.name!r}: prior must be a Prior, got {self.prior!r}")
        if not isinstance(self.channel, Channel):
            raise ModelDeclarationError(f"model {self.name!r}: channel must be a Channel, got {self.channel!r}")
        from .teacher import BayesPrior, TeacherChannel

        if isinstance(self.prior, BayesPrior) != isinstance(self.channel, TeacherChannel):
            raise ModelDeclarationError(
                f"model {self.name!r}: a Bayes-optimal (teacher) prior needs a teacher channel and vice versa; got "
                f"{type(self.prior).__name__} with {type(self.channel).__name__}")
        specs = (LOAD,) + tuple(self.prior.parameters) + tuple(
            self._limited(spec) for spec in self.channel.parameters)
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise ModelDeclarationError(f"model {self.name!r}: parameter names clash: {names}")
        object.__setattr__(self, "parameters", specs)

    def _limited(self, spec: ParameterSpec) -> ParameterSpec:
        """``spec`` within the prior's :attr:`~replica.models.priors.Prior.parameter_limits`, if it declares any."""
        if spec.name not in self.prior.parameter_limits:
            return spec
        return spec.narrowed(*self.prior.parameter_limits[spec.name])

    @property
    def bayes_optimal(self) -> bool:
        """Whether this is a teacher–student model on the Nishimori line (:mod:`replica.models.teacher`)."""
        from .teacher import BayesPrior

        return isinstance(self.prior, BayesPrior)

    def parameter(self, name: str) -> ParameterSpec:
        for spec in self.parameters:
            if spec.name == name:
                return spec
        allowed = ", ".join(s.name for s in self.parameters)
        raise ParameterError(name, f"is not a parameter of model {self.name!r} (parameters: {allowed})")

    def check_parameters(self, values: dict, *, require_load: bool = False) -> dict:
        """Validate user-supplied parameters and fill in defaults.

        Returns a dict of floats; ``alpha`` is present only if given (or ``require_load``, which makes it
        mandatory).

        Raises
        ------
        ParameterError
            For an unknown name, a non-numeric value, or a value outside the parameter's range.
        """
        checked = {}
        for name, value in values.items():
            spec = self.parameter(name)
            checked[name] = check_real(name, value, spec.low, spec.high,
                                       low_open=spec.low_open, high_open=spec.high_open)
        for spec in self.parameters:
            if spec.name not in checked and spec.default is not None:
                checked[spec.name] = float(spec.default)
        if require_load and LOAD.name not in checked:
            raise ParameterError(LOAD.name, "is required: the load P/N, a real number in (0, inf)")
        return checked


def register(model: Model) -> Model:
    """Add a model to the catalogue (names are unique); it also becomes a family of the registry
    (:func:`~replica.models.family.get_family`), solved by :func:`replica.solve` and derived by the engine."""
    if model.name in _CATALOGUE:
        raise ModelDeclarationError(f"a model named {model.name!r} is already registered")
    register_family(model_family(model))
    _CATALOGUE[model.name] = model
    return model


def model_family(model: Model) -> Family:
    """The registry entry of an engine model: its parameters, :func:`replica.solve` and the engine's derivation."""

    def solver(**params):
        from ..report import solve

        return solve(model, **params)

    def equations():
        from ..derivation import derive

        return derive(model).equations()

    return Family(model.name, model.summary, model.reference, model.parameters, solver, equations)


def get_model(name: str | Model) -> Model:
    """Look a model up by catalogue name (a :class:`Model` is returned as it is)."""
    if isinstance(name, Model):
        return name
    try:
        return _CATALOGUE[name]
    except KeyError:
        known = ", ".join(sorted(_CATALOGUE))
        raise ParameterError("model", f"unknown model {name!r}; available models: {known}") from None


def available_models() -> list[Model]:
    """The registered models, sorted by name."""
    return [_CATALOGUE[name] for name in sorted(_CATALOGUE)]
