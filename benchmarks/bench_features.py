"""Benchmark the dbt/DuckDB feature layer against the plain-pandas reference.

Generates the demo data if missing (not timed), then times, each in a fresh process:

* a bare DuckDB baseline: one group-by of order_lines into a table, to compare the machine with;
* ``dbt run`` of the as-of features (fct_customer_rfm, fct_customer_behavior and upstream);
* ``dbt run`` of the full feature layer (as-of features, training snapshots, lead features);
* audience.reference.pandas_features computing the same as-of features from the same files.

Wall time and peak RSS of each step are measured by a small intermediate Python process that
runs the step and reads getrusage(RUSAGE_CHILDREN).ru_maxrss after waiting for it, so each
figure belongs to that step alone. Every dbt step starts from a fresh copy of a warehouse that
holds only the seeds, at one fixed path: the profile (which holds the path) is part of dbt's parse
cache, so the steps reuse the cache the seed step left, as repeated runs on one warehouse do.
Each step is still a full ``dbt run``, process start-up included. Both sides reject timestamps
after the same pinned ceiling.

A step is stopped, and reported as failed while the others still run, after --step-timeout
seconds or when free disk space falls below --min-free-disk-gb: beyond its memory limit DuckDB
spills to disk, by default up to 90% of the free space. The results are printed as a table and
written to <work-dir>/results.json; then dbt's as-of tables are checked against the pandas ones.

    python benchmarks/bench_features.py --customers 1000000 --work-dir /tmp/audience-bench
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
AS_OF_SELECT = "+fct_customer_rfm +fct_customer_behavior"
# Every model under models/features and what it reads. (fct_customer_snapshots calls the
# feature macros itself, so the snapshot models alone do not select fct_customer_rfm/behavior.)
FULL_SELECT = f"{AS_OF_SELECT} +fct_customer_snapshots +fct_lead_features +fct_lead_snapshots"
TARGET_SPEEDUP = 3.0  # dbt as-of features at least this many times faster than pandas
TARGET_PEAK_MB = 4096  # and under this peak RSS
# What the measured figures depend on: fingerprinted before and after the run.
PROJECT_FILES = ["dbt_project.yml", "profiles", "models", "macros", "seeds", "audience/reference"]
SOURCE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".py"}

# Runs one step and reports its wall time and peak RSS: a fresh process per step, so
# RUSAGE_CHILDREN holds that step's processes only. Stops the step on timeout or low disk.
PROBE = """
import json, resource, shutil, subprocess, sys, time
command, log, folder = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
timeout_s, min_free = float(sys.argv[4]), float(sys.argv[5]) * 1024**3
stopped = None
with open(log, "w") as out:
    started = time.perf_counter()
    step = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    while step.poll() is None:
        time.sleep(0.2)
        if time.perf_counter() - started > timeout_s:
            stopped = f"timeout after {timeout_s:.0f} s"
        elif shutil.disk_usage(folder).free < min_free:
            stopped = f"free disk space below {min_free / 1024**3:.0f} GB"
        if stopped:
            step.kill()
            step.wait()
    wall = time.perf_counter() - started
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
result = {"returncode": step.returncode, "stopped": stopped, "wall_s": wall}
print(json.dumps({**result, "peak_rss_mb": peak_kb / 1024}))
"""

BASELINE_SQL = """
create or replace table order_line_totals as
select customer_id, count(*) as lines, sum(line_amount) as amount, max(ordered_at) as last_at
from read_parquet('{path}')
group by customer_id
"""


# ---------------------------------------------------------------------------------------------
# Steps run in child processes (python bench_features.py --task ...)


def task_duckdb_baseline(work: Path) -> None:
    import duckdb

    database = work / "warehouse" / "baseline.duckdb"
    _remove_database(database)
    con = duckdb.connect(str(database))
    con.execute(f"set memory_limit = '{_memory_limit()}'")
    con.execute("set preserve_insertion_order = false")
    con.execute(BASELINE_SQL.format(path=_raw_dir(work) / "order_lines.parquet"))
    con.close()


def task_pandas(work: Path, ceiling: str) -> None:
    from audience.reference.pandas_features import compute_features

    rfm, behavior = compute_features(_raw_dir(work), ceiling=ceiling)
    out = work / "pandas"
    out.mkdir(exist_ok=True)
    rfm.to_parquet(out / "fct_customer_rfm.parquet")
    behavior.to_parquet(out / "fct_customer_behavior.parquet")


# ---------------------------------------------------------------------------------------------
# Orchestration


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    work = args.work_dir.resolve()
    if args.task == "duckdb-baseline":
        task_duckdb_baseline(work)
        return 0
    if args.task == "pandas":
        task_pandas(work, args.ceiling)
        return 0

    for folder in ("warehouse", "logs", "target"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    project_before = _project_state()
    ceiling = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    _prepare_data(work, args.customers, args.skip_generate)
    _prepare_seeded_warehouse(work, ceiling)

    own = [sys.executable, str(Path(__file__).resolve()), "--work-dir", str(work)]
    steps = [
        ("duckdb baseline (group-by)", "duckdb_baseline", [*own, "--task", "duckdb-baseline"]),
        ("dbt as-of features", "dbt_as_of", _dbt_command(work, "run", AS_OF_SELECT, ceiling)),
        ("dbt full feature layer", "dbt_full", _dbt_command(work, "run", FULL_SELECT, ceiling)),
        ("pandas reference", "pandas", [*own, "--task", "pandas", "--ceiling", ceiling]),
    ]
    if args.skip_full_layer:
        steps = [step for step in steps if step[1] != "dbt_full"]
    results = []
    for label, key, command in steps:
        print(f"running {label} ...", flush=True)
        result = _run_step(work, key, command, args)
        result["project_changed"] = _project_state() != project_before
        results.append({"step": label, "key": key, "command": command, **result})
        status = "ok" if result["ok"] else f"FAILED ({result['failure']})"
        wall, peak = result["wall_s"], result["peak_rss_mb"]
        print(f"  {status}: {wall:.1f} s, peak RSS {peak:.0f} MB", flush=True)

    customers = _manifest(work).get("customers", args.customers)  # the data actually used
    report = _report(work, customers, ceiling, results)
    report["project"] = project_before
    report["project_changed_during_run"] = any(r["project_changed"] for r in results)
    ok = {r["key"] for r in results if r["ok"]}
    report["check"] = _check_outputs(work) if {"dbt_as_of", "pandas"} <= ok else {}
    (work / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    _print_table(report)
    print(f"\nresults written to {work / 'results.json'}")
    return 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000, help="demo data size")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path("/tmp/audience-bench"),
        help="folder for the data, warehouses, dbt logs and results.json",
    )
    parser.add_argument(
        "--skip-generate",
        action="store_true",
        help="use the data already in <work-dir>/data/raw, whatever its size",
    )
    parser.add_argument(
        "--skip-full-layer", action="store_true", help="do not time the full feature layer"
    )
    parser.add_argument(
        "--step-timeout", type=float, default=3600, help="stop a step after this many seconds"
    )
    parser.add_argument(
        "--min-free-disk-gb",
        type=float,
        default=10,
        help="stop a step when free space on the work dir's disk falls below this",
    )
    parser.add_argument("--task", help=argparse.SUPPRESS)
    parser.add_argument("--ceiling", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _raw_dir(work: Path) -> Path:
    return work / "data" / "raw"


def _memory_limit() -> str:
    """DuckDB's memory limit in the dbt runs, which the baseline uses too."""
    return _profile_setting("AUDIENCE_DUCKDB_MEMORY_LIMIT", "80%")  # 80%: DuckDB's default


