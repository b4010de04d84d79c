"""The guided P* search: the same first unseparable prefix as plain bisection, with fewer certified solves; every
extension of a verdict to other prefixes is itself a certified verdict."""

import math

import numpy as np
import pytest
from scipy.stats import truncnorm

from capacity.ensembles import PerceptronEnsemble
from capacity.experiments import _bisect_instance, rs_capacity_curve
from capacity.prefix_search import (
    PREDICTION_SPREAD, PrefixAnswer, _median_of_prediction, capacity_curve_predictor, certify_prefix,
    first_unseparable_prefix, margin_resolution,
)
from capacity.programs import LeastDistanceProgram, Verdict
from capacity.storing_sets import scaled_rows
from replica.field_sets import Polyhedron


def plain_search(rows, n, kappa, max_patterns, guess, nonnegative=False, per_pattern=1):
    program = LeastDistanceProgram(n, nonnegative=nonnegative)
    return first_unseparable_prefix(lambda p: program.certify(rows[: p * per_pattern], kappa).verdict,
                                    max_patterns, guess)


@pytest.mark.parametrize("n,kappa,nonnegative", [(60, 0.0, False), (40, 0.5, False), (40, 0.0, True)])
def test_guided_search_finds_the_bisections_p_star_with_fewer_solves(n, kappa, nonnegative):
    curve = rs_capacity_curve(nonnegative)
    max_patterns = int(2 * curve(kappa) * n + 4 * np.sqrt(n))
    guess = round(curve(kappa) * n)
    guided_calls = plain_calls = 0
    for trial in range(12):
        rows = PerceptronEnsemble(n, 5).instance(trial, max_patterns).signed_patterns
        plain = plain_search(rows, n, kappa, max_patterns, guess, nonnegative)
        guided = _bisect_instance(n, 5, trial, kappa, max_patterns, None, nonnegative, guess)
        assert plain[1] == guided.verdict == "certified"
        assert guided.p_star == plain[0]
        plain_calls += plain[2]
        guided_calls += guided.n_solves
    assert guided_calls < plain_calls


def test_every_extended_verdict_is_certified_on_its_own():
    """A separator of prefix p certifies prefixes up to separable_through; a Farkas certificate of p certifies
    unseparable_from: both are re-decided by a fresh solve."""
    n, kappa = 30, 0.0
    rows = PerceptronEnsemble(n, 2).instance(0, 120).signed_patterns
    program = LeastDistanceProgram(n)
    extended = 0
    for p in range(40, 120, 4):
        answer = certify_prefix(program, rows, p, kappa)
        if answer.verdict is Verdict.SEPARABLE:
            assert answer.separable_through >= p and answer.margin > 0
            assert program.certify(rows[: answer.separable_through], kappa).verdict is Verdict.SEPARABLE
            extended += answer.separable_through > p
        else:
            assert answer.verdict is Verdict.NOT_SEPARABLE and answer.unseparable_from <= p
            assert program.certify(rows[: answer.unseparable_from], kappa).verdict is Verdict.NOT_SEPARABLE
            extended += answer.unseparable_from < p
    assert extended >= 3


def test_several_rows_per_pattern_extend_by_whole_patterns():
    storing_set = Polyhedron([[1.0, -1.0], [0.0, 1.0]], [0.5, 0.5])
    n, max_patterns = 20, 60
    inputs = np.random.default_rng(4).standard_normal((max_patterns, 2, n))
    rows = scaled_rows(storing_set, inputs)
    program = LeastDistanceProgram(n)
    plain = plain_search(rows, n, 1.0, max_patterns, 10, per_pattern=2)
    guided = first_unseparable_prefix(lambda p: certify_prefix(program, rows, p, 1.0, rows_per_pattern=2),
                                      max_patterns, 10)
    assert guided[:2] == plain[:2] and guided[1] == "certified"
    for p in (5, 10, 15, 20):
        answer = certify_prefix(program, rows, p, 1.0, rows_per_pattern=2)
        if answer.verdict is Verdict.SEPARABLE:
            last = answer.separable_through
            assert program.certify(rows[: 2 * last], 1.0).verdict is Verdict.SEPARABLE
        else:
            first = answer.unseparable_from
            assert program.certify(rows[: 2 * first], 1.0).verdict is Verdict.NOT_SEPARABLE


