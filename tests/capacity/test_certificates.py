"""Verdicts are certified by recomputation, not taken from the solver."""

import math

import numpy as np
import pytest

from capacity.ensembles import PerceptronEnsemble
from capacity.programs import (
    FARKAS_TOLERANCE, LeastDistanceProgram, MaxMarginQP, SeparabilityLP, Verdict, decide, make_program,
    margin_lower_bound, margin_upper_bound,
)
from replica.errors import ParameterError


def test_bounds_on_a_hand_solved_instance():
    # rows e1, e2 in R^2: the best unit w is (1, 1)/sqrt(2), with max margin 1/sqrt(2)
    rows = np.eye(2)
    assert margin_lower_bound(rows, [1.0, 1.0]) == pytest.approx(1 / math.sqrt(2), abs=1e-14)
    assert margin_lower_bound(rows, [1.0, 0.0]) <= 0.0
    assert margin_upper_bound(rows, [0.5, 0.5]) == pytest.approx(1 / math.sqrt(2), abs=1e-14)
    qp = MaxMarginQP(2, 2)
    certificate = qp.certify(rows, 0.7)
    assert certificate.verdict is Verdict.SEPARABLE
    assert certificate.margin_lower == pytest.approx(1 / math.sqrt(2), abs=1e-7)
    assert qp.certify(rows, 0.71).verdict is Verdict.NOT_SEPARABLE


def test_opposite_patterns_are_certified_not_separable():
    rows = np.array([[1.0, 2.0], [-1.0, -2.0]])
    certificate = SeparabilityLP(2, 2).certify(rows)
    assert certificate.verdict is Verdict.NOT_SEPARABLE
    assert certificate.margin_upper < FARKAS_TOLERANCE


def test_decide_refuses_an_undecided_bracket():
    assert decide(0.0, -math.inf, 0.3, "X", "optimal_inaccurate").verdict is Verdict.DOUBTFUL
    assert decide(0.5, 0.49, 0.51, "X", "optimal").verdict is Verdict.DOUBTFUL
    assert decide(0.5, 0.5, 0.51, "X", "optimal").verdict is Verdict.SEPARABLE


def test_lp_and_qp_agree_and_qp_bracket_is_tight():
    ensemble = PerceptronEnsemble(30, seed=5)
    lp, qp = SeparabilityLP(30, 90), MaxMarginQP(30, 90)
    for trial in range(6):
        for p in (30, 55, 60, 65, 90):
            rows = ensemble.instance(trial, p).signed_patterns
            by_lp, by_qp = lp.certify(rows), qp.certify(rows, 0.0)
            assert by_lp.certified and by_qp.certified
            assert by_lp.verdict == by_qp.verdict
            if by_qp.margin_lower > 0:
                assert by_qp.margin_upper - by_qp.margin_lower < 1e-6


def test_a_solver_failure_falls_back_and_is_recorded(monkeypatch):
    lp = SeparabilityLP(10, 30)
    rows = PerceptronEnsemble(10, 1).instance(0, 30).signed_patterns
    original = lp._problem.solve

    def failing_primary(*args, **kwargs):
        if kwargs.get("solver") == lp.solver:
            raise ValueError("Cannot unpack invalid solution: status UNKNOWN")
        return original(*args, **kwargs)

    monkeypatch.setattr(lp._problem, "solve", failing_primary)
    certificate = lp.certify(rows)
    assert certificate.certified
    assert certificate.solver == f"{lp.solver}->{lp.fallback_solver}"
    assert certificate.solver_status.startswith("solver_error->")


def test_an_uncertifiable_solution_is_doubtful_never_a_success(monkeypatch):
    lp = SeparabilityLP(10, 30)
    rows = PerceptronEnsemble(10, 1).instance(0, 12).signed_patterns

    def lying_solver(*args, **kwargs):
        # claims optimal and returns w = -sum(rows): sum_mu a_mu.w = -|w|^2 < 0, so some constraint is violated
        lp._w.value = -rows.sum(axis=0)
        lp._problem._status = "optimal"

    monkeypatch.setattr(lp._problem, "solve", lying_solver)
    certificate = lp.certify(rows)
    assert certificate.verdict is Verdict.DOUBTFUL


