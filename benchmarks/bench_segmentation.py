"""Benchmark segmentation at 1M customers: training (k sweep included) plus SQL assignment.

Builds the feature layer once (not timed), then measures, each in a fresh process, wall time and
peak RSS of:

* dbt segmentation: ``dbt run --full-refresh --select segment_model_state int_segment_names
  customer_segments``, i.e. load the features, sweep k on the seeded fit sample, fit, store
  the state, and assign every customer in generated SQL (dbt start-up included);
* a scikit-learn baseline: the same 11 standardized features read from the warehouse and one
  KMeans fit (k = 5, 4 restarts) on all customers, the naive way to do the same job.

    python benchmarks/bench_segmentation.py --customers 1000000 --work-dir /tmp/audience-bench
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_features import REPO, _dbt_command, _dbt_env, _measure, _prepare_data  # noqa: E402

TARGET_WALL_S = 30.0
TARGET_PEAK_MB = 2048
SEGMENT_SELECT = "segment_model_state int_segment_names customer_segments"

BASELINE = """
import sys, duckdb, numpy as np, yaml
from sklearn.cluster import KMeans
features = yaml.safe_load(open(sys.argv[2]))["vars"]["audience__segment_features"]
con = duckdb.connect(sys.argv[1], read_only=True)
columns = ", ".join(f["column"] for f in features)
query = f"select {columns} from features.fct_customer_features"
frame = con.sql(query).to_arrow_table().to_pandas()
values = frame.astype(float).fillna(frame.astype(float).median())
for f in features:
    if f.get("transform") == "log1p":
        values[f["column"]] = np.log1p(values[f["column"]].clip(lower=0))
x = ((values - values.mean()) / values.std()).to_numpy()
KMeans(5, n_init=4, random_state=0).fit(x)
"""


def prepare_feature_warehouse(args) -> tuple[Path, Path, dict, str]:
    """Data (generated unless present) and a warehouse with the feature layer (not timed).
    Returns the work folder, the warehouse, dbt's environment and the timestamp ceiling."""
    work = Path(args.work_dir)
    (work / "logs").mkdir(parents=True, exist_ok=True)
    _prepare_data(work, args.customers, args.skip_generate)
    # (not "segmentation.duckdb": a catalog named like a schema makes references ambiguous)
    database = work / "warehouse" / "bench_segments.duckdb"
    database.parent.mkdir(parents=True, exist_ok=True)
    ceiling = "2026-01-01 00:00:00"
    env = _dbt_env(work, database)
    if not args.reuse_features or not database.exists():
        print("building the feature layer (not timed)", flush=True)
        subprocess.run(
            _dbt_command(work, "seed", None, ceiling),
            check=True, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        subprocess.run(
            _dbt_command(work, "run", "+fct_customer_features +int_clv_purchases", ceiling),
            check=True, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return work, database, env, ceiling


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, __doc__)
    work, database, env, ceiling = prepare_feature_warehouse(args)
    command = [*_dbt_command(work, "run", SEGMENT_SELECT, ceiling), "--full-refresh"]
    baseline = [sys.executable, "-c", BASELINE, str(database), str(REPO / "dbt_project.yml")]
    steps = {
        "dbt segmentation (train + SQL assign)": command,
        "sklearn KMeans k=5 on all rows": baseline,
    }
    return measure_and_report(
        work, env, steps, args.customers, (TARGET_WALL_S, TARGET_PEAK_MB), "segmentation"
    )


def measure_and_report(work, env, steps: dict, customers: int, target, name: str) -> int:
    """Measure each step in a fresh process, print the table (the first step is the one held
    to the target, the others are baselines), dbt's per-model times, and save the results."""
    results = {
        step: _measure(work, command, env, work / "logs" / f"{name}_{i}.log", 3600, 2)
        for i, (step, command) in enumerate(steps.items())
    }
    timings = json.loads((work / "target" / "run_results.json").read_text())
    print(f"\n{customers:,} customers")
    print(f"{'step':<40} {'wall s':>8} {'peak RSS MB':>12} ok")
    for step, result in results.items():
        ok = result["returncode"] == 0 and not result["stopped"]
        print(f"{step:<40} {result['wall_s']:>8.1f} {result['peak_rss_mb']:>12,.0f} {ok}")
    for node in timings["results"]:
        print(f"  {node['unique_id'].split('.')[-1]:<38} {node['execution_time']:>8.1f}")
    held = results[next(iter(steps))]
    target_wall_s, target_peak_mb = target
    met = (
        held["returncode"] == 0
        and held["wall_s"] < target_wall_s
        and (target_peak_mb is None or held["peak_rss_mb"] < target_peak_mb)
    )
    memory = f" and {target_peak_mb} MB" if target_peak_mb else ""
    print(f"target: under {target_wall_s:.0f} s{memory}: {'met' if met else 'NOT met'}")
    (work / f"{name}_results.json").write_text(json.dumps(results, indent=2))
    return 0 if all(r["returncode"] == 0 for r in results.values()) else 1


def parse_args(argv, doc: str):
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--work-dir", default="/tmp/audience-bench")
    parser.add_argument("--skip-generate", action="store_true", help="use the data in work-dir")
    parser.add_argument(
        "--reuse-features", action="store_true", help="keep an existing feature warehouse"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