@pytest.mark.parametrize("offset", [-30, -5, 0, 5, 30])
def test_a_wrong_prediction_costs_solves_never_the_answer(offset):
    p_star = 57

    def answer(p):
        verdict = Verdict.SEPARABLE if p < p_star else Verdict.NOT_SEPARABLE
        return PrefixAnswer(verdict, p if p < p_star else 0, None if p < p_star else p,
                            margin=1.0 if p < p_star else None)

    found = first_unseparable_prefix(answer, 200, 40, predict=lambda p, margin: p_star + offset)
    assert found[:2] == (p_star, "certified")
    if offset == 0:
        assert found[2] <= 3


def test_contradicting_answers_are_doubtful_not_a_number():
    def contradiction(p):  # claims prefix 50 separable through 80 but 60 unseparable
        return PrefixAnswer(Verdict.SEPARABLE, 80, None) if p <= 50 else PrefixAnswer(Verdict.NOT_SEPARABLE, 0, 60)

    assert first_unseparable_prefix(contradiction, 100, 50)[:2] == (None, "doubtful")


def test_thers_capacity_curve_predicts_p_star_from_a_far_prefix():
    """Gardner's curve turns the max margin of a prefix 80 patterns short of P* into P* within its spread
    (about 2 sqrt(80) at N = 300); a prediction that ignored the margin (P* = p) would be off by 80."""
    n = 300
    predict = capacity_curve_predictor(n, rs_capacity_curve(False), 0.0)
    program = LeastDistanceProgram(n)
    errors = []
    for trial in range(6):
        rows = PerceptronEnsemble(n, 9).instance(trial, 4 * n).signed_patterns
        p_star = plain_search(rows, n, 0.0, 4 * n, 2 * n)[0]
        certificate = program.certify(rows[: p_star - 80], 0.0)
        errors.append(predict(p_star - 80, certificate.margin_lower) - p_star)
    assert abs(np.mean(errors)) < 3 * 2 * np.sqrt(80) / np.sqrt(len(errors))
    assert np.max(np.abs(errors)) < 60


def test_an_answer_that_claims_less_than_its_own_prefix_still_ends_the_search():
    """Every answer moves the bracket past the prefix it was asked about, so the search always terminates."""
    def modest(p):
        return PrefixAnswer(Verdict.SEPARABLE, 0, None, margin=0.0) if p < 33 else PrefixAnswer(Verdict.NOT_SEPARABLE)

    assert first_unseparable_prefix(modest, 100, 20, predict=lambda p, margin: 10)[:2] == (33, "certified")


def test_margin_resolution_is_half_a_pattern_on_gardners_slope():
    """alpha_c'(0) = -alpha_c^2 * 2 int_0^inf Dt t = -8/sqrt(2 pi) for Gardner's curve, so a bracket of width
    0.5/(N 8/sqrt(2 pi)) moves the predicted P* by half a pattern; a flat curve gives no absolute width."""
    n = 1000
    assert margin_resolution(n, rs_capacity_curve(False), 0.0) == pytest.approx(
        0.5 / (n * 8 / math.sqrt(2 * math.pi)), rel=1e-3)
    assert margin_resolution(n, lambda kappa: 2.0, 0.0) == 0.0


@pytest.mark.parametrize("lo,hi", [(40, 100), (40, 52), (58, 90), (30, 45)])
def test_the_next_solve_splits_the_predictions_probability_in_the_bracket(lo, hi):
    """The probe is the median of the prediction N(57, (1.5 sqrt 17)^2) restricted to lo < P* <= hi (scipy's
    truncated normal, with P* <= p read as the continuous variable below p + 1/2), rounded down."""
    made_at, estimate = 40, 57.0
    spread = PREDICTION_SPREAD * math.sqrt(estimate - made_at)
    a, b = (lo + 0.5 - estimate) / spread, (hi + 0.5 - estimate) / spread
    median = truncnorm.median(a, b, loc=estimate, scale=spread)
    assert _median_of_prediction((made_at, estimate), lo, hi) == math.floor(median)
    assert lo <= math.floor(median) < hi


def test_a_prediction_far_from_the_bracket_is_not_followed():
    """A bracket holding none of the prediction's probability is bisected, and a prediction behind the prefixes
    already certified separable is not followed (the search gallops); following it crawled one pattern per solve
    (196 solves here)."""
    assert _median_of_prediction((40, 57.0), 200, 300) is None

    def answer(p):  # the prediction says 57 from every separable prefix; the truth is 250
        return PrefixAnswer(Verdict.SEPARABLE if p < 250 else Verdict.NOT_SEPARABLE, p if p < 250 else 0,
                            None if p < 250 else p, margin=1.0 if p < 250 else None)

    p_star, outcome, calls = first_unseparable_prefix(answer, 400, 40, predict=lambda p, margin: 57.0)
    assert (p_star, outcome) == (250, "certified") and calls < 40
