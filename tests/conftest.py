import os

# Keep numerical libraries to one thread per process: the suite runs on 2 cores and uses joblib workers itself.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

from hypothesis import settings  # noqa: E402

# Property tests draw the same examples on every run (a failure is reproducible and CI is never flaky), with no
# per-example deadline (timings on a loaded 2-core machine vary) and no example database left in the checkout.
settings.register_profile("replica", derandomize=True, deadline=None, database=None)
settings.load_profile("replica")

#: Test files whose tests run for minutes (each notebook executes top to bottom): collected first, so that the
#: parallel workers start on them and the short tests fill in around them instead of trailing after them.
LONG_RUNNING = ("test_notebooks.py",)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.path.name not in LONG_RUNNING)
