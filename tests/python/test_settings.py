"""Every var and declaration is checked before anything runs: hostile values (statement
breakouts, comments, quotes, look-alike characters, subqueries) are refused with a message naming
the var and what is allowed, and nothing but the project's own SQL ever runs.

Most cases run `dbt run-operation audience_check` (the check every build starts with) in-process
on a project parsed once; the end-to-end cases run `dbt build` with the hostile var on a tiny data
set and check that the warehouse is exactly as before.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from dbt_runner import PROJECT_DIR, run_dbt

from audience.demo.generator import generate


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    """Runs audience_check with the given vars; returns (succeeded, everything dbt printed)."""
    from dbt.cli.main import dbtRunner

    work = tmp_path_factory.mktemp("settings")
    common = [
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR / "profiles"),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
    ]  # fmt: skip
    import os

    os.environ["AUDIENCE_DUCKDB_PATH"] = str(work / "check.duckdb")
    manifest = dbtRunner().invoke(["parse", *common]).result
    messages: list[str] = []

    def collect(event):
        messages.append(event.info.msg)

    runner = dbtRunner(manifest=manifest, callbacks=[collect])

    def check(dbt_vars: dict) -> tuple[bool, str]:
        messages.clear()
        result = runner.invoke(
            ["run-operation", "audience_check", *common, "--vars", json.dumps(dbt_vars)]
        )
        text = "\n".join(str(m) for m in messages)
        if result.exception is not None:
            text += "\n" + str(result.exception)
        return result.success, text

    yield check
    os.environ.pop("AUDIENCE_DUCKDB_PATH", None)


def _prediction(**overrides) -> dict:
    base = {
        "name": "upgrade",
        "entity": "customer",
        "feature_model": "fct_customer_snapshots",
        "label": "purchase_30d",
        "cutoff_column": "cutoff_date",
        "horizon_days": 30,
    }
    return {"audience__predictions": [{**base, **overrides}]}


BREAKOUT = "2025-10-01'::date); drop table staging.rejected_rows; select ('"

# (vars, a fragment the refusal must contain)
HOSTILE = [
    (
        {"audience__as_of_date": BREAKOUT},
        "var audience__as_of_date: expected a date written YYYY-MM-DD",
    ),
    ({"audience__as_of_date": "2025-10-01; drop table x"}, "audience__as_of_date: expected a date"),
    ({"audience__as_of_date": "2025-10-01 -- comment"}, "audience__as_of_date: expected a date"),
    ({"audience__as_of_date": "２０２５-10-01"}, "audience__as_of_date: expected a date"),
    (
        {"audience__min_valid_date": "1971-01-01' or '1'='1"},
        "audience__min_valid_date: expected a date",
    ),
    (
        {"audience__max_valid_timestamp": "2026-01-01 00:00:00'); drop"},
        "audience__max_valid_timestamp",
    ),
    (
        {"audience__snapshot_count": "3); drop table x; --"},
        "audience__snapshot_count: expected a whole number",
    ),
    (
        {"audience__churn_active_days": "365 or 1=1"},
        "audience__churn_active_days: expected a whole number",
    ),
    (
        {"audience__event_types": ["page_view", "login'); drop table x; --"]},
        "audience__event_types[1]: expected a lowercase name",
    ),
    (
        {"audience__product_categories": ["home", 'toys" , (select 1) as "x']},
        "audience__product_categories[1]",
    ),
    (
        {"audience__naive_time_zone": "UTC'; drop"},
        "audience__naive_time_zone: expected an IANA time zone",
    ),
    (
        {"audience__raw_file_formats": {"customers": {"delimiter": "',(select 1),'"}}},
        "delimiter: expected one character",
    ),
    (
        {"audience__raw_file_formats": {"customers": {"timestamp_format": "%Y'); drop"}}},
        "timestamp_format: expected a strptime format",
    ),
    (
        _prediction(label="purchase_30d = 1); drop table staging.rejected_rows; --"),
        "cannot read ';",
    ),
    (_prediction(label="purchase_30d = 1 -- comment"), "unexpected at '-- comment'"),
    (
        _prediction(
            population="recency_days < (select max(recency_days) from features.fct_customer_rfm)"
        ),
        "cannot read '.fct_customer_rfm)'",
    ),
    (_prediction(population="recency_days < 10 union select 1"), "unexpected at 'union select 1'"),
    (_prediction(population='"recency_days" < 10'), 'cannot read \'"recency_days"'),
    (_prediction(population="ｒｅｃｅｎｃｙ_days < 10"), "cannot read"),
    (_prediction(population="recency_days < 10 and pg_sleep(10) = 0"), "unexpected at '(10)"),
    (_prediction(population="((recency_days < 10)"), "expected ')' at the end"),
    (_prediction(population="country = 'US' or '1'='1' /* */"), "cannot read '/* */'"),
    (_prediction(score_filter="frequency > 1; select 1"), "cannot read ';"),
    (_prediction(test_condition="cutoff_date >= '2025-01-01'\\"), "cannot read '\\\\'"),
    (_prediction(name="churn'; drop"), "name: expected a lowercase name"),
    (
        _prediction(feature_model="fct_customer_snapshots; drop table x"),
        "feature_model: expected a lowercase name",
    ),
    (_prediction(heuristic={"frequency); drop table x; --": "up"}), "expected a lowercase name"),
    (
        {
            "audience__lookalikes": [
                {"name": "look", "seed": "rfm_segment = 'Champions'' or 1=1 --"}
            ]
        },
        "cannot read",
    ),
]


@pytest.mark.parametrize(
    ("dbt_vars", "fragment"), HOSTILE, ids=[str(i) for i in range(len(HOSTILE))]
)
def test_hostile_settings_are_refused_naming_what_is_wrong(checker, dbt_vars, fragment):
    succeeded, output = checker(dbt_vars)
    assert not succeeded, f"accepted: {dbt_vars}"
    assert fragment in output, output[-2000:]


@pytest.mark.parametrize(
    ("dbt_vars", "fragment"),
    [
        (
            {"audience__as_of_date": "2025-13-01"},
            "expected a date written YYYY-MM-DD (month 01-12), got '2025-13-01'",
        ),
        ({"audience__as_of_date": "2025-02-29"}, "(day 01-28 in that month)"),
        (
            {"audience__segment_k_min": 8, "audience__segment_k_max": 4},
            "the minimum must not exceed the maximum",
        ),
        ({"audience__segment_algorithm": "kmean"}, "expected one of kmeans, gaussian_mixture"),
        ({"audience__uplift_holdout_share": 1.5}, "a number at least 0.01 and at most 0.99"),
        (_prediction(entity="policyholder"), "entity 'policyholder' needs an 'id_column'"),
        (
            _prediction(algoritms=["random_forest"]),
            "unknown key 'algoritms' (did you mean 'algorithms'?)",
        ),
        (
            _prediction(feature_model="fct_customer_snapshot"),
            "no model named 'fct_customer_snapshot' in this project"
            " (did you mean 'fct_customer_snapshots'?)",
        ),
        (_prediction(horizon_days=None), "a cutoff_column needs 'horizon_days'"),
    ],
)
def test_bad_settings_are_refused_before_any_model(checker, dbt_vars, fragment):
    succeeded, output = checker(dbt_vars)
    assert not succeeded
    assert fragment in output, output[-2000:]


def test_good_settings_pass_and_unknown_vars_get_the_closest_name(checker):
    succeeded, output = checker(
        {
            "audience__segment_kk": 6,
            "audience__as_of_date": "2025-10-01",
            **_prediction(population="recency_days <= 365 and country in ('US', 'FR')"),
        }
    )
    assert succeeded, output[-2000:]
    assert "audience settings OK (1 predictions" in output
    assert "var audience__segment_kk is not a setting of this project" in output
    assert "did you mean audience__segment_k?" in output


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    generate(root / "raw", root / "truth", customers=200, seed=3, log=lambda _: None)
    return root / "raw"


def _catalog(warehouse) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select database_name, schema_name, table_name from duckdb_tables()"
            " union all select database_name, schema_name, view_name from duckdb_views()"
            " where not internal order by all"
        ).fetchall()


@pytest.mark.parametrize(
    "dbt_vars",
    [
        {"audience__as_of_date": BREAKOUT},
        _prediction(label="purchase_30d); create table main.injected as select 42 as x; --"),
        {
            "audience__event_types": [
                "login",
                "x' then false end; create table main.injected (x int); --",
            ]
        },
    ],
    ids=["as_of_date", "label", "event_types"],
)
def test_a_hostile_var_runs_no_sql_of_its_own(tiny_data, tmp_path, dbt_vars):
    warehouse = tmp_path / "audience.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table main.canary as select 1 as alive")
    before = _catalog(warehouse)
    result = run_dbt(["build", "--select", "int_as_of_date"], tiny_data, tmp_path, dbt_vars)
    assert result.returncode != 0
    assert "expected" in result.output or "cannot read" in result.output, result.output[-3000:]
    assert _catalog(warehouse) == before  # nothing created, nothing dropped
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select alive from main.canary").fetchall() == [(1,)]
