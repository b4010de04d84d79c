"""The committee check: exact finite-N enumeration of internal representations, LP-certified storability, the
counting bound, and its command line."""

import itertools
import json

import numpy as np
import pytest

from capacity.cli import main
from capacity.cover import cover_probability
from capacity.programs import make_program
from capacity.checks.committee import (counting_probability, longest_storable_prefix, separable_labellings,
                                       storing_representation, verify_committee)
from replica.field_sets import BooleanRule
from replica.tree_machine import rs_capacity


@pytest.mark.parametrize("p, n", [(9, 2), (14, 3), (18, 4), (5, 1)])
def test_separable_labellings_are_exactly_covers_count(p, n):
    masks, complete = separable_labellings(np.random.default_rng(p).standard_normal((p, n)))
    assert complete and len(masks) == round(2**p * cover_probability(p, n))


@pytest.mark.parametrize("rule, k, n, p", [("committee", 3, 1, 6), ("committee", 3, 2, 6), ("parity", 2, 2, 6),
                                           ("parity", 3, 1, 3), ("and", 2, 2, 6), ("0111", 2, 1, 5),
                                           ("01101000", 3, 1, 4)])
def test_storability_agrees_with_an_lp_per_internal_representation(rule, k, n, p):
    """Brute force: every internal representation of p patterns, each branch decided by the certified LP (the
    committee and parity searches, and the pair search of any other rule)."""
    program = make_program(n, p, kappa=0.0)
    allowed = list(BooleanRule(rule, k).representations(1))
    opposite = list(BooleanRule(rule, k).representations(-1))  # output -1 (not -tau for even K)
    outcomes = []
    for seed in range(8):
        rng = np.random.default_rng(seed)
        branches = [rng.standard_normal((p, n)) for _ in range(k)]
        labels = rng.choice([-1.0, 1.0], size=p)
        lists = [separable_labellings(x)[0] for x in branches]
        target = int(sum(1 << i for i in range(p) if labels[i] > 0))
        fast = storing_representation(rule, lists, target, p) is not None
        brute = False
        for tau in itertools.product(*[(allowed if label > 0 else opposite) for label in labels]):
            tau = np.array(tau)
            if all(program.certify(tau[:, j, None] * branches[j], 0.0).verdict.value == "separable"
                   for j in range(k)):
                brute = True
                break
        assert fast == brute
        outcomes.append(fast)
    if n == 1 or rule in ("parity", "and"):  # cases chosen near their threshold: both answers occur
        assert 0 < sum(outcomes) < len(outcomes)


@pytest.mark.parametrize("rule, table, k, n", [("committee", "00010111", 3, 2), ("parity", "1001", 2, 3)])
def test_the_search_for_any_rule_finds_the_dedicated_searches_p_star(rule, table, k, n):
    """The same instances, the rule named (its dedicated search) and given as a truth table (the pair search)."""
    for trial in range(5):
        rng = np.random.default_rng([3, k, n, trial])
        branches = [rng.standard_normal((24, n)) for _ in range(k)]
        labels = rng.choice([-1.0, 1.0], size=24)
        named = longest_storable_prefix(rule, branches, labels)
        declared = longest_storable_prefix(table, branches, labels)
        assert named == declared and named["witness"] == "certified" and 0 < named["p_star"] < 24


def test_cli_tree_machine_with_a_declared_rule(capfd):
    assert main(["verify", "tree-machine", "--set", "K=2", "--set", "rule=and", "--set", "n=2", "--trials", "8",
                 "--json"]) == 0
    payload = json.loads(capfd.readouterr().out)
    assert payload["status"] == "success" and payload["model"] == "tree-machine"
    assert payload["quantities"]["cover_p_value"] > 1e-3 and payload["quantities"]["cover_p_value_one_more_input"] < 1e-3
    assert main(["verify", "tree-machine", "--set", "K=3", "--set", "rule=and", "--set", "n=3"]) == 2
    assert "n: must lie in [1, 2]; got 3" in capfd.readouterr().err
    assert main(["verify", "tree-machine", "--set", "K=2", "--set", "rule=01x1"]) == 2
    assert "rule: must be one of committee, parity, and, or or a truth table" in capfd.readouterr().err


def test_verify_committee_small():
    result = verify_committee(3, "committee", sizes=(2,), trials=12, seed=1)
    assert result.status == "success", result.message
    # the K = 1 pipeline check agrees with Cover's C(P, n) and has the power to reject C(P, n + 1)
    assert result.estimate["cover_p_value"] > 1e-3 and result.estimate["cover_p_value_one_more_input"] < 1e-3
    row = result.to_frame().iloc[0]
    assert row.incomplete == 0 and row.doubtful_witnesses == 0
    assert row.alpha_star < row.alpha_c_RS  # far below the (unstable) RS value at N = 6
    assert counting_probability(40, 3, 2) < 1e-6


def test_cli_committee(capfd):
    assert main(["solve", "committee", "--set", "K=3", "--json"]) == 0
    payload = json.loads(capfd.readouterr().out)
    assert payload["quantities"]["alpha_c_RS"] == rs_capacity("committee", 3)  # the case formulas, tested above
    assert main(["verify", "committee", "--set", "K=2", "--set", "rule=parity", "--set", "n=2", "--trials", "6",
                 "--json"]) == 0
    payload = json.loads(capfd.readouterr().out)
    assert payload["status"] == "success" and payload["model"] == "committee"
    assert payload["params"]["rule"] == "parity" and "cover_p_value" in payload["quantities"]
    assert main(["solve", "committee", "--set", "K=4"]) == 2
    assert "odd" in capfd.readouterr().err
    assert main(["verify", "committee", "--set", "K=5"]) == 2
    assert "K" in capfd.readouterr().err


@pytest.mark.parametrize("n", [1, 2, 5, 12])
def test_counting_bound_of_one_branch_is_covers_median(n):
    """K = 1: the counting bound is Cover's C(P, n) itself, which is exactly 1/2 at P = 2n and below after."""
    from capacity.checks.committee import counting_bound

    assert counting_bound(1, n) == 2 * n
