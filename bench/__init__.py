"""Side-by-side benchmarks of autodiff against micrograd, PyTorch and hand-written floors.

The modules form layers, each importing only the ones below it:

    threads, data, case, isolated, systems, models   shared pieces (no system, no harness)
    scalar, scalar_floor, tensor, tensor_floor, pytorch, compiled   one file per system
    workloads, memory                                  which system runs which workload
    report, harness                                    timing, checking, the outputs
"""

from bench.threads import NUMPY_PRELOADED, THREADS  # first: sizes the thread pools
from bench.harness import run  # noqa: E402  (after the thread settings on purpose)
from bench.report import problems  # noqa: E402

__all__ = ["NUMPY_PRELOADED", "THREADS", "problems", "run"]