def _profile_setting(variable: str, fallback: str) -> str:
    """$variable, else the default profiles/profiles.yml gives it: env_var('X', 'default')."""
    if os.environ.get(variable):
        return os.environ[variable]
    profile = (REPO / "profiles" / "profiles.yml").read_text()
    match = re.search(rf"env_var\(\s*'{variable}'\s*,\s*'([^']*)'\s*\)", profile)
    return match.group(1) if match else fallback


def _project_state() -> dict:
    """The git commit, uncommitted changes and a content hash of PROJECT_FILES."""

    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return run.stdout.strip()

    digest = hashlib.sha256()
    for name in PROJECT_FILES:
        root = REPO / name
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            if path.is_file() and path.suffix in SOURCE_SUFFIXES:
                digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted": git("status", "--porcelain", "--", *PROJECT_FILES).splitlines(),
        "content_sha256": digest.hexdigest(),
    }


def _manifest(work: Path) -> dict:
    path = work / "data" / "raw_truth" / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _prepare_data(work: Path, customers: int, skip_generate: bool) -> None:
    """Generate the demo data unless data of this size (or any, with --skip-generate) exists."""
    present = (_raw_dir(work) / "order_lines.parquet").exists()
    if skip_generate:
        if not present:
            sys.exit(f"--skip-generate: no data in {_raw_dir(work)}")
        return
    if present and _manifest(work).get("customers") == customers:
        print(f"demo data present in {_raw_dir(work)}")
        return
    print(f"generating demo data: {customers:,} customers (not timed)", flush=True)
    command = [
        sys.executable, "-m", "audience.cli", "demo-data",
        "--customers", str(customers), "--out", str(_raw_dir(work)),
    ]  # fmt: skip
    subprocess.run(command, check=True, cwd=REPO)


