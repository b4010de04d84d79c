"""The memory check: the score-gap rows of the certified programs, and the Hebbian theory against direct
simulation."""

import math

import numpy as np
import pytest

from capacity.checks.lam import association_rows, draw_memory_instance, hebbian_trials
from replica.lam import hebbian_capacity
from tests.catalogue import LAWS


def test_association_rows_are_the_score_gaps():
    d, p = 4, 5
    rng = np.random.default_rng(0)
    inputs, targets, competitors = draw_memory_instance(d, p, 0, 0, decoupled=True)
    memory = rng.standard_normal((d, d))
    for model_competitors in (None, competitors):
        rows = association_rows(inputs, targets, model_competitors)
        expected = []
        for mu in range(p):
            others = [targets[nu] for nu in range(p) if nu != mu] if model_competitors is None else competitors[mu, :p - 1]
            expected += [d * (targets[mu] - other) @ memory @ inputs[mu] for other in others]
        np.testing.assert_allclose(rows @ memory.ravel(), expected, rtol=1e-12)


def test_hebbian_theory_against_direct_simulation():
    d = 300
    p_h = hebbian_capacity(d)
    law = LAWS["memory_hebbian"][0]
    assert 0.09 < p_h * math.log(p_h) / d**2 < law  # below the 1/8 law at this d, approaching it
    table = hebbian_trials(d, [round(0.7 * p_h), round(1.4 * p_h)], trials=16)
    assert table.fraction_stored.iloc[0] >= 0.8 and table.fraction_stored.iloc[1] <= 0.2
    assert np.all(np.abs(table.fraction_stored - table.theory) <= 3 * table.standard_error + 0.15)
    assert hebbian_capacity(10**6) * math.log(hebbian_capacity(10**6)) / 1e12 == pytest.approx(law, abs=0.015)
