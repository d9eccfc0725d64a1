"""Benchmark propensity at 1M customers: training plus scoring of the shipped customer predictions.

Reuses the feature warehouse of bench_segmentation.py, adds the training snapshots and the lead
features (all built once, not timed), then measures in a fresh process ``dbt run`` of the
propensity models for the customer predictions declared in dbt_project.yml (churn_90d,
purchase_30d; no lead prediction, no lookalike): read the snapshots, split by cutoff, leakage
guard, tune every candidate on time-aware folds, calibrate, refit, evaluate, store the state, then
score every current customer (generated SQL for logistic champions, Python for tree champions)
and publish customer_scores. Beside it, the baseline: one scikit-learn HistGradientBoosting
classifier with default settings fitted on a 100,000-row sample of the churn_90d training
snapshots and predicting the current customers, the naive way to do one prediction's job.

HistGradientBoosting uses OpenMP: on a shared machine set AUDIENCE_CPU_THREADS=1, which bounds
dbt's DuckDB and the Python models' OpenMP / BLAS threads (audience.threads); the baseline gets
the same bound through OMP_NUM_THREADS. Both are recorded in the results, with the load average
before and after the timed steps.

    python benchmarks/bench_propensity.py --customers 1000000 --work-dir /tmp/audience-bench
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import yaml

from audience.threads import cpu_threads

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_features import REPO, _dbt_command, _project_state  # noqa: E402
from bench_segmentation import measure_and_report, parse_args, prepare_feature_warehouse  # noqa: E402

TARGET_WALL_S = 60.0
TARGET_PEAK_MB = 3072
PREDICTIONS = ("churn_90d", "purchase_30d")  # the shipped customer predictions
BASELINE_PREDICTION = "churn_90d"
BASELINE_SAMPLE_ROWS = 100_000
PROPENSITY_SELECT = (
    "propensity_declarations propensity_model_state propensity_python_scores"
    " int_prediction_scores entity_scores customer_scores"
)
# Everything the timed models read, plus the lead feature layer (not timed).
UPSTREAM_SELECT = "+customer_scores +fct_lead_snapshots +fct_lead_features"
UPSTREAM_RELATIONS = ("fct_customer_snapshots", "fct_customer_features", "fct_lead_snapshots")

# Reads the declaration of one prediction as the build resolved it (propensity_declarations: the
# conditions rendered, the horizon from the label's window) and does its job the plain way:
# the labeled population rows of the training cutoffs (those whose label window ends by the
# latest labeled cutoff, which validates), a 100,000-row sample, one default
# HistGradientBoostingClassifier, probabilities for every current row of the population.
BASELINE = """
import json, sys, duckdb, pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
database, name, sample_rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect(database, read_only=True)
spec = json.loads(con.sql("select declaration_json from propensity.propensity_declarations"
                          " where prediction = $1", params=[name]).fetchall()[0][0])
train_rel, score_rel = spec["feature_relation"], spec["score_relation"]
population, label, cutoff = spec.get("population") or "true", spec["label"], spec["cutoff_column"]
def columns(rel):
    return {n: str(t).upper() for n, t, *_ in con.sql(f"describe select * from {rel}").fetchall()}
train_cols, score_cols = columns(train_rel), columns(score_rel)
key = spec.get("id_column") or "customer_id"
left_out = (key, cutoff, spec.get("label_column"), *spec.get("exclude_features", []))
shared = [c for c in train_cols if c in score_cols and c not in left_out]
text = [c for c in shared if train_cols[c] == "VARCHAR"]
numbers = [c for c in shared if c not in text and not train_cols[c].startswith(("DATE", "TIME"))]
select = ", ".join([f"cast({c} as double) as {c}" for c in numbers] + text)
labeled = f"from {train_rel} where ({population}) and ({label}) is not null"
last = con.sql(f"select max({cutoff}) {labeled}").fetchall()[0][0]
train = con.sql(f'''
    select * from (
        select {select}, cast(({label}) as integer) as __label {labeled}
          and {cutoff} + interval {int(spec.get("horizon_days") or 0)} day <= date '{last}'
          and {cutoff} < date '{last}'
    ) using sample reservoir({sample_rows} rows) repeatable (42)''').to_arrow_table().to_pandas()
score = con.sql(f"select {key}, {select} from {score_rel} where {population}")
score = score.to_arrow_table().to_pandas()
for c in text:
    levels = pd.Index(train[c].dropna().unique())
    train[c] = pd.Categorical(train[c], categories=levels)
    score[c] = pd.Categorical(score[c], categories=levels)
model = HistGradientBoostingClassifier(random_state=0).fit(train[shared], train["__label"])
probability = model.predict_proba(score[shared])[:, 1]
print(f"baseline {name}: fitted on {len(train):,} rows, {len(shared)} features,"
      f" scored {len(score):,} rows (mean probability {probability.mean():.4f})")
