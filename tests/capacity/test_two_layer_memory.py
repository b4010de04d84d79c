"""Two-layer linear memories W2 W1: exact statements (h = 1, h >= d), witnesses, and the certified bracket."""

import json

import numpy as np
import pytest

from capacity.cli import main
from capacity.two_layer_memory import factorised_memory, summarise_two_layer, two_layer_thresholds
from capacity.checks.lam import draw_memory_instance
from replica.errors import ParameterError
from replica.lam import optimal_capacity, solve_lam


def _smallest_natural_margin(memory, inputs, targets):
    """min over mu, nu != mu of (y_mu - y_nu) . W x_mu, times d / |W|_F (recomputed without the library)."""
    d = inputs.shape[1]
    scores = inputs @ memory.T @ targets.T  # scores[m, n] = y_n . W x_m
    gaps = np.diag(scores)[:, None] - scores
    np.fill_diagonal(gaps, np.inf)
    return gaps.min() * d / np.linalg.norm(memory)


@pytest.mark.parametrize("hidden, p", [(1, 2), (2, 8), (3, 10)])
def test_a_reported_witness_stores_every_association(hidden, p):
    inputs, targets, _ = draw_memory_instance(8, p, seed=3, trial=0, decoupled=False)
    found = factorised_memory(inputs, targets, hidden)
    assert found.stored and found.outer.shape == (8, hidden) and found.inner.shape == (hidden, 8)
    margin = _smallest_natural_margin(found.outer @ found.inner, inputs, targets)
    assert margin > 0 and margin == pytest.approx(found.margin, abs=1e-9)


def test_rank_one_memory_cannot_store_three_shared_competitor_associations():
    # h = 1: only the targets with the largest and the smallest projection on u can win (module docstring).
    for trial in range(5):
        inputs, targets, _ = draw_memory_instance(8, 3, seed=0, trial=trial, decoupled=False)
        found = factorised_memory(inputs, targets, 1)
        assert not found.stored and found.margin < 0


def test_bracket_and_its_dependence_on_width():
    thresholds = two_layer_thresholds(6, [1, 3, 6], trials=4, progress=False)
    assert (thresholds.full_outcome == "certified").all()
    assert (thresholds.p_witness < thresholds.p_star_full).all()
    by_width = thresholds.groupby("hidden")
    assert (by_width.get_group(1).p_witness == 2).all()  # exact: at most two, and two always fit
    full = by_width.get_group(6)
    assert (full.p_witness == full.p_star_full - 1).all()  # h = d is the certified one-layer problem
    summary = summarise_two_layer(thresholds).set_index("hidden")
    assert summary.p_witness[1] < summary.p_witness[3] <= summary.p_witness[6]
    # a rank-3 product is a special one-layer memory, so it cannot store more (exact); measured: about 0.88
    assert summary.fraction_of_one_layer[3] < 1


def test_solve_lam_with_a_hidden_width_says_what_is_known():
    one_layer = solve_lam(10, samples=20_000)
    assert solve_lam(10, h=10, samples=20_000).quantities["p_c"] == one_layer.quantities["p_c"]
    rank_one = solve_lam(10, h=1, samples=20_000)
    assert rank_one.status == "success" and rank_one.quantities["p_c"] == 2
    middle = solve_lam(10, h=4, samples=20_000)
    assert middle.status == "warning" and "empirical only" in middle.message
    assert "p_c" not in middle.quantities and middle.quantities["p_c_lower_bound"] == 2.0
    assert middle.quantities["p_c_upper_bound"] == optimal_capacity(10, samples=20_000)["p_c"]
    with pytest.raises(ParameterError, match="hidden"):
        factorised_memory(*draw_memory_instance(5, 4, 0, 0, False)[:2], 6)


def test_cli_verifies_the_two_layer_memory(capfd):
    code = main(["verify", "lam", "--set", "d=5", "--set", "h=2", "--set", "h=5", "--trials", "2", "--json"])
    payload = json.loads(capfd.readouterr().out)
    assert code == 0 and payload["status"] == "success" and "empirical only" in payload["message"]
    assert [row["hidden"] for row in payload["tables"]["summary"]] == [2, 5]
    assert len(payload["tables"]["instances"]) == 4
    assert main(["verify", "lam", "--set", "d=5", "--set", "h=7"]) == 2
    assert "h:" in capfd.readouterr().err
