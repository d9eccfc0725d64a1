"""Benchmark `audience publish` on a finished build: wall time and peak memory of publishing the
serving database with its Parquet copy, of the database alone, and of copying the build warehouse
file (`cp`, the baseline: what moving the bytes costs without choosing or describing anything).

The build is yours (building at 1M customers takes half an hour, so it is not repeated here):

    AUDIENCE_DATA_DIR=... AUDIENCE_DUCKDB_PATH=/tmp/b/audience.duckdb \\
        dbt build --profiles-dir profiles --target-path /tmp/b/target
    python benchmarks/bench_publish.py --warehouse /tmp/b/audience.duckdb --target /tmp/b/target

Each step runs in a fresh process against an empty serving folder in --work-dir.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_features import BIN, _measure  # noqa: E402


def _size_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def _published(serving: Path) -> tuple[int, int]:
    with duckdb.connect(str(serving), read_only=True) as con:
        return con.execute("select count(*), sum(row_count) from main.build_manifest").fetchone()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--target", type=Path, required=True, help="the build's dbt target folder")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/audience-bench-publish"))
    args = parser.parse_args(argv)
    work = args.work_dir
    shutil.rmtree(work, ignore_errors=True)
    (work / "logs").mkdir(parents=True)
    publish = [str(BIN / "audience"), "publish", "--warehouse", str(args.warehouse.resolve()),
               "--target-path", str(args.target.resolve())]  # fmt: skip
    steps = {
        "audience publish (DuckDB + Parquet)": (work / "full", [*publish]),
        "audience publish --no-parquet": (work / "db", [*publish, "--no-parquet"]),
        "cp build warehouse (baseline)": (work / "cp", None),
    }
    results = {}
    for i, (step, (folder, command)) in enumerate(steps.items()):
        folder.mkdir()
        serving = folder / "serving.duckdb"
        command = (
            [*command, "--serving", str(serving)]
            if command
            else ["cp", str(args.warehouse), str(folder / "copy.duckdb")]
        )
        results[step] = _measure(
            work, command, dict(os.environ), work / "logs" / f"publish_{i}.log", 3600, 2
        )
        results[step]["serving_mb"] = _size_mb(serving if command[0] != "cp" else folder)
        results[step]["parquet_mb"] = _size_mb(folder / "serving_parquet")
    tables, rows = _published(work / "full" / "serving.duckdb")
    print(f"\nbuild warehouse {args.warehouse}: {_size_mb(args.warehouse):,.0f} MB;"
          f" published {tables} tables, {rows:,} rows")  # fmt: skip
    print(f"{'step':<38} {'wall s':>8} {'peak RSS MB':>12} {'db MB':>8} {'parquet MB':>11} ok")
    for step, r in results.items():
        ok = r["returncode"] == 0 and not r["stopped"]
        print(f"{step:<38} {r['wall_s']:>8.1f} {r['peak_rss_mb']:>12,.0f}"
              f" {r['serving_mb']:>8,.0f} {r['parquet_mb']:>11,.0f} {ok}")  # fmt: skip
    held, baseline = (
        results["audience publish (DuckDB + Parquet)"],
        results["cp build warehouse (baseline)"],
    )
    print(f"publish / cp: {held['wall_s'] / max(baseline['wall_s'], 1e-9):.1f}x")
    (work / "publish_results.json").write_text(json.dumps(results, indent=2))
    return 0 if all(r["returncode"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
