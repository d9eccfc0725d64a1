"""Benchmark lifetime value at 1M customers: BG/NBD + Gamma-Gamma fits plus scoring.

Reuses the feature warehouse of bench_segmentation.py (built once, not timed), then measures in a
fresh process ``dbt run`` of the CLV models: read the purchases, fit both models twice (current
and calibration), score every buyer, and the holdout check. Beside it, the baseline: DuckDB
computing the per-customer purchase summary (frequency, recency, T) alone.

    python benchmarks/bench_clv.py --customers 1000000 --work-dir /tmp/audience-bench
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_features import _dbt_command  # noqa: E402
from bench_segmentation import measure_and_report, parse_args, prepare_feature_warehouse  # noqa: E402

TARGET_WALL_S = 30.0
CLV_SELECT = (
    "clv_fit_state customer_clv_scores clv_holdout_state"
    " clv_model_params customer_clv clv_holdout_validation"
)
BASELINE = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute('''
    create or replace temp table summary as
    select customer_id, count(distinct cast(ordered_at as date)) - 1 as frequency,
           datediff('day', min(cast(ordered_at as date)), max(cast(ordered_at as date))) as recency,
           datediff('day', min(cast(ordered_at as date)), date '2026-01-01') as age
    from intermediate.int_clv_purchases group by customer_id''')
"""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv, __doc__)
    work, database, env, ceiling = prepare_feature_warehouse(args)
    steps = {
        "dbt CLV (fit x2 + score + holdout)": _dbt_command(work, "run", CLV_SELECT, ceiling),
        "duckdb purchase summary (baseline)": [sys.executable, "-c", BASELINE, str(database)],
    }
    return measure_and_report(work, env, steps, args.customers, (TARGET_WALL_S, None), "clv")


if __name__ == "__main__":
    sys.exit(main())
