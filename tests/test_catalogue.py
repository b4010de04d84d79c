"""Every published value of every family (tests/catalogue.py), reproduced through the family registry."""

import warnings

import pytest

import replica
from tests.catalogue import CATALOGUE, value_of


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda entry: entry.label)
def test_published_value(entry):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", replica.RSInstabilityWarning)  # the RS values are the published ones
        report = replica.family(entry.family).solve(**entry.params)
    assert report.status != "failure", report.message
    assert value_of(report.quantities, entry.quantity) == pytest.approx(entry.value, abs=entry.tolerance), entry.source


def test_every_family_with_published_values_is_registered():
    names = {family.name for family in replica.families()}
    assert {entry.family for entry in CATALOGUE} <= names
