"""Apply each documented mutation (tests/mutations/mutations.py) to a copy of the project, run the
tests that should catch it, and report caught / survived. Not part of `make test` (it runs the
slow tests once per mutation); run it with `make mutations` before resolving an issue.

    python tests/mutations/run.py [name ...]    # all mutations, or the named ones
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from mutations import MUTATIONS, Mutation  # noqa: E402

PROJECT = Path(__file__).resolve().parents[2]


def copy_project(target: Path) -> None:
    """The working tree (tracked and untracked, not ignored files), as git sees it."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT, capture_output=True, check=True,
    ).stdout.split(b"\0")  # fmt: skip
    for name in filter(None, files):
        source, destination = PROJECT / name.decode(), target / name.decode()
        if source.is_file():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


def apply(mutation: Mutation, root: Path) -> None:
    path = root / mutation.path
    text = path.read_text()
    found = text.count(mutation.old)
    if found != 1:
        raise SystemExit(f"{mutation.name}: the snippet occurs {found} times in {mutation.path}")
    path.write_text(text.replace(mutation.old, mutation.new))


def run(mutation: Mutation) -> tuple[str, float, str]:
    with tempfile.TemporaryDirectory(prefix=f"mutation-{mutation.name}-") as folder:
        root = Path(folder)
        copy_project(root)
        apply(mutation, root)
        # The copy's package shadows the installed (editable) one, in pytest and in dbt's Python
        # models alike; checked below.
        env = {**os.environ, "PYTHONPATH": str(root)}
        where = subprocess.run(
            [sys.executable, "-c", "import audience; print(audience.__file__)"],
            cwd=root, env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        if not where.startswith(str(root)):
            raise SystemExit(f"the mutated copy's package is not the one imported: {where}")
        started = time.perf_counter()
        tests = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutation.tests],
            cwd=root, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        last = (tests.stdout.strip().splitlines() or [""])[-1]
        if tests.returncode == 0:
            return "SURVIVED", elapsed, last
        if tests.returncode in (1,):
            return "caught", elapsed, last
        return f"error (pytest exit {tests.returncode})", elapsed, last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="mutations to run (default: all)")
    names = parser.parse_args().names
    chosen = [m for m in MUTATIONS if not names or m.name in names]
    unknown = set(names) - {m.name for m in MUTATIONS}
    if unknown:
        parser.error(f"unknown mutation(s): {', '.join(sorted(unknown))}")
    results = []
    for mutation in chosen:
        outcome, elapsed, last = run(mutation)
        results.append((mutation, outcome))
        print(
            f"{outcome:<9} {mutation.name:<36} {elapsed:6.0f} s  {mutation.why}  [{last}]",
            flush=True,
        )
    survived = [m.name for m, outcome in results if outcome != "caught"]
    print(f"\n{len(results) - len(survived)} of {len(results)} mutations caught"
          + (f"; not caught: {', '.join(survived)}" if survived else ""))  # fmt: skip
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
