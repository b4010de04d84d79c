"""Model declarations: the catalogue, parameter checks, and clear errors for inconsistent declarations."""

import pytest
import sympy as sp

import replica
from replica.errors import ModelDeclarationError, ParameterError
from replica.models import MarginConstraint, Model, SphericalPrior, get_model
from replica.models.priors import Prior
from replica.symbolic import assemble_free_entropy, derive_saddle_point
from replica.symbolic.symbols import q_hat


def test_catalogue_lists_gardner():
    assert [m.name for m in replica.available_models()] == ["gardner", "ising-perceptron", "sign-perceptron"]
    assert get_model("gardner").parameter("kappa").default == 0.0


def test_unknown_model_is_a_parameter_error_listing_the_catalogue():
    with pytest.raises(ParameterError, match="available models: gardner, ising-perceptron, sign-perceptron"):
        get_model("ising")


def test_parts_must_be_parts():
    with pytest.raises(ModelDeclarationError, match="prior must be a Prior"):
        Model("bad", "", "", prior="spherical", channel=MarginConstraint())
    with pytest.raises(ModelDeclarationError, match="channel must be a Channel"):
        Model("bad", "", "", prior=SphericalPrior(), channel=None)


def test_duplicate_registration_is_refused():
    with pytest.raises(ModelDeclarationError, match="already registered"):
        replica.register(Model("gardner", "", "", SphericalPrior(), MarginConstraint()))


def test_check_parameters_fills_defaults_and_requires_the_load_when_asked():
    model = get_model("gardner")
    assert model.check_parameters({}) == {"kappa": 0.0}
    with pytest.raises(ParameterError, match="alpha: is required"):
        model.check_parameters({}, require_load=True)
    with pytest.raises(ParameterError, match=r"alpha: must lie in \(0, inf\)"):
        model.check_parameters({"alpha": -1})


class _NeverConvergentPrior(Prior):
    """A prior whose declared convergence condition no branch satisfies: an inconsistent declaration."""

    @property
    def conjugates(self):
        return (q_hat,)

    def entropic_term(self, q):
        return q * q_hat / 2 - sp.log(q_hat) / 2

    def convergence_conditions(self):
        return (-q_hat,)

    def replicon_factor(self, q):
        return (1 - q) ** 2


def test_inconsistent_prior_declaration_is_reported():
    prior = _NeverConvergentPrior()
    free_entropy = assemble_free_entropy(prior, MarginConstraint())
    with pytest.raises(ModelDeclarationError, match="0 admissible solutions"):
        derive_saddle_point(free_entropy, prior.convergence_conditions())


class _ChannelUsingTheLoadName(MarginConstraint):
    """Declares a parameter named like the load: inconsistent symbols."""

    @property
    def parameters(self):
        from replica.models import LOAD
        return (LOAD,)


def test_clashing_parameter_names_are_refused():
    with pytest.raises(ModelDeclarationError, match="parameter names clash"):
        Model("clash", "", "", SphericalPrior(), _ChannelUsingTheLoadName())


class _IsingWithoutDivergence(replica.models.IsingPrior):
    conjugate_divergence = {}


def test_missing_q_to_one_scaling_is_reported():
    model = Model("undeclared", "", "", _IsingWithoutDivergence(), MarginConstraint())
    with pytest.raises(replica.ReplicaError, match="does not declare how"):
        replica.derive(model)
