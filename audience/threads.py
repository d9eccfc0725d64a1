"""One bound on the CPU threads a build uses: $AUDIENCE_CPU_THREADS, default the cores this process
may run on, never more.

It bounds DuckDB's `threads` (set by the dbt-duckdb plugin, audience.serving.dbt_plugin, when dbt
opens the warehouse), the OpenMP and BLAS thread pools inside the Python models (histogram
gradient boosting, numpy; threadpoolctl, for the whole dbt process) and the worker threads the
package starts itself (random forests). On a busy machine, fewer threads than cores is faster:
OpenMP threads that wait for a core stall each other (one prediction's training took 58-72 s
with every core against 12.3 s with one thread under a load of 3-4).
"""

from __future__ import annotations

import os

CPU_THREADS_ENV = "AUDIENCE_CPU_THREADS"


class ThreadSettingError(ValueError):
    """$AUDIENCE_CPU_THREADS is not a whole number of threads."""


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers restrict)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def cpu_threads() -> int:
    """The thread bound: $AUDIENCE_CPU_THREADS (at least 1, at most the available cores), else
    the available cores."""
    cores = available_cores()
    text = os.environ.get(CPU_THREADS_ENV, "").strip()
    if not text:
        return cores
    try:
        wanted = int(text)
    except ValueError:
        wanted = 0
    if wanted < 1:
        raise ThreadSettingError(
            f"{CPU_THREADS_ENV} must be a whole number of threads, at least 1, got {text!r}"
        )
    return min(wanted, cores)


_limits = None  # the process-wide threadpoolctl limit, kept alive while the process runs


def limit_python_threads(threads: int) -> None:
    """Bound the OpenMP and BLAS pools of this process (numpy, scipy, scikit-learn) to `threads`,
    also for libraries loaded later."""
    global _limits
    from threadpoolctl import threadpool_limits

    _limits = threadpool_limits(limits=threads)
    # Pools not loaded yet read these when they start (threadpoolctl sees only loaded ones).
    # They replace what the user may have set: AUDIENCE_CPU_THREADS is the one setting.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
