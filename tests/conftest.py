import os

# Keep numerical libraries to one thread per process: the suite runs on 2 cores and uses joblib workers itself.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
