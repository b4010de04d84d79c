"""Convex ERM on sign-teacher data sits above the Bayes-optimal error (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019)."""

import numpy as np
import pytest

from capacity.erm import erm_errors
from replica.errors import ParameterError
from replica.glm import solve_glm


@pytest.mark.parametrize("prior", ["gaussian", "rademacher"])
def test_erm_is_above_the_bayes_optimal_error(prior):
    alpha = 1.0
    table = erm_errors(prior, alpha, n=150, trials=8, seed=3).set_index("loss")
    bayes = solve_glm(prior, "sign", alpha).quantities["gen_error"]
    assert (table.failed == 0).all()
    assert np.all(table["mean"] >= bayes - 3 * table["standard_error"])
    assert np.all(table["mean"] < 0.5 - 0.1)  # they learn something
    # on separable data the hinge loss with a small ridge is the max-margin estimator
    assert table.loc["hinge", "mean"] == pytest.approx(table.loc["max-margin", "mean"], abs=1e-3)


def test_erm_parameter_errors():
    with pytest.raises(ParameterError, match="losses"):
        erm_errors("gaussian", 1.0, losses=["squared"])
    with pytest.raises(ParameterError, match="prior"):
        erm_errors("laplace", 1.0)
