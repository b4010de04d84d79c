"""The family registry's contract, for every registered family: solve with the defaults from the command line and
from Python, the JSON keys, the derivation, and one declaration per parameter."""

import inspect
import json

import pytest
import sympy as sp

import replica
from capacity.cli import main
from replica.errors import ParameterError
from replica.models.family import Equations
from replica.report import STATUSES

FAMILIES = [family.name for family in replica.families()]


def test_every_family_of_the_issue_is_registered():
    assert set(FAMILIES) >= {"gardner", "ising-perceptron", "sign-perceptron", "glm", "glm-transitions", "committee",
                             "lam", "extensive-width", "extensive-width-scaling", "kernel-curve", "invariant", "erm"}


@pytest.mark.parametrize("name", FAMILIES)
def test_solve_with_the_defaults_answers_with_the_registry_key(name, capfd):
    code = main(["solve", name, "--json"])
    payload = json.loads(capfd.readouterr().out)
    assert set(payload) >= {"model", "params", "quantities", "status", "message"}
    assert payload["model"] == name and payload["status"] in STATUSES
    assert code == (1 if payload["status"] == "failure" else 0)
    family = replica.family(name)
    for spec in family.parameters:  # every default is in params under the parameter's one name
        if spec.default is not None and spec.name in payload["params"]:
            assert payload["params"][spec.name] == pytest.approx(spec.default) if isinstance(spec.default, float) \
                else payload["params"][spec.name] == spec.default
    report = family.solve()
    assert json.loads(json.dumps(report.to_dict())) == payload  # the API and the CLI give the same answer


@pytest.mark.parametrize("name", FAMILIES)
def test_derive_prints_the_equations_as_text_and_latex(name, capsys):
    equations = replica.family(name).derive()
    assert isinstance(equations, Equations) and equations.sections
    assert all(isinstance(expr, sp.Basic) for _, expr in equations.sections)
    assert main(["derive", name]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"{name}:") and all(title in text for title, _ in equations.sections)
    assert main(["derive", name, "--latex"]) == 0
    assert "\\" in capsys.readouterr().out


@pytest.mark.parametrize("name", FAMILIES)
def test_parameters_have_one_declaration(name):
    """Each parameter's default passes its own check; its range error names it; the solver's keyword defaults are
    the declared ones (checked at declaration: a family whose function drifts from its declaration cannot load)."""
    family = replica.family(name)
    for spec in family.parameters:
        if spec.default is not None:
            assert spec.check(spec.default) == spec.default
        if spec.kind in ("real", "integer") and spec.high is not None:
            with pytest.raises(ParameterError, match=f"^{spec.name}: must"):
                spec.check(spec.high * 2 + 1)
    with pytest.raises(ParameterError, match="is not a parameter"):
        family.check({"no_such_parameter": 1})


def test_a_drifting_default_is_refused_on_declaration():
    from replica.models.family import Family
    from replica.parameters import real

    def solver(x=2.0):
        return None

    with pytest.raises(replica.ModelDeclarationError, match="x defaults to 2.0 in solver but to 1.0"):
        Family("drift", "s", "r", (real("x", "x", default=1.0),), solver, lambda: None)
    assert inspect.signature(solver).parameters["x"].default == 2.0


def test_the_python_and_cli_names_agree():
    """The renamed parameters answer under one name in Python and on the command line."""
    from replica.extensive_width import solve_extensive_width
    from replica.kernel_curve import solve_kernel_curve

    assert solve_extensive_width(Delta=0.2, activation="quadratic").params["Delta"] == 0.2
    assert solve_kernel_curve(P=[10]).params["P"] == [10]
    assert replica.family("kernel-curve").solve().params["decay"] == 1.5  # was 2.0 in Python, 1.5 on the CLI
