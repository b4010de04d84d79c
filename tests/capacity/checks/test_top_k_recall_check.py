"""The exact top-k recall search at d = 2 against direct scoring of memories, brute force and the certified LP."""

import itertools
from dataclasses import replace

import numpy as np
import pytest

import capacity.checks.top_k_recall as top_k_recall
from capacity.checks.lam import association_gaps, draw_memory_instance, outer_rows, search_range, verify_lam
from capacity.checks.top_k_recall import (allowed_pieces, recall_threshold, search_range_for_recall,
                                          storing_memory, top_k_stored)
from capacity.programs import Verdict, make_program
from replica.errors import ParameterError


def _random_memories_storing(inputs, gaps, recall, samples, rng):
    """How many of ``samples`` Gaussian 2 x 2 memories store every association with top-``recall`` recall."""
    memories = rng.standard_normal((samples, 2, 2))
    scores = np.einsum("mnj,sjk,mk->smn", gaps, memories, inputs)
    return int(np.sum(np.all((scores <= 0).sum(axis=2) <= recall - 1, axis=1)))


@pytest.mark.parametrize("recall", [1, 2, 3])
def test_pieces_are_exactly_the_allowed_directions(recall):
    rng = np.random.default_rng(recall)
    angles = np.linspace(0, 2 * np.pi, 20_001)[:-1]
    directions = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    for _ in range(20):
        gaps = rng.standard_normal((int(rng.integers(1, 9)), 2))
        pieces = allowed_pieces(gaps, recall)
        allowed = (directions @ gaps.T < 0).sum(axis=1) <= recall - 1
        inside = [np.all(directions @ piece.T > 0, axis=1) for piece in pieces]
        covered = np.any(inside, axis=0) if inside else np.zeros(len(directions), bool)
        assert np.array_equal(covered, allowed)
        for piece, member in zip(pieces, inside):  # a piece is convex (at most a half-plane) or the whole circle
            assert member.mean() <= 0.5 + 1e-3 or (len(piece) == 0 and allowed.all())


def test_the_search_finds_what_random_memories_find_and_never_more():
    """On 12 instances the search's first unstorable p is never stored by 200 000 random memories, its witness
    stores p - 1 when scored directly, and random memories do store top-2 beyond the top-1 threshold in most
    instances, so returning the top-1 answer for top-2 recall would be caught."""
    rng = np.random.default_rng(0)
    p_c, size = search_range_for_recall(2, samples=20_000, seed=0)
    guess, _ = search_range(2, 0.0, samples=20_000, seed=0)
    beyond_top1 = 0
    for trial in range(12):
        row = recall_threshold(0, trial, 2, True, size, round(p_c), guess)
        assert row["outcome"] == "certified" and row["p_star_top1"] == row["p_star_top1_lp"]
        inputs, targets, competitors = draw_memory_instance(2, size, 0, trial, True)
        p = row["p_star"]
        gaps = association_gaps(targets[:p], competitors)
        assert _random_memories_storing(inputs[:p], gaps, 2, 200_000, rng) == 0
        below = storing_memory(inputs[:p - 1], association_gaps(targets[:p - 1], competitors), 2)
        assert below["verdict"] == "stored"
        assert top_k_stored(below["weights"], inputs[:p - 1], association_gaps(targets[:p - 1], competitors), 2)
        top1 = row["p_star_top1"]
        beyond_top1 += _random_memories_storing(inputs[:top1], association_gaps(targets[:top1], competitors), 2,
                                                200_000, rng) > 0
    assert beyond_top1 >= 8


def test_small_instances_agree_with_brute_force_over_exempt_competitors():
    """At p = 5 every choice of one exempt competitor per association is an LP of its own, on all the remaining rows
    of the memory (not the pieces' bounding rows): the search must agree with the union of their 4^5 verdicts."""
    program = make_program(4, 20, kappa=0.0)
    disagreements = stored = 0
    for trial in range(12):
        inputs, targets, competitors = draw_memory_instance(2, 5, 1, trial, True)
        gaps = association_gaps(targets, competitors)
        rows = outer_rows(gaps, inputs, 2.0).reshape(5, 4, 4)
        verdicts = [program.certify(np.vstack([np.delete(rows[mu], exempt[mu], axis=0) for mu in range(5)]),
                                    0.0).verdict for exempt in itertools.product(range(4), repeat=5)]
        assert Verdict.DOUBTFUL not in verdicts
        brute = Verdict.SEPARABLE in verdicts
        stored += brute
        disagreements += brute != (storing_memory(inputs, gaps, 2)["verdict"] == "stored")
    assert disagreements == 0
    assert 0 < stored < 12  # both answers occur, so the comparison tests both


def test_the_lam_check_runs_top_k_recall_and_refuses_what_it_cannot_check():
    result = verify_lam(recall=2, trials=6, decoupled=True)
    assert result.status == "success"
    assert result.params["d"] == [2]
    assert result.theory["p_c"][0] > result.theory["p_c_top1"][0]
    with pytest.raises(ParameterError, match="d = 2"):
        verify_lam(d=(5,), recall=2)
    with pytest.raises(ParameterError, match="kappa = 0"):
        verify_lam(kappa=0.5, recall=2)
    with pytest.raises(ParameterError, match="recall"):
        verify_lam(recall=4)


def test_a_top1_search_that_disagrees_with_the_lp_fails_the_check_without_numbers(monkeypatch):
    """If the LP's top-1 threshold differed from the search's (here shifted by one), the check must fail and
    report no estimate."""
    exact = top_k_recall.instance_threshold

    def shifted(*args, **kwargs):
        result = exact(*args, **kwargs)
        return replace(result, p_star=result.p_star + 1)

    monkeypatch.setattr(top_k_recall, "instance_threshold", shifted)
    result = verify_lam(recall=2, trials=4)
    assert result.status == "failure" and result.estimate == {}
    assert "4 inconsistent" in result.message
