"""Theory against finite-size experiment, in every CI run, and the power of each comparison.

Every check below asserts that the theory agrees with a certified finite-size experiment *and* that the same data
reject a specific wrong theory, so an agreement cannot come from an interval too wide to decide anything. The
experiments are seeded, so each outcome is reproducible; the sizes are the largest that keep the whole module
under about a minute on two cores (the larger sweeps are in ``tests/test_slow.py``). Other families' agreement
tests, with their power checks, live beside their checks in this folder: the invariant readouts
(``test_invariant_check.py``, Cover with N_0 against Cover with N), the kernel learning curves
(``test_kernel_curve_check.py``, the rejected mode-error split) and the tree machines (``test_committee_check.py``,
exact counts).
"""

import math

import pytest

from capacity.checks.perceptron import verify
from capacity.compare import compare
from capacity.estimates import Extrapolation


def _rejects(check, wrong):
    """Whether the check's extrapolation, judged by the same rule as the verdict, rejects the capacity ``wrong``."""
    e = check.estimate
    fit = Extrapolation(e["alpha_inf"], e["stderr"], e["alpha_c_lower"], e["alpha_c_upper"], e["confidence"],
                        e["slope"], e["chi2"], e["dof"], e["method"])
    return not compare("alpha_c", wrong, fit).agree


def test_gardner_capacity_agrees_and_a_capacity_seven_percent_off_is_rejected():
    """kappa = 0, N = 25, 50, 100 with 100 instances each (the README's main job): the extrapolated 95% interval
    is about [1.93, 2.12] around Gardner's 2, so capacities 7% off (1.86, 2.14) are rejected."""
    check = verify("gardner", kappa=0.0, progress=False)
    assert (check.tables["instances"].verdict == "certified").all()
    assert check.status == "success", check.message
    assert _rejects(check, 2 * 0.93) and _rejects(check, 2 * 1.07)


def test_sign_constrained_capacity_agrees_and_gardners_is_rejected():
    """w >= 0 halves the capacity (Amit, Campbell & Wong 1989): 1 at kappa = 0. The extrapolated interval is
    about [0.90, 1.02], so the data reject Gardner's 2 (the constraint ignored) and a value 15% off either way."""
    check = verify("sign-perceptron", kappa=0.0, progress=False)
    assert (check.tables["instances"].verdict == "certified").all()
    assert check.status == "success", check.message
    assert _rejects(check, 2.0) and _rejects(check, 0.85) and _rejects(check, 1.15)


def test_binary_capacity_agrees_and_the_q_to_one_answer_is_rejected():
    """Exhaustive enumeration at N = 10, 12, 14 (60 instances each) agrees with the zero-entropy capacity
    0.8331 (Krauth & Mezard 1989) and rejects the q -> 1 answer 4/pi = 1.273 that the library refuses to report
    as the capacity (Gardner & Derrida 1988). Small N approach the limit slowly, so the interval is wide
    (about [0.52, 1.23]); this is the power the accessible sizes give."""
    check = verify("ising-perceptron", kappa=0.0, ns=(10, 12, 14), trials=60, progress=False)
    assert check.status == "success", check.message
    assert _rejects(check, 4 / math.pi)


def test_gamp_follows_the_replica_fixed_point_and_a_shifted_one_is_rejected():
    """Rademacher teacher, sign channel, alpha = 0.8 (below alpha_IT: one stable branch besides perfect
    recovery): GAMP at N = 1000, 6 instances, against the AMP fixed point of the replica potential; the agreement
    rule is 3 standard errors plus 0.01 for finite N, so an overlap 0.05 away is rejected."""
    from capacity.checks.glm import FINITE_SIZE_ALLOWANCE, verify_glm

    check = verify_glm("rademacher", "sign", 0.8, n=1000, trials=6, seed=3)
    assert check.agree, check.message
    allowed = 3 * check.estimate["amp_overlap_standard_error"] + FINITE_SIZE_ALLOWANCE
    assert allowed < 0.05
    target = check.theory["amp_overlap"]
    for wrong in (target - 0.05, target + 0.05):
        assert abs(check.estimate["amp_overlap_mean"] - wrong) > allowed


@pytest.mark.parametrize("decoupled", [False, True])
def test_memory_thresholds_agree_and_the_hebbian_capacity_is_rejected(decoupled):
    """Linear associative memory at d = 5, 10 (8 instances each): certified LP thresholds against p_c(d) of
    Gardner's argument with d^2 weights (Giorlandino, Goldt & Maillard 2026); the rule (3 combined standard errors
    plus 10% for finite d) rejects the Hebbian memory's capacity, a factor of several below."""
    from capacity.checks.lam import lam_agreement, lam_thresholds, summarise_thresholds
    from replica.lam import solve_lam

    thresholds = lam_thresholds([5, 10], trials=8, decoupled=decoupled, progress=False)
    summary = summarise_thresholds(thresholds, samples=50_000)
    agree, message = lam_agreement(summary)
    assert agree, message
    hebbian = summary.assign(theory_p_c=[solve_lam(int(d), samples=20_000).quantities["hebbian_p_c"]
                                         for d in summary.d], theory_standard_error=0.0)
    assert not lam_agreement(hebbian)[0]
