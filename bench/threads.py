"""The thread settings every system runs under, fixed before numpy or torch is imported.

Imported first by the package (`bench/__init__.py`), so that any `import bench.x` sizes the
BLAS and OpenMP pools here before a system file loads numpy.
"""

import os
import sys

THREADS = 2
# If numpy came first (e.g. imported by a test runner), its BLAS pool is already sized; say so.
NUMPY_PRELOADED = "numpy" in sys.modules

# Thread pools are sized when numpy/torch load, so this must run before either is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)
# Idle OpenMP workers (torch) sleep instead of spinning into the next system's timed round.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
