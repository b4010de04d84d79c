"""Theory against experiment: a verdict with the numbers behind it, and plots."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from replica.serialization import json_safe

from .estimates import Extrapolation, ThresholdEstimate, extrapolate, threshold_estimates

__all__ = ["Comparison", "compare", "plot_thresholds", "plot_margin_curve", "margin_curve_summary"]


@dataclass(frozen=True)
class Comparison:
    """Does the theory value lie inside the empirical interval?

    Attributes
    ----------
    quantity : str
    theory : float
    estimate, lower, upper : float
        Empirical estimate and its confidence interval.
    agree : bool
        ``lower <= theory <= upper`` (the interval is closed: its ends are order statistics or fit bounds that
        the true value reaches with the stated confidence).
    deviation : float
        ``(estimate - theory) / stderr`` (in standard errors).
    verdict : str
        ``"agree"``, ``"disagree"``, or ``"inconclusive"`` where the experiment gives no interval (one usable
        size, no extrapolation); ``agree`` is then ``False``.
    """

    quantity: str
    theory: float
    estimate: float
    lower: float
    upper: float
    confidence: float
    agree: bool
    deviation: float
    verdict: str

    def to_dict(self) -> dict:
        return json_safe(self)


def compare(quantity: str, theory: float, extrapolation: Extrapolation) -> Comparison:
    """Compare a theory value with an extrapolated empirical estimate: agreement iff the theory value lies in the
    extrapolation's confidence interval; inconclusive (not agreement) where there is no interval."""
    if not (math.isfinite(extrapolation.lower) and math.isfinite(extrapolation.upper)):
        return Comparison(quantity, float(theory), extrapolation.alpha_inf, extrapolation.lower, extrapolation.upper,
                          extrapolation.confidence, False, math.nan, "inconclusive")
    agree = bool(extrapolation.lower <= theory <= extrapolation.upper)
    deviation = (extrapolation.alpha_inf - theory) / extrapolation.stderr if extrapolation.stderr > 0 else math.inf
    return Comparison(quantity, float(theory), extrapolation.alpha_inf, extrapolation.lower, extrapolation.upper,
                      extrapolation.confidence, agree, float(deviation), "agree" if agree else "disagree")


@dataclass(frozen=True)
class CriticalLoadVerdict:
    """Critical loads judged against a theory capacity: the per-size estimates, their extrapolation, the comparison,
    and the check's ``status``, ``message`` and ``estimate`` entries (:func:`judge_critical_loads`)."""

    estimates: list
    extrapolation: Extrapolation
    comparison: Comparison
    status: str
    message: str
    estimate: dict


def judge_critical_loads(critical, capacity: float, *, confidence: float = 0.95,
                         theory_text: str | None = None) -> CriticalLoadVerdict:
    """Per-size medians of the critical loads (:func:`~capacity.estimates.threshold_estimates`), extrapolated in
    :math:`1/N`, against ``capacity``: ``success`` when the theory lies in the interval and no verdict was
    doubtful, ``warning`` if some were (they widen the interval), ``failure`` otherwise or when there is no interval.
    ``theory_text`` is how the message names the theory value (default ``alpha_c = <value>``)."""
    estimates = threshold_estimates(critical, confidence)
    extrapolation = extrapolate(estimates, confidence)
    comparison = compare("alpha_c", capacity, extrapolation)
    doubtful = int((critical.verdict == "doubtful").sum())
    theory_text = theory_text or f"alpha_c = {capacity:.6g}"
    if comparison.verdict == "inconclusive":
        message = f"theory {theory_text}; no comparison: {extrapolation.method}"
    else:
        message = (f"theory {theory_text}; experiment {comparison.estimate:.4g} "
                   f"[{comparison.lower:.4g}, {comparison.upper:.4g}] ({comparison.confidence:.0%} CI): "
                   f"{'agree' if comparison.agree else 'DISAGREE'}")
    if doubtful:
        message += f"; {doubtful} instance(s) had a doubtful verdict and widen the interval"
    status = "failure" if not comparison.agree else "warning" if doubtful else "success"
    estimate = {**{f"alpha_c_{k}" if k in ("lower", "upper") else k: v for k, v in extrapolation.to_dict().items()},
                "alpha_c_estimate": comparison.estimate, "verdict": comparison.verdict,
                "deviation": comparison.deviation, "doubtful_instances": doubtful}
    return CriticalLoadVerdict(estimates, extrapolation, comparison, status, message, estimate)


def plot_thresholds(estimates: list[ThresholdEstimate], extrapolation: Extrapolation, theory: float,
                    ax=None, label: str = r"$\alpha_c$", title: str | None = None):
    """Per-size median critical loads against :math:`1/N`, the fitted line, and the theory value at 0 (with
    ``title`` above the axes)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    x = np.array([1 / e.n for e in estimates])
    y = np.array([e.estimate for e in estimates])
    err = np.array([[e.estimate - e.lower for e in estimates], [e.upper - e.estimate for e in estimates]])
    ax.errorbar(x, y, yerr=err, fmt="o", capsize=3, label="median critical load (95% CI)")
    grid = np.linspace(0, x.max() * 1.1, 50)
    ax.plot(grid, extrapolation.alpha_inf + extrapolation.slope * grid, "--", label="fit in 1/N")
    ax.errorbar([0], [extrapolation.alpha_inf], yerr=[[extrapolation.alpha_inf - extrapolation.lower],
                                                       [extrapolation.upper - extrapolation.alpha_inf]],
                fmt="s", capsize=3, label="extrapolation")
    ax.axhline(theory, color="k", lw=1, label=f"theory {label} = {theory:.5g}")
    ax.set_xlabel("1/N")
    ax.set_ylabel("critical load")
    if title:
        ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    return ax.figure


def margin_curve_summary(max_margins: pd.DataFrame, width_tolerance: float = 1e-6) -> pd.DataFrame:
    """Mean certified max margin per load with its standard error; rows with a loose bracket are excluded and
    counted (a load whose rows are all excluded keeps its row, with ``count`` 0 and a NaN mean)."""
    tight = max_margins[(max_margins.kappa_upper - max_margins.kappa_lower) <= width_tolerance]
    kappa = (tight.kappa_lower + tight.kappa_upper) / 2
    rows_per_load = max_margins.groupby("alpha").size()
    summary = kappa.groupby(tight.alpha).agg(["mean", "std", "count"]).reindex(rows_per_load.index)
    summary["count"] = summary["count"].fillna(0).astype(int)
    summary["stderr"] = summary["std"] / np.sqrt(summary["count"])
    summary["excluded"] = rows_per_load - summary["count"]
    return summary.reset_index()


def plot_margin_curve(max_margins: pd.DataFrame, theory_alpha, theory_kappa, ax=None):
    """Empirical max margins against load, with the theory curve :math:`\\kappa(\\alpha)`."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    for n, group in max_margins.groupby("n"):
        summary = margin_curve_summary(group)
        ax.errorbar(summary.alpha, summary["mean"], yerr=2 * summary.stderr, fmt="o", ms=3, capsize=2,
                    label=f"N = {n} (mean, 2 s.e.)")
    ax.plot(theory_alpha, theory_kappa, "k-", lw=1, label="Gardner RS theory")
    ax.set_xlabel(r"load $\alpha = P/N$")
    ax.set_ylabel(r"max margin $\kappa$")
    ax.legend(fontsize=8)
    return ax.figure