def _dbt_env(work: Path, database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AUDIENCE_DATA_DIR": str(_raw_dir(work)),
        "AUDIENCE_DUCKDB_PATH": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def _dbt_command(work: Path, verb: str, select: str | None, ceiling: str) -> list[str]:
    command = [
        str(BIN / "dbt"), verb,
        "--profiles-dir", str(REPO / "profiles"), "--project-dir", str(REPO),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        "--vars", json.dumps({"audience__max_valid_timestamp": ceiling}),
    ]  # fmt: skip
    return command + (["--select", *select.split()] if select else [])


def _dbt_warehouse(work: Path) -> Path:
    """The one path every dbt step's warehouse has while it runs (see _fresh_warehouse)."""
    return work / "warehouse" / "dbt.duckdb"


def _prepare_seeded_warehouse(work: Path, ceiling: str) -> None:
    """A warehouse holding only the seeds, copied before every dbt step (not timed). Also
    leaves dbt's parse cache in the target folder, made with the profile the timed steps use
    (the same warehouse path), so every timed step starts alike from a warm cache."""
    template = work / "warehouse" / "seeded.duckdb"
    database = _dbt_warehouse(work)
    _remove_database(template)
    _remove_database(database)
    print("loading seeds (not timed)", flush=True)
    subprocess.run(
        _dbt_command(work, "seed", None, ceiling),
        check=True,
        cwd=REPO,
        env=_dbt_env(work, database),
        stdout=subprocess.DEVNULL,
    )
    _move_database(database, template)


def _fresh_warehouse(work: Path) -> Path:
    """A copy of the seeded warehouse at the fixed dbt path. A different path per step would
    change the profile and make dbt re-parse the whole project in every timed step ("Unable to
    do partial parsing because profile has changed")."""
    database = _dbt_warehouse(work)
    _remove_database(database)
    shutil.copy(work / "warehouse" / "seeded.duckdb", database)
    return database


def _move_database(source: Path, target: Path) -> None:
    """Rename a closed DuckDB file (and its WAL, if any) to `target`."""
    _remove_database(target)
    source.rename(target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        wal.rename(target.with_name(target.name + ".wal"))
    _remove_spill(source)


def _remove_database(path: Path) -> None:
    for file in (path, path.with_name(path.name + ".wal")):
        file.unlink(missing_ok=True)
    _remove_spill(path)


def _remove_spill(database: Path) -> None:
    """DuckDB's temporary folder (left behind when a step is stopped)."""
    shutil.rmtree(database.with_name(database.name + ".tmp"), ignore_errors=True)


def _run_step(work: Path, key: str, command: list[str], args: argparse.Namespace) -> dict:
    """Measure one step (a dbt step on a fresh warehouse); a failed step is reported, not
    raised."""
    is_dbt = key.startswith("dbt")
    env = dict(os.environ)
    if is_dbt:
        database = _fresh_warehouse(work)
        env = _dbt_env(work, database)
        (work / "target" / "run_results.json").unlink(missing_ok=True)
    log = work / "logs" / f"{key}.log"
    result = _measure(work, command, env, log, args.step_timeout, args.min_free_disk_gb)
    result["ok"] = result["returncode"] == 0 and not result["stopped"]
    result["failure"] = None
    if not result["ok"]:
        result["failure"] = result["stopped"] or f"exit code {result['returncode']}"
        result["log_tail"] = log.read_text(errors="replace").splitlines()[-15:]
    if is_dbt:
        result.update(_dbt_timings(work))
        result["full_reparse"] = _full_reparse(log)
        # Kept as <key>.duckdb for the output check (its views name the catalog "dbt").
        _move_database(database, work / "warehouse" / f"{key}.duckdb")
    return result


def _full_reparse(log: Path) -> bool:
    """Whether dbt re-parsed the whole project in this step instead of using its cache."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return "Unable to do partial parsing" in text or "Partial parse save file not found" in text


def _measure(
    work: Path, command: list[str], env: dict, log: Path, timeout_s: float, min_free_gb: float
) -> dict:
    """Wall time and peak RSS of ``command``, from a fresh intermediate process."""
    probe_args = [json.dumps(command), str(log), str(work), str(timeout_s), str(min_free_gb)]
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, *probe_args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(probe.stdout)


def _dbt_timings(work: Path) -> dict:
    """dbt's own elapsed time (without process start-up and parsing) and its slowest models."""
    path = work / "target" / "run_results.json"
    if not path.exists():
        return {"dbt_elapsed_s": None, "slowest_models": []}
    run = json.loads(path.read_text())
    models = sorted(run["results"], key=lambda r: r["execution_time"], reverse=True)
    slowest = [
        {
            "model": r["unique_id"].split(".")[-1],
            "s": round(r["execution_time"], 1),
            "status": r["status"],
        }
        for r in models[:5]
    ]
    return {"dbt_elapsed_s": run.get("elapsed_time"), "slowest_models": slowest}


# ---------------------------------------------------------------------------------------------
# Results


def _report(work: Path, customers: int, ceiling: str, results: list[dict]) -> dict:
    by_key = {r["key"]: r for r in results}
    pandas = by_key["pandas"] if by_key["pandas"]["ok"] else None
    for r in results:
        usable = pandas is not None and r["ok"]
        r["speedup_vs_pandas"] = pandas["wall_s"] / r["wall_s"] if usable else None
        r["peak_rss_vs_pandas"] = r["peak_rss_mb"] / pandas["peak_rss_mb"] if usable else None
    as_of = by_key["dbt_as_of"]
    speedup = as_of["speedup_vs_pandas"]
    return {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "customers": customers,
        "raw_rows": _manifest(work).get("raw_rows"),
        "timestamp_ceiling": ceiling,
        "selections": {"dbt_as_of": AS_OF_SELECT, "dbt_full": FULL_SELECT},
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gb": round(_total_memory_gb(), 1),
            "platform": platform.platform(),
            "python": platform.python_version(),
            **{p: version(p) for p in ("dbt-core", "dbt-duckdb", "duckdb", "pandas", "numpy")},
            "duckdb_memory_limit": _memory_limit(),
            "dbt_threads": _profile_setting("AUDIENCE_THREADS", "1"),
        },
        "steps": results,
        "targets": {
            "dbt_as_of_speedup_vs_pandas": {
                "target": f">= {TARGET_SPEEDUP}x",
                "value": None if speedup is None else round(speedup, 2),
                "met": speedup is not None and speedup >= TARGET_SPEEDUP,
            },
            "dbt_as_of_peak_rss_mb": {
                "target": f"< {TARGET_PEAK_MB}",
                "value": round(as_of["peak_rss_mb"]),
                "met": as_of["ok"] and as_of["peak_rss_mb"] < TARGET_PEAK_MB,
            },
        },
    }


def _total_memory_gb() -> float:
    try:
        line = Path("/proc/meminfo").read_text().splitlines()[0]  # MemTotal: N kB
        return int(line.split()[1]) / 1024**2
    except (OSError, IndexError, ValueError):
        return float("nan")


def _check_outputs(work: Path) -> dict:
    """Whether dbt's as-of tables equal the pandas frames (not timed): per table, the columns
    that differ (numbers beyond 1e-9 relative, anything else exactly; missing equals missing)."""
    import duckdb
    import pandas as pd

    con = duckdb.connect(str(work / "warehouse" / "dbt_as_of.duckdb"), read_only=True)
    check = {}
    for table in ("fct_customer_rfm", "fct_customer_behavior"):
        mine = pd.read_parquet(work / "pandas" / f"{table}.parquet").set_index("customer_id")
        theirs = con.sql(f"select * from features.{table}").df().set_index("customer_id")
        columns = mine.columns.intersection(theirs.columns)
        aligned = theirs.reindex(mine.index)
        check[table] = {
            "rows_pandas": len(mine),
            "rows_dbt": len(theirs),
            "columns_compared": len(columns),
            "columns_differing": [c for c in columns if not _same(mine[c], aligned[c])],
        }
    con.close()
    return check


def _same(a, b) -> bool:
    import numpy as np
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(a) or pd.api.types.is_datetime64_any_dtype(b):
        a, b = pd.to_datetime(a), pd.to_datetime(b)
        return bool(((a == b) | (a.isna() & b.isna())).all())
    if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
        a, b = a.astype("float64").to_numpy(), b.astype("float64").to_numpy()
        return bool(np.isclose(a, b, rtol=1e-9, atol=0, equal_nan=True).all())
    a, b = a.astype("object").where(a.notna()), b.astype("object").where(b.notna())
    return bool(((a == b) | (a.isna() & b.isna())).all())


def _ratio_text(speedup: float | None) -> str:
    if speedup is None:
        return "n/a"
    return f"{speedup:.1f}x faster" if speedup >= 1 else f"{1 / speedup:.1f}x slower"


def _print_table(report: dict) -> None:
    rows = report["steps"]
    machine = report["machine"]
    print(
        f"\nFeature layer benchmark: {report['customers']:,} customers, "
        f"{machine['cpus']} CPUs, {machine['memory_gb']} GB RAM, "
        f"DuckDB memory limit {machine['duckdb_memory_limit']}"
    )
    if report["raw_rows"]:
        raw = report["raw_rows"]
        print(f"raw rows: {raw['order_lines']:,} order lines, {raw['events']:,} events")
    project = report["project"]
    dirty = f", {len(project['uncommitted'])} uncommitted files" if project["uncommitted"] else ""
    print(f"project at commit {project['commit']}{dirty}")
    if report["project_changed_during_run"]:
        changed = [r["step"] for r in report["steps"] if r["project_changed"]]
        print(f"WARNING: project files changed during the run (noticed after: {changed})")
    header = f"{'step':<28} {'wall s':>8} {'peak RSS MB':>12} {'vs pandas (wall)':>17}"
    print("\n" + header + "\n" + "-" * len(header))
    for r in rows:
        if not r["ok"]:
            ratio = "FAILED"
        else:
            ratio = "1.0x" if r["key"] == "pandas" else _ratio_text(r["speedup_vs_pandas"])
        print(f"{r['step']:<28} {r['wall_s']:>8.1f} {r['peak_rss_mb']:>12.0f} {ratio:>17}")
    print()
    for r in rows:
        if not r["ok"]:
            print(f"{r['step']} failed: {r['failure']} (see logs/{r['key']}.log)")
        if r.get("dbt_elapsed_s") is not None:
            slowest = ", ".join(f"{m['model']} {m['s']:.0f} s" for m in r["slowest_models"][:3])
            parse = "full re-parse" if r.get("full_reparse") else "parse cache used"
            print(
                f"{r['step']}: dbt elapsed {r['dbt_elapsed_s']:.1f} s ({parse}); slowest {slowest}"
            )
    print("\ntargets:")
    for name, target in report["targets"].items():
        status = "MET" if target["met"] else "NOT MET"
        print(f"  {name}: {target['value']} (target {target['target']}) {status}")
    for table, result in report["check"].items():
        differing = result["columns_differing"]
        same = f"DIFFERENT: {', '.join(differing)}" if differing else "all equal"
        print(
            f"check {table}: {result['columns_compared']} columns, "
            f"{result['rows_dbt']:,} dbt / {result['rows_pandas']:,} pandas rows, {same}"
        )


if __name__ == "__main__":
    sys.exit(main())