def test_program_size_and_margin_checks():
    with pytest.raises(ParameterError, match="kappa"):
        SeparabilityLP(3, 3).certify(np.eye(3), kappa=0.5)
    with pytest.raises(ParameterError, match="p: must lie in"):
        SeparabilityLP(3, 2).certify(np.eye(3))
    with pytest.raises(ParameterError, match="solver"):
        SeparabilityLP(3, 3, solver="NOT_A_SOLVER")


@pytest.mark.parametrize("nonnegative", [False, True])
def test_least_distance_program_matches_the_cvxpy_qp(nonnegative):
    """NNLS on the least-distance form and Clarabel on the QP certify the same verdicts and the same max margin."""
    n = 25
    nnls_program = LeastDistanceProgram(n, nonnegative=nonnegative, fallback_solver=None)
    qp = MaxMarginQP(n, 3 * n, nonnegative=nonnegative)
    ensemble = PerceptronEnsemble(n, seed=11)
    for trial in range(5):
        for p in (10, 20, 25, 30, 45, 50, 55, 75):
            rows = ensemble.instance(trial, p).signed_patterns
            fast, reference = nnls_program.certify(rows), qp.certify(rows, 0.0)
            assert fast.certified and fast.solver == "NNLS"
            assert fast.verdict == reference.verdict
            if fast.verdict is Verdict.SEPARABLE:
                assert fast.margin_upper - fast.margin_lower < 1e-9
                assert fast.margin_lower == pytest.approx(reference.margin_lower, abs=1e-6)
                assert nnls_program.certify(rows, fast.margin_lower).verdict is Verdict.SEPARABLE
                assert nnls_program.certify(rows, fast.margin_upper * 1.001).verdict is Verdict.NOT_SEPARABLE
            else:
                assert fast.margin_upper < 1e-9


def test_sign_constraint_by_hand():
    # one row (-1, 2): max over unit w of -w1 + 2 w2 is sqrt(5) unconstrained, 2 with w >= 0 (w = e2)
    rows = np.array([[-1.0, 2.0]])
    assert LeastDistanceProgram(2).certify(rows).margin_lower == pytest.approx(math.sqrt(5), abs=1e-12)
    assert LeastDistanceProgram(2, nonnegative=True).certify(rows).margin_lower == pytest.approx(2.0, abs=1e-12)
    # rows (-1, -1): separable by w = -(1, 1), never by w >= 0
    rows = np.array([[-1.0, -1.0]])
    assert LeastDistanceProgram(2).certify(rows).verdict is Verdict.SEPARABLE
    signed = LeastDistanceProgram(2, nonnegative=True).certify(rows)
    assert signed.verdict is Verdict.NOT_SEPARABLE and signed.margin_upper < FARKAS_TOLERANCE
    assert margin_upper_bound(rows, [1.0]) == pytest.approx(math.sqrt(2), abs=1e-12)
    assert margin_upper_bound(rows, [1.0], nonnegative=True) < 1e-13  # positive part of (-1, -1) is zero
    assert margin_lower_bound(rows, [-1.0, -1.0], nonnegative=True) == -math.inf  # clipped to zero: unusable


def test_least_distance_falls_back_when_nnls_fails(monkeypatch):
    import replica.least_distance as shared

    def iteration_limit(*args, **kwargs):
        raise RuntimeError("Maximum number of iterations reached.")

    monkeypatch.setattr(shared, "nnls", iteration_limit)  # the NNLS both least-distance programs call
    rows = PerceptronEnsemble(10, 1).instance(0, 30).signed_patterns
    certificate = LeastDistanceProgram(10).certify(rows)
    assert certificate.certified
    assert certificate.solver == "NNLS->CLARABEL"
    assert certificate.solver_status.startswith("iteration_limit->")
    assert LeastDistanceProgram(10, fallback_solver=None).certify(rows).verdict is Verdict.DOUBTFUL


def test_solver_choice():
    assert isinstance(make_program(5, 10, kappa=0.0), LeastDistanceProgram)
    assert isinstance(make_program(5, 10, kappa=0.0, solver="clarabel"), SeparabilityLP)
    assert isinstance(make_program(5, 10, kappa=0.5, solver="CLARABEL", nonnegative=True), MaxMarginQP)
    with pytest.raises(ParameterError, match="solver: must be one of"):
        make_program(5, 10, kappa=0.0, solver="simplex-by-hand")