"""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, __doc__)
    variables = _declared_variables()
    work, database, env, ceiling = prepare_feature_warehouse(args)
    if not (args.reuse_features and _has_relations(database, UPSTREAM_RELATIONS)):
        print("building the snapshots and lead features (not timed)", flush=True)
        upstream = _with_vars(_dbt_command(work, "run", UPSTREAM_SELECT, ceiling), variables)
        upstream += ["--exclude", *PROPENSITY_SELECT.split()]
        subprocess.run(upstream, check=True, cwd=REPO, env=env, stdout=subprocess.DEVNULL)

    command = _with_vars(_dbt_command(work, "run", PROPENSITY_SELECT, ceiling), variables)
    baseline = [
        sys.executable, "-c", BASELINE, str(database),
        BASELINE_PREDICTION, str(BASELINE_SAMPLE_ROWS),
    ]  # fmt: skip
    steps = {
        "dbt propensity (train + score, 2 preds)": command,
        f"sklearn HGB default, {BASELINE_PREDICTION} only": baseline,
    }
    threads = cpu_threads()
    os.environ["OMP_NUM_THREADS"] = str(threads)  # the baseline's bound: the same as dbt's
    run = {"load_average_before": _load(), "cpu_threads": threads}
    print(f"load average {run['load_average_before']}, AUDIENCE_CPU_THREADS {threads}", flush=True)
    status = measure_and_report(
        work, env, steps, args.customers, (TARGET_WALL_S, TARGET_PEAK_MB), "propensity"
    )
    run["load_average_after"] = _load()

    log = (work / "logs" / "propensity_0.log").read_text(errors="replace")
    lines = _python_model_lines(log)
    print("\npropensity_model_state / propensity_python_scores (from the dbt log):")
    print("\n".join(f"  {line}" for line in lines) or "  (nothing printed)")
    baseline_log = (work / "logs" / "propensity_1.log").read_text(errors="replace").strip()
    print(f"\n{baseline_log.splitlines()[-1] if baseline_log else '(baseline printed nothing)'}")
    print(f"load average after: {run['load_average_after']}")

    timings = json.loads((work / "target" / "run_results.json").read_text())
    path = work / "propensity_results.json"
    results = json.loads(path.read_text())
    results["run"] = {
        **run,
        "customers": args.customers,
        "predictions": list(PREDICTIONS),
        "vars": variables,
        "project": _project_state(),
        "propensity_code_uncommitted": _uncommitted("audience", "python_models"),
        "target": {"wall_s": TARGET_WALL_S, "peak_rss_mb": TARGET_PEAK_MB},
        "dbt_models_s": {
            node["unique_id"].split(".")[-1]: round(node["execution_time"], 2)
            for node in timings["results"]
        },
        "python_model_log": lines,
        "baseline_log": baseline_log.splitlines()[-1:] if baseline_log else [],
    }
    path.write_text(json.dumps(results, indent=2))
    print(f"results written to {path}")
    return status


def _declared_variables() -> dict:
    """The shipped customer predictions as declared in dbt_project.yml; no lookalikes."""
    declared = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]
    predictions = [p for p in declared["audience__predictions"] if p["name"] in PREDICTIONS]
    missing = set(PREDICTIONS) - {p["name"] for p in predictions}
    if missing:
        sys.exit(f"dbt_project.yml declares no prediction named {', '.join(sorted(missing))}")
    return {"audience__predictions": predictions, "audience__lookalikes": []}


def _with_vars(command: list[str], variables: dict) -> list[str]:
    """The dbt command with ``variables`` merged into its --vars."""
    at = command.index("--vars") + 1
    merged = {**json.loads(command[at]), **variables}
    return [*command[:at], json.dumps(merged), *command[at + 1 :]]


def _has_relations(database: Path, names: tuple[str, ...]) -> bool:
    if not database.exists():
        return False
    con = duckdb.connect(str(database), read_only=True)
    try:
        query = "select table_name from information_schema.tables"  # tables and views
        found = {row[0] for row in con.sql(query).fetchall()}
    finally:
        con.close()
    return set(names) <= found


def _python_model_lines(log: str) -> list[str]:
    """What the propensity Python models printed: per prediction, rows and per-candidate times."""
    names = "|".join(map(re.escape, PREDICTIONS))
    pattern = re.compile(rf"^(propensity: .*|\s+({names}): .*)$")
    return [line.strip() for line in log.splitlines() if pattern.match(line)]


def _uncommitted(*paths: str) -> list[str]:
    run = subprocess.run(
        ["git", "status", "--porcelain", "--", *paths], cwd=REPO, capture_output=True, text=True
    )
    return run.stdout.splitlines()


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


if __name__ == "__main__":
    sys.exit(main())
