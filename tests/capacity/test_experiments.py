"""Experiments: reproducibility from one seed, the bisection against Cover, parallel = serial, doubtful handling."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from capacity.cover import cover_probability
from capacity.ensembles import PerceptronEnsemble
from capacity.experiments import _bisect_instance, critical_loads, max_margin_trials
from capacity.programs import Verdict
from replica.errors import ParameterError


def test_instances_are_reproducible_and_nested():
    ensemble = PerceptronEnsemble(7, seed=11)
    small, large = ensemble.instance(3, 5), ensemble.instance(3, 20)
    np.testing.assert_array_equal(small.patterns, large.patterns[:5])
    np.testing.assert_array_equal(small.labels, large.labels[:5])
    np.testing.assert_array_equal(ensemble.instance(3, 20).patterns, large.patterns)
    assert not np.array_equal(ensemble.instance(4, 5).patterns, small.patterns)
    assert set(np.unique(large.labels)) <= {-1.0, 1.0}


def test_critical_pattern_counts_follow_cover():
    """P(P* > P) = C(P, N) exactly at kappa = 0: each P is an exact binomial test (Bonferroni over P)."""
    n, trials = 8, 200
    table = critical_loads([n], trials, seed=7, progress=False)
    assert (table.verdict == "certified").all()
    p_values = []
    for p in range(n, 3 * n):
        survived = int((table.p_star > p).sum())
        p_values.append(stats.binomtest(survived, trials, cover_probability(p, n)).pvalue)
    assert min(p_values) * len(p_values) > 1e-3


def test_a_trial_reruns_alone_and_parallel_equals_serial():
    serial = critical_loads([12], 6, seed=3, progress=False, n_jobs=1)
    parallel = critical_loads([12], 6, seed=3, progress=False, n_jobs=2)
    pd.testing.assert_frame_equal(serial.drop(columns="seconds"), parallel.drop(columns="seconds"))
    alone = _bisect_instance(12, 3, 4, 0.0, 48, None)
    assert alone.p_star == serial.loc[serial.trial == 4, "p_star"].item()


@pytest.mark.parametrize("nonnegative", [False, True])
def test_positive_margin_matches_the_max_margin(nonnegative):
    """P* at margin kappa is the first prefix whose certified max margin falls below kappa."""
    n, kappa = 15, 0.4 if not nonnegative else 0.2
    row = critical_loads([n], 1, kappa=kappa, seed=9, nonnegative=nonnegative, progress=False).iloc[0]
    assert row.verdict == "certified"
    margins = max_margin_trials(n, [(row.p_star - 1) / n, row.p_star / n], 1, seed=9, nonnegative=nonnegative,
                                progress=False)
    before, at = margins.sort_values("p").itertuples()
    assert before.kappa_lower >= kappa > at.kappa_upper


def test_max_margins_are_bracketed_to_1e_6_where_verdicts_use_the_interior_point():
    """At N >= 400 the verdicts come from the interior point, whose bracket is only as tight as a verdict needs; the
    max-margin curve wants the margin itself, and gets it from the active set; a loose row would be excluded and
    counted, never averaged in."""
    from capacity.compare import margin_curve_summary
    from capacity.programs.least_distance import INTERIOR_POINT_MIN_DIMENSION

    n = INTERIOR_POINT_MIN_DIMENSION
    margins = max_margin_trials(n, [0.5, 1.0], 2, seed=4, progress=False)
    assert ((margins.kappa_upper - margins.kappa_lower) <= 1e-9).all()
    summary = margin_curve_summary(margins)
    assert list(summary["count"]) == [2, 2] and list(summary.excluded) == [0, 0]
    loose = margins.assign(kappa_upper=margins.kappa_lower + np.where(margins.alpha == 1.0, 1e-3, 0.0))
    summary = margin_curve_summary(loose)
    assert list(summary["count"]) == [2, 0] and list(summary.excluded) == [0, 2] and np.isnan(summary["mean"][1])


@pytest.mark.parametrize("solver", ["NNLS", "CLARABEL"])
def test_doubtful_verdicts_are_kept_not_dropped(monkeypatch, solver):
    from capacity.programs import Certificate, LeastDistanceProgram, MarginProgram

    def always_doubtful(self, rows, kappa=0.0):
        return Certificate(Verdict.DOUBTFUL, -np.inf, np.inf, "X", "unknown", "forced")

    monkeypatch.setattr(MarginProgram, "certify", always_doubtful)
    monkeypatch.setattr(LeastDistanceProgram, "certify", always_doubtful)
    monkeypatch.setattr(LeastDistanceProgram, "certify_with_solution",
                        lambda self, rows, kappa=0.0: (always_doubtful(self, rows, kappa), None, None))
    table = critical_loads([10], 3, seed=1, solver=solver, progress=False)
    assert list(table.verdict) == ["doubtful"] * 3
    assert table.p_star.isna().all()


@pytest.mark.parametrize("kwargs,name", [
    (dict(ns=[0], trials=5), "n"),
    (dict(ns=[10], trials=0), "trials"),
    (dict(ns=[10], trials=5, kappa=-0.1), "kappa"),
    (dict(ns=[10], trials=5, n_jobs=0), "n_jobs"),
    (dict(ns=[10], trials=5, seed=-1), "seed"),
])
def test_bad_experiment_parameters(kwargs, name):
    ns = kwargs.pop("ns")
    trials = kwargs.pop("trials")
    with pytest.raises(ParameterError) as info:
        critical_loads(ns, trials, progress=False, **kwargs)
    assert info.value.name == name


@pytest.mark.parametrize("guess", [None, 1, 5, 20, 37, 60, 200])
def test_galloping_search_finds_the_same_p_star_as_bisection(guess):
    """Verdicts are monotone in the prefix length, so every start gives the same first unseparable prefix."""
    from capacity.prefix_search import first_unseparable_prefix

    for p_star in (1, 2, 17, 40, 99, 100):
        def separable(p):
            return Verdict.SEPARABLE if p < p_star else Verdict.NOT_SEPARABLE

        found, outcome, calls = first_unseparable_prefix(separable, 100, guess)
        assert (found, outcome) == (p_star, "certified") and calls <= 2 * math.ceil(math.log2(100)) + 2
    always = first_unseparable_prefix(lambda p: Verdict.SEPARABLE, 100, guess)
    assert always[:2] == (None, "above_search_range")
    doubtful = first_unseparable_prefix(lambda p: Verdict.DOUBTFUL, 100, guess)
    assert doubtful[:2] == (None, "doubtful")


def test_plot_margin_curve_draws_each_size_and_the_theory():
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from capacity.compare import plot_margin_curve

    margins = pd.DataFrame({"n": [10, 10, 20, 20], "alpha": [0.5, 1.0, 0.5, 1.0],
                            "kappa_lower": [0.8, 0.3, 0.7, 0.35], "kappa_upper": [0.8, 0.3, 0.7, 0.35]})
    figure = plot_margin_curve(margins, [0.5, 1.0], [0.75, 0.32])
    axis = figure.axes[0]
    assert [line.get_label() for line in axis.lines][-1] == "Gardner RS theory"
    assert list(axis.lines[-1].get_ydata()) == [0.75, 0.32]
    assert {text.get_text() for text in axis.get_legend().get_texts()} >= {"N = 10 (mean, 2 s.e.)",
                                                                            "N = 20 (mean, 2 s.e.)"}
