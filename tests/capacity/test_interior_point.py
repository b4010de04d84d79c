"""The interior point on the hull distance: its brackets contain the exact max margin, its verdicts are those of
Lawson–Hanson on every prefix, its P* searches give the same P*, and what it cannot decide it hands on."""

import math

import numpy as np
import pytest

from capacity.ensembles import PerceptronEnsemble
from capacity.prefix_search import capacity_curve_predictor, certify_prefix, first_unseparable_prefix
from capacity.experiments import rs_capacity_curve
from capacity.programs import LeastDistanceProgram, Verdict
from capacity.programs.interior_point import nearest_hull_point
from capacity.programs.least_distance import INTERIOR_POINT_MIN_DIMENSION
from replica.errors import ParameterError


def test_orthonormal_rows_have_the_exact_hull_distance():
    """The hull of e_1..e_N is nearest to the origin at its centroid: kappa_max = 1/sqrt(N) exactly."""
    n = 50
    exact = 1 / math.sqrt(n)
    hull = nearest_hull_point(np.eye(n), 0.0)
    assert hull.status == "decided"
    assert hull.lower <= exact <= hull.upper
    assert hull.upper - hull.lower <= 1e-4 * hull.lower
    # asked at margins on either side of the exact value, the bracket decides both ways
    program = LeastDistanceProgram(n, method="interior-point")
    assert program.certify(np.eye(n), 0.9 * exact).verdict is Verdict.SEPARABLE
    above = program.certify(np.eye(n), 1.1 * exact)
    assert above.verdict is Verdict.NOT_SEPARABLE and above.solver == "IPM" and above.margin_upper < 1.1 * exact


def test_an_absolute_gap_stops_a_small_margin_early_and_the_bracket_still_holds_the_margin():
    """Near capacity the max margin is tiny, and a relative gap costs iterations a search does not need: with an
    absolute width the bracket stops at that width, earlier, and still contains the active set's margin."""
    n = 150
    rows = PerceptronEnsemble(n, 3).instance(0, 3 * n).signed_patterns
    active = LeastDistanceProgram(n, method="active-set", fallback_solver=None)
    p = int(1.7 * n)
    while active.certify(rows[: p + 1]).verdict is Verdict.SEPARABLE:   # the last separable prefix
        p += 1
    exact = active.certify(rows[:p])
    assert exact.margin_upper < 0.05                                      # a small margin, known to about 1e-11
    relative = nearest_hull_point(rows[:p], 0.0, relative_gap=1e-4)
    width = 0.2 * exact.margin_lower
    absolute = nearest_hull_point(rows[:p], 0.0, relative_gap=1e-4, absolute_gap=width)
    for hull in (relative, absolute):
        assert hull.status == "decided" and hull.lower <= exact.margin_upper and exact.margin_lower <= hull.upper
    assert absolute.upper - absolute.lower <= width
    assert absolute.iterations < relative.iterations


def test_opposite_rows_give_a_farkas_certificate():
    rows = np.array([[1.0, 2.0, 0.0], [-1.0, -2.0, 0.0], [0.0, 1.0, 1.0]])
    certificate = LeastDistanceProgram(3, method="interior-point").certify(rows, 0.0)
    assert certificate.verdict is Verdict.NOT_SEPARABLE and certificate.solver == "IPM"
    assert certificate.margin_upper < 1e-6


