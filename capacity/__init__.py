"""capacity: finite-size experiments that check the replica theory (certified convex programs, enumeration, GAMP,
simulations), one check per family (:mod:`capacity.checks`).

Public API::

    import capacity
    check = capacity.verify("gardner", kappa=0.0, n=(20, 40), trials=50)   # Verification
    check.status, check.message, check.theory, check.estimate, check.to_frame()
"""

__all__ = ["verify"]


def verify(model: str, *, execution=None, **values):
    """Run the finite-size check of the family ``model`` (:func:`capacity.checks.get_check`).

    Parameters
    ----------
    model : str
        A family's registry key (``replica models`` lists them and their checks).
    execution : capacity.checks.Execution, optional
        Workers, progress, the resumable record (``store``/``resume``) and a Dask scheduler; by default one
        process, no record.
    **values
        The check's parameters and settings (``n``, ``trials``, ``seed``, ``solver``, ...); defaults for the rest.

    Returns
    -------
    capacity.verification.Verification
    """
    from .checks import get_check  # imported here: `replica --help` must not load the solvers

    return get_check(model).verify(execution=execution, **values)
