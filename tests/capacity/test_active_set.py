"""The live least-distance program: certified verdicts equal the dense NNLS program's, warm or cold, on explicit and
implicit rows; P* of the memory equals the dense bisection's on shared seeds; the certificate does not trust the
solver's state."""

import math

import numpy as np
import pytest

from capacity.checks.lam import AssociationRows, association_rows, draw_memory_instance, instance_threshold, search_range
from capacity.ensembles import PerceptronEnsemble
from capacity.prefix_search import first_unseparable_prefix
from capacity.programs import LeastDistanceProgram, LiveLeastDistance, PatternRows, Verdict


def assert_same_certificate(live, dense):
    assert live.verdict is dense.verdict
    if live.verdict is Verdict.SEPARABLE:  # both brackets are tight: the max margin itself
        assert live.margin_lower == pytest.approx(dense.margin_lower, abs=1e-9)
        assert live.margin_upper == pytest.approx(dense.margin_upper, abs=1e-9)
    else:
        assert live.margin_upper < 1e-9


@pytest.mark.parametrize("nonnegative", [False, True])
def test_warm_started_verdicts_equal_the_dense_program_up_and_down_the_prefixes(nonnegative):
    n = 40
    rows = PerceptronEnsemble(n, 3).instance(0, 4 * n).signed_patterns
    pool = PatternRows(rows)
    live = LiveLeastDistance(pool, nonnegative=nonnegative)
    dense = LeastDistanceProgram(n, nonnegative=nonnegative, fallback_solver=None)
    critical = n if nonnegative else 2 * n
    verdicts = set()
    for p in (critical, critical + 15, critical - 10, critical + 2, critical - 30, 3 * n, critical - 1, 5):
        pool.set_limit(p)
        certificate = live.certify(0.0)
        assert_same_certificate(certificate, dense.certify(rows[:p]))
        verdicts.add(certificate.verdict)
    assert verdicts == {Verdict.SEPARABLE, Verdict.NOT_SEPARABLE}  # both kinds of certificate were exercised


def test_a_positive_margin_is_answered_from_the_same_bracket():
    n = 30
    rows = PerceptronEnsemble(n, 1).instance(0, n).signed_patterns
    pool = PatternRows(rows)
    margin = LeastDistanceProgram(n).certify(rows).margin_lower
    live = LiveLeastDistance(pool)
    assert live.certify(0.9 * margin).verdict is Verdict.SEPARABLE
    assert live.certify(1.1 * margin).verdict is Verdict.NOT_SEPARABLE


def test_degenerate_rows_zero_and_repeated():
    rows = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    pool = PatternRows(rows)
    live = LiveLeastDistance(pool)
    pool.set_limit(3)
    certificate = live.certify(0.0)
    assert certificate.verdict is Verdict.SEPARABLE and certificate.margin_lower == pytest.approx(math.sqrt(0.5))
    pool.set_limit(4)  # the zero row cannot have a positive score: a Farkas certificate on that row alone
    assert live.certify(0.0).verdict is Verdict.NOT_SEPARABLE
    pool.set_limit(0)
    assert live.certify(0.0).verdict is Verdict.SEPARABLE


def test_the_certificate_does_not_trust_the_solver_state(monkeypatch):
    """A stale solution (the solver 'forgot' to re-solve after rows were added) is not passed off as a verdict."""
    n = 40
    rows = PerceptronEnsemble(n, 2).instance(0, 4 * n).signed_patterns
    pool = PatternRows(rows)
    live = LiveLeastDistance(pool)
    pool.set_limit(n)
    assert live.certify(0.0).verdict is Verdict.SEPARABLE
    monkeypatch.setattr(live, "_solve", lambda: "optimal")
    pool.set_limit(4 * n)  # far above capacity: the stale separator violates rows, its multipliers bound nothing
    stale = live.certify(0.0)
    assert stale.verdict is Verdict.DOUBTFUL
    assert live._ids == []  # the drifted state is discarded


@pytest.mark.parametrize("decoupled", [False, True])
def test_association_rows_are_the_dense_rows_with_stable_ids(decoupled):
    d, capacity = 5, 12
    inputs, targets, competitors = draw_memory_instance(d, capacity, 0, 1, decoupled)
    pool = AssociationRows(inputs, targets, competitors)
    rng = np.random.default_rng(0)
    for p in (capacity, 7, 2):
        pool.set_associations(p)
        dense = association_rows(inputs[:p], targets[:p], competitors)
        ids = pool.ids(np.arange(pool.candidate_count()))
        assert pool.candidate_count() == p * (p - 1)
        np.testing.assert_allclose(pool.rows(ids), dense, rtol=0, atol=1e-13)
        np.testing.assert_array_equal(pool.positions(ids), np.arange(len(ids)))
        w = rng.standard_normal(d * d)
        np.testing.assert_allclose(pool.scores(w), dense @ w, rtol=1e-12, atol=1e-12)
        assert pool.largest_row_norm() >= np.linalg.norm(dense, axis=1).max() * (1 - 1e-12)
        assert pool.largest_row_norm() <= np.linalg.norm(dense, axis=1).max() * (1 + 1e-10)
    pool.set_associations(7)
    kept = pool.ids(np.arange(pool.candidate_count()))
    pool.set_associations(capacity)  # the rows of 7 associations keep their ids among the rows of 12
    assert (pool.positions(kept) >= 0).all()
    pool.set_associations(4)
    assert (pool.positions(kept) >= 0).sum() == 4 * 3


@pytest.mark.parametrize("d, decoupled", [(6, False), (6, True), (8, False), (8, True)])
def test_memory_thresholds_equal_the_dense_bisection_on_shared_seeds(d, decoupled):
    guess, longest = search_range(d, 0.0, samples=20_000, seed=0)
    for trial in range(3):
        live = instance_threshold(d, 0, trial, 0.0, decoupled, longest, guess, None, implicit_rows=True)
        inputs, targets, competitors = draw_memory_instance(d, longest, 0, trial, decoupled)
        program = LeastDistanceProgram(d * d)
        p_star, outcome, _ = first_unseparable_prefix(
            lambda p: program.certify(association_rows(inputs[:p], targets[:p], competitors)).verdict, longest, guess)
        assert (live.p_star, live.outcome) == (p_star, outcome) == (live.p_star, "certified")


@pytest.mark.slow
def test_memory_at_d_20_on_implicit_rows_equals_the_dense_bisection_and_agrees_with_the_theory():
    from capacity.checks.lam import lam_agreement, lam_thresholds, summarise_thresholds

    d = 20
    guess, longest = search_range(d, 0.0, samples=20_000, seed=0)
    for trial in range(2):  # the default path at d = 20 works on the implicit rows
        live = instance_threshold(d, 0, trial, 0.0, False, longest, guess, None)
        dense = instance_threshold(d, 0, trial, 0.0, False, longest, guess, None, implicit_rows=False)
        assert (live.p_star, live.outcome) == (dense.p_star, "certified")
    summary = summarise_thresholds(lam_thresholds([d], trials=8, progress=False), samples=20_000)
    agree, message = lam_agreement(summary)
    assert agree, message
    wrong = summary.assign(theory_p_c=1.25 * summary.theory_p_c)  # a theory 25 % too high is rejected
    assert not lam_agreement(wrong)[0]
