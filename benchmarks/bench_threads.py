"""Benchmark the thread bound (AUDIENCE_CPU_THREADS) on a busy machine: one HistGradientBoosting
fit (80,000 rows, 40 features, 60 steps of 0.2, no early stopping; about the size of one
prediction's tuning fit) with every available core and with one thread, alternating, while
`--busy` processes spin beside it. The threads are limited with threadpoolctl, as the dbt plugin
does for the Python models.

    python benchmarks/bench_threads.py --busy 3 --repeats 3
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from audience.threads import available_cores


def _spin() -> None:
    while True:
        pass


def _fit_seconds(x: np.ndarray, y: np.ndarray, threads: int) -> float:
    with threadpool_limits(limits=threads):
        started = time.perf_counter()
        model = HistGradientBoostingClassifier(
            max_iter=60, learning_rate=0.2, early_stopping=False, random_state=0
        )
        model.fit(x, y)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=3, help="spinning processes beside the fits")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80_000, 40))
    y = (x[:, :5].sum(axis=1) + rng.normal(size=len(x)) > 1).astype(int)
    cores = available_cores()
    _fit_seconds(x, y, cores)  # warm-up: OpenMP's pool and the allocator
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.busy)]
    for spinner in spinners:
        spinner.start()
    try:
        times = {cores: [], 1: []}
        for _ in range(args.repeats):
            for threads in times:
                times[threads].append(_fit_seconds(x, y, threads))
        load = os.getloadavg()[0]
    finally:
        for spinner in spinners:
            spinner.terminate()
    print(f"{args.busy} busy processes, load average {load:.2f}, {cores} cores")
    for threads, seconds in times.items():
        listed = ", ".join(f"{s:.1f}" for s in seconds)
        print(f"  {threads} thread(s): {listed} s (median {np.median(seconds):.1f} s)")


if __name__ == "__main__":
    main()
