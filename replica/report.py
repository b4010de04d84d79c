"""User-level answers: named quantities with their status, stability verdict and warnings.

This is what ``replica solve`` prints: ``model``, ``params``, ``quantities``, ``status``, ``message``.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np

from .errors import ReplicaError
from .models import Model, get_model
from .serialization import json_safe
from .theory import RSInstabilityWarning, stability_label, theory

__all__ = ["Report", "solve"]

#: How every note about replica-symmetry breaking begins; those notes are also emitted as RSInstabilityWarning.
_UNSTABLE = "replica symmetry is unstable"


@dataclass(frozen=True)
class Report:
    """An answer for one parameter point.

    Attributes
    ----------
    model : str
    params : dict
        The validated parameters, defaults filled in.
    quantities : dict
        Named results (floats, strings, booleans).
    status : str
        ``"success"`` (valid answer), ``"warning"`` (a number with a caveat stated in ``message``, e.g. RS
        unstable) or ``"failure"`` (no trustworthy number; see ``message``). A failure's numeric quantities are
        replaced by ``None`` on construction, so that no script can pick one up as a result; its diagnostics
        (residual, iterations) are in ``message``.
    message : str
    """

    model: str
    params: dict
    quantities: dict
    status: str
    message: str
    warnings: tuple = field(default=())

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status: must be one of {', '.join(STATUSES)}; got {self.status!r}")
        if self.status == "failure":  # a failure carries no number a script could pick up as a result
            object.__setattr__(self, "quantities", {name: None if _is_number(value) else value
                                                    for name, value in self.quantities.items()})

    def to_dict(self) -> dict:
        return json_safe(self)


#: The three outcomes of a report, in increasing severity.
STATUSES = ("success", "warning", "failure")


def _is_number(value) -> bool:
    """Whether ``value`` is a number (or an array of numbers), not a flag or a label."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Number):
        return True
    return isinstance(value, (list, tuple, np.ndarray)) and any(_is_number(v) for v in np.ravel(value))


def solve(model: str | Model, **params) -> Report:
    r"""Capacity and, if a load ``alpha`` is given, the RS saddle point there, with stability verdicts.

    Every capacity answer says which criterion fixed it and whether RS is stable there:

    * continuous weights (Gardner 1988): ``alpha_c`` from :math:`q \to 1`, ``capacity_criterion = "q->1"``,
      ``replicon_at_capacity`` and ``rs_stability_at_capacity`` (Gardner & Derrida 1988: stable for
      :math:`\kappa > 0`, marginal at 0, unstable below);
    * discrete weights (Krauth & Mézard 1989): ``alpha_q1`` (rejected, ``alpha_q1_valid = False``) and
      ``alpha_c``, the zero-entropy load (``capacity_criterion = "zero-entropy"``), with the entropy, overlap and
      replicon there.

    With ``alpha`` also ``q``, ``free_entropy``, ``replicon``, ``rs_stability``, ``residual`` and ``n_iter`` of
    the saddle point.

    Emits :class:`~replica.theory.RSInstabilityWarning` where RS is unstable; raises
    :class:`~replica.errors.ParameterError` for bad parameters.
    """
    model = get_model(model)
    if model.bayes_optimal:
        raise ReplicaError(f"{model.name} is a Bayes-optimal teacher-student model without a capacity; use "
                           "replica.solve_glm (or `replica solve glm`)")
    checked = model.check_parameters(params)
    load = checked.pop("alpha", None)
    th = theory(model)
    notes, status = [], "success"
    if model.prior.discrete:
        quantities, status = _discrete_capacity(th, checked, notes)
    else:
        quantities, status = _q_to_one_capacity(th, checked, notes)
    if load is not None:
        solution = th.saddle_point(load, **checked)
        if not solution.success:  # no saddle-point numbers, not even a stability label computed from them
            status = "failure"
            notes.insert(0, f"saddle point at alpha={load:g} not trusted: {solution.message} (residual "
                            f"{float(solution.residual):.3g} after {int(solution.n_iter)} iterations)")
        else:
            replicon = float(solution["replicon"])
            quantities.update({
                "q": float(solution["q"]),
                "free_entropy": float(solution["free_entropy"]),
                "replicon": replicon,
                "rs_stability": stability_label(replicon),
                "residual": float(solution.residual),
                "n_iter": int(solution.n_iter),
            })
            if quantities["rs_stability"] == "unstable":
                status = "warning" if status == "success" else status
                notes.append(f"{_UNSTABLE} at alpha={load:g} (replicon {replicon:.4g})")
            if model.prior.discrete and quantities["free_entropy"] < 0:
                status = "warning" if status == "success" else status
                notes.append(f"the RS entropy is negative at alpha={load:g}: no solutions there, the RS saddle is "
                             "unphysical")
    for note in notes:
        if note.startswith(_UNSTABLE):
            warnings.warn(note, RSInstabilityWarning, stacklevel=2)
    message = "; ".join(notes) if notes else "ok"
    if load is not None:
        checked["alpha"] = load
    return Report(model.name, checked, quantities, status, message, tuple(notes))


def _q_to_one_capacity(th, checked: dict, notes: list) -> tuple[dict, str]:
    """Continuous weights: the capacity is the q -> 1 load, valid where RS is stable there."""
    alpha_c = float(th.alpha_c(**checked))
    replicon_c = float(th.replicon_at_capacity(**checked))
    stability_c = stability_label(replicon_c)
    quantities = {
        "alpha_c": alpha_c,
        "capacity_criterion": "q->1",
        "replicon_at_capacity": replicon_c,
        "rs_stability_at_capacity": stability_c,
    }
    status = "success"
    if stability_c == "unstable":
        status = "warning"
        notes.append(f"{_UNSTABLE} at capacity (replicon {replicon_c:.4g} < 0): alpha_c = "
                     f"{alpha_c:.6g} is the RS value, not the true capacity")
    elif stability_c == "marginal":
        notes.append("replica symmetry is marginally stable at capacity (replicon = 0)")
    return quantities, status


def _discrete_capacity(th, checked: dict, notes: list) -> tuple[dict, str]:
    """Discrete weights: the q -> 1 load is rejected where the entropy vanishes first (Krauth & Mezard 1989)."""
    alpha_q1 = float(th.alpha_c(**checked))
    zero = th.zero_entropy_load(**checked)
    quantities = {"alpha_q1": alpha_q1}
    if not zero.success:
        quantities.update({"alpha_c": None, "capacity_criterion": None})
        notes.append(f"the zero-entropy load was not found: {zero.message}")
        return quantities, "failure"
    alpha_c = float(zero["alpha"])
    at_capacity = th.saddle_point(alpha_c, **checked)
    replicon_c = float(at_capacity["replicon"])
    quantities.update({
        "alpha_c": alpha_c,
        "capacity_criterion": "zero-entropy",
        "alpha_q1_valid": False,
        "entropy_at_capacity": float(at_capacity["free_entropy"]),
        "q_at_capacity": float(at_capacity["q"]),
        "replicon_at_capacity": replicon_c,
        "rs_stability_at_capacity": stability_label(replicon_c),
    })
    notes.append(f"alpha_q1 = {alpha_q1:.6g} rejected: the RS entropy is already negative above alpha_c = "
                 f"{alpha_c:.6g}, where it vanishes")
    status = "success"
    if quantities["rs_stability_at_capacity"] == "unstable":
        status = "warning"
        notes.append(f"{_UNSTABLE} at the zero-entropy load (replicon {replicon_c:.4g} < 0)")
    return quantities, status
