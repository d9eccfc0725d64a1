"""Progress lines for the long-running Python models and commands.

The convention audience/propensity started: a ``log`` callable (``print`` by default, so a dbt
Python model's lines appear in the `dbt build` output), one line per step, prefixed with the
area, ending with the step's wall time in seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Step:
    """Details a step adds to its line while it runs (e.g. the metric it produced)."""

    def __init__(self) -> None:
        self.details: list[str] = []

    def add(self, detail: str) -> None:
        self.details.append(detail)


@contextmanager
def timed(log: Callable[[str], object], what: str) -> Iterator[Step]:
    """Log ``what`` with its details and wall time once the block finishes (not on an error:
    the error says what went wrong)."""
    step = Step()
    started = time.perf_counter()
    yield step
    details = "".join(f", {detail}" for detail in step.details)
    log(f"{what}{details} ({time.perf_counter() - started:.1f}s)")