@pytest.mark.parametrize("n,seed", [(80, 0), (150, 1)])
def test_verdicts_and_brackets_agree_with_the_active_set_across_capacity(n, seed):
    rows = PerceptronEnsemble(n, seed).instance(0, int(2.4 * n)).signed_patterns
    interior = LeastDistanceProgram(n, method="interior-point", fallback_solver=None)
    active = LeastDistanceProgram(n, method="active-set", fallback_solver=None)
    seen = set()
    for p in range(int(1.6 * n), int(2.4 * n), max(1, n // 20)):
        mine, theirs = interior.certify(rows[:p]), active.certify(rows[:p])
        assert mine.verdict is theirs.verdict is not Verdict.DOUBTFUL
        seen.add(mine.verdict)
        if mine.verdict is Verdict.SEPARABLE:
            # both brackets are certified, so they must overlap; the interior point's is narrow
            assert mine.margin_lower <= theirs.margin_upper and theirs.margin_lower <= mine.margin_upper
            assert mine.margin_upper - mine.margin_lower <= 1e-4 * mine.margin_lower + 1e-12
    assert seen == {Verdict.SEPARABLE, Verdict.NOT_SEPARABLE}


def test_guided_search_finds_the_same_p_star_with_either_method():
    n, kappa = 60, 0.0
    max_patterns = int(2.6 * n)
    predict = capacity_curve_predictor(n, rs_capacity_curve(False), kappa)
    interior = LeastDistanceProgram(n, method="interior-point")
    active = LeastDistanceProgram(n, method="active-set")
    for trial in range(8):
        rows = PerceptronEnsemble(n, 3).instance(trial, max_patterns).signed_patterns
        found = [first_unseparable_prefix(lambda p: certify_prefix(program, rows, p, kappa), max_patterns, 2 * n,
                                          predict)
                 for program in (interior, active)]
        assert found[0][1] == found[1][1] == "certified"
        assert found[0][0] == found[1][0]


def test_auto_uses_the_interior_point_only_for_large_unconstrained_instances():
    assert LeastDistanceProgram(INTERIOR_POINT_MIN_DIMENSION).uses_interior_point
    assert not LeastDistanceProgram(INTERIOR_POINT_MIN_DIMENSION - 1).uses_interior_point
    assert not LeastDistanceProgram(INTERIOR_POINT_MIN_DIMENSION, nonnegative=True).uses_interior_point
    assert not LeastDistanceProgram(INTERIOR_POINT_MIN_DIMENSION, method="active-set").uses_interior_point


def test_a_bracket_that_cannot_decide_is_handed_on_and_stays_doubtful():
    """Asked at exactly the max margin 1/sqrt(N), no certified bracket can decide (each bound carries a rounding
    allowance): the interior point hands on to the active set, then to cvxpy, and the verdict is doubtful."""
    n = 20
    certificate = LeastDistanceProgram(n, method="interior-point").certify(np.eye(n), 1 / math.sqrt(n))
    assert certificate.verdict is Verdict.DOUBTFUL
    assert certificate.solver.startswith("IPM->NNLS")
    assert certificate.margin_lower < 1 / math.sqrt(n) < certificate.margin_upper


def test_at_the_automatic_size_the_search_agrees_with_the_active_set():
    n = INTERIOR_POINT_MIN_DIMENSION
    max_patterns = int(2.3 * n)
    rows = PerceptronEnsemble(n, 7).instance(0, max_patterns).signed_patterns
    predict = capacity_curve_predictor(n, rs_capacity_curve(False), 0.0)
    found = [first_unseparable_prefix(lambda p: certify_prefix(program, rows, p, 0.0), max_patterns, 2 * n, predict)
             for program in (LeastDistanceProgram(n), LeastDistanceProgram(n, method="active-set"))]
    assert found[0][:2] == found[1][:2] and found[0][1] == "certified"


@pytest.mark.parametrize("kwargs", [dict(method="simplex"), dict(method="interior-point", nonnegative=True)])
def test_bad_method_is_named(kwargs):
    with pytest.raises(ParameterError) as info:
        LeastDistanceProgram(10, **kwargs)
    assert info.value.name == "method"


def test_every_extension_of_an_interior_point_verdict_is_certified_on_its_own():
    n = 60
    rows = PerceptronEnsemble(n, 2).instance(0, 160).signed_patterns
    program = LeastDistanceProgram(n, method="interior-point")
    check = LeastDistanceProgram(n, method="active-set")
    extended = 0
    for p in range(100, 160, 5):
        answer = certify_prefix(program, rows, p, 0.0)
        if answer.verdict is Verdict.SEPARABLE:
            assert check.certify(rows[: answer.separable_through]).verdict is Verdict.SEPARABLE
            extended += answer.separable_through > p
        else:
            assert check.certify(rows[: answer.unseparable_from]).verdict is Verdict.NOT_SEPARABLE
    assert extended >= 2


@pytest.mark.parametrize("decoupled", [False, True])
def test_memory_rows_give_their_combinations_and_gram_matrices_without_being_formed(decoupled):
    from capacity.checks.lam import AssociationRows, association_rows, draw_memory_instance

    inputs, targets, competitors = draw_memory_instance(5, 9, 0, 0, decoupled)
    pool = AssociationRows(inputs, targets, competitors)
    pool.set_associations(7)
    dense = association_rows(inputs[:7], targets[:7], competitors)
    weights = np.random.default_rng(0).random(dense.shape[0])
    assert np.allclose(pool.combination(weights), dense.T @ weights, rtol=0, atol=1e-12)
    assert np.allclose(pool.weighted_gram(weights), dense.T @ (weights[:, None] * dense), rtol=0, atol=1e-11)


@pytest.mark.parametrize("decoupled", [False, True])
def test_memory_verdicts_on_implicit_rows_equal_the_dense_programs(decoupled):
    from capacity.checks.lam import AssociationRows, association_rows, draw_memory_instance
    from capacity.programs.interior_point import certify_implicit_rows

    d = 7
    inputs, targets, competitors = draw_memory_instance(d, 40, 1, 0, decoupled)
    pool = AssociationRows(inputs, targets, competitors)
    dense = LeastDistanceProgram(d * d, method="active-set")
    seen = set()
    for p in range(10, 40, 3):
        pool.set_associations(p)
        mine = certify_implicit_rows(pool, 0.0)
        theirs = dense.certify(association_rows(inputs[:p], targets[:p], competitors))
        assert mine.verdict is theirs.verdict is not Verdict.DOUBTFUL and mine.solver == "IPM"
        seen.add(mine.verdict)
    assert seen == {Verdict.SEPARABLE, Verdict.NOT_SEPARABLE}


def test_an_undecided_interior_point_hands_the_implicit_rows_to_constraint_generation(monkeypatch):
    from capacity.checks.lam import AssociationRows, association_rows, draw_memory_instance
    from capacity.programs import interior_point

    d = 7
    inputs, targets, _ = draw_memory_instance(d, 40, 1, 0, False)
    pool = AssociationRows(inputs, targets)
    stalled = interior_point.HullDistance(-math.inf, math.inf, None, np.ones(1), 1, "stalled")
    monkeypatch.setattr(interior_point, "nearest_hull_point", lambda rows, kappa=0.0, **options: stalled)
    dense = LeastDistanceProgram(d * d, method="active-set")
    for p in (15, 35):
        pool.set_associations(p)
        mine = interior_point.certify_implicit_rows(pool, 0.0)
        assert mine.solver.startswith("IPM->") and mine.certified
        assert mine.verdict is dense.certify(association_rows(inputs[:p], targets[:p])).verdict


def test_a_memory_of_one_association_has_no_constraints_and_is_stored():
    from capacity.checks.lam import AssociationRows, draw_memory_instance
    from capacity.programs.interior_point import certify_implicit_rows

    inputs, targets, _ = draw_memory_instance(5, 4, 0, 0, False)
    pool = AssociationRows(inputs, targets)
    pool.set_associations(1)
    assert certify_implicit_rows(pool, 0.0).verdict is Verdict.SEPARABLE
    with pytest.raises(ParameterError) as info:
        nearest_hull_point(np.empty((0, 3)))
    assert info.value.name == "rows"
