"""Convex ERM on sign-teacher data sits above the Bayes-optimal error (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019)."""

import numpy as np
import pytest

from capacity.erm import erm_errors
from replica.errors import ParameterError
from replica.glm import solve_glm


@pytest.mark.parametrize("prior", ["gaussian", "rademacher"])
def test_erm_is_above_the_bayes_optimal_error(prior):
    alpha = 1.0
    table = erm_errors(prior, alpha, n=150, trials=16, seed=3).set_index("loss")
    bayes = solve_glm(prior, "sign", alpha).quantities["gen_error"]
    assert (table.failed == 0).all()
    # Bayes-optimal error is a lower bound for every estimator (3 standard errors of the 16-instance mean)
    assert np.all(table["mean"] >= bayes - 3 * table["standard_error"])
    # and they learn: better than a coin (error 1/2) by more than 5 standard errors
    assert np.all(table["mean"] + 5 * table["standard_error"] < 0.5)
    # on separable data the hinge loss with a small ridge is the max-margin estimator
    assert table.loc["hinge", "mean"] == pytest.approx(table.loc["max-margin", "mean"], abs=1e-3)


def test_erm_parameter_errors():
    with pytest.raises(ParameterError, match="losses"):
        erm_errors("gaussian", 1.0, losses=["squared"])
    with pytest.raises(ParameterError, match="prior"):
        erm_errors("laplace", 1.0)
