"""Every published value of every family (tests/catalogue.py), reproduced through the family registry."""

import warnings

import numpy as np
import pytest

import replica
from tests.catalogue import CATALOGUE, CURVES, FEATURE_OVERLAPS, FEATURE_OVERLAPS_SOURCE, value_of


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda entry: entry.label)
def test_published_value(entry):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", replica.RSInstabilityWarning)  # the RS values are the published ones
        report = replica.family(entry.family).solve(**entry.params)
    assert report.status != "failure", report.message
    assert value_of(report.quantities, entry.quantity) == pytest.approx(entry.value, abs=entry.tolerance), entry.source


def _curve_solver(curve, **changes):
    family = replica.family(curve.family)
    params = {**curve.params, **changes}
    return lambda x: value_of(family.solve(**params, **{curve.variable: x}).quantities, curve.quantity)


@pytest.mark.parametrize("curve", CURVES, ids=lambda curve: curve.label)
def test_published_curve(curve):
    assert curve.disagreements(_curve_solver(curve)) == [], curve.source


def test_the_posterior_samples_reject_a_closure_solved_at_another_size():
    """The authors' samples at d = 200 tell the closure at d = 200 from the same closure at d = 1000 (its readouts
    normalised over 500 features instead of 100): 8 of the 20 budgets fall outside, before and inside the avalanche,
    and so do a readout exponent off by 0.05 and a noise off by a quarter."""
    curve, = (c for c in CURVES if c.family == "extensive-width")
    assert len(curve.disagreements(_curve_solver(curve, d=1000))) >= 6
    assert len(curve.disagreements(_curve_solver(curve, beta=0.35))) >= 6
    assert len(curve.disagreements(_curve_solver(curve, Delta=0.05))) >= 6


def _profile(name: str, k: int = 100):
    """The readout vectors of :data:`tests.catalogue.FEATURE_OVERLAPS`: a power law by name, or a user's vector."""
    if name.startswith("beta="):
        return {"beta": float(name[5:])}
    i = np.arange(k)
    v = {"dense": np.linspace(2.5, 1, k), "exp": np.exp(-i / 20), "exp2": np.exp(-i / 5)}[name]
    return {"readouts": v / np.linalg.norm(v)}


def _overlap_disagreements(**changes):
    """The entries of FEATURE_OVERLAPS where the learnt count differs, or the mean overlap of the learnt features
    lies beyond three standard errors plus 0.005 (finite d), with the closure solved at d = 200, Delta = 0.04."""
    family, outside = replica.family("extensive-width"), []
    for name, budget, learnt, mean, se in FEATURE_OVERLAPS:
        params = {"kappa": 0.5, "Delta": 0.04, "d": 200, "n_over_d2": budget, **_profile(name), **changes}
        summary = family.solve(**params).quantities["overlaps_summary"]
        theory = summary["mean"] * summary["k"] / max(summary["learnt"], 1)  # unlearnt features have q = 0
        if summary["learnt"] != learnt or not abs(theory - mean) <= 3 * se + 0.005:
            outside.append((name, budget, summary["learnt"], learnt, theory, mean))
    return outside


def test_the_feature_overlaps_of_the_authors_samples():
    """Six readout profiles, three of them user vectors, at 24 budgets: the same learnt features and their mean
    overlap within three standard errors plus 0.005 (measured: within 2.3 standard errors, 0.011 at most); a noise
    off by an eighth or the closure at d = 1000 fails most entries."""
    assert _overlap_disagreements() == [], FEATURE_OVERLAPS_SOURCE
    assert len(_overlap_disagreements(Delta=0.045)) >= 12
    assert len(_overlap_disagreements(d=1000)) >= 12


def test_every_family_with_published_values_is_registered():
    names = {family.name for family in replica.families()}
    assert {entry.family for entry in CATALOGUE + CURVES} <= names
