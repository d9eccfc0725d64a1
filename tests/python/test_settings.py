"""Every var and declaration is checked before anything runs: hostile values (statement
breakouts, comments, quotes, look-alike characters, subqueries) are refused with a message naming
the var and what is allowed, and nothing but the project's own SQL ever runs.

Most cases run `dbt run-operation audience_check` (the check every build starts with) in-process
on a project parsed once; the end-to-end cases run `dbt build` with the hostile var on a tiny data
set and check that the warehouse is exactly as before. The last cases check the Python side: every
ML area reads the settings its model's config carries through one reader (audience/settings.py).
"""

from __future__ import annotations

import json

import duckdb
import pytest
from dbt_runner import PROJECT_DIR, run_dbt

from audience.clv.errors import ClvInputError
from audience.clv.pipeline import settings_from_json as clv_settings
from audience.demo.generator import generate
from audience.propensity.settings import (
    PropensityConfigError,
    training_settings_from_json,
)
from audience.segmentation.settings import SegmentationSettingsError
from audience.segmentation.state import settings_from_json as segmentation_settings
from audience.uplift.state import UpliftSettingsError
from audience.uplift.state import settings_from_json as uplift_settings


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
    (_prediction(test_condition="cutoff_date >= '2025-01-01'\\"), "cannot read '\\'"),
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
        (
            _prediction(label="purchase_30d = 1", horizon_days=None),
            "a cutoff_column needs 'horizon_days'",
        ),
        (
            _prediction(horizon_days=60),
            "horizon_days 60 differs from the window of its label"
            " fct_customer_snapshots.purchase_30d (30 days",
        ),
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
            # no horizon_days: the label column's window (label_window_days) is the horizon
            **_prediction(
                population="recency_days <= 365 and country in ('US', 'FR')", horizon_days=None
            ),
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


def _audience(**overrides) -> dict:
    base = {"name": "hostile", "rule": "clv > 0", "order_by": "clv desc"}
    return {"audience__audiences": [{**base, **overrides}]}


RULE = "audience 'hostile' (var audience__audiences).rule: "
HOSTILE_AUDIENCES = [
    (_audience(rule="clv > 0; drop table marts.customer_scores"), RULE + "cannot read ';"),
    (_audience(rule="clv > 0 -- and everyone"), RULE),
    (_audience(rule="clv > 0 /* comment */"), RULE + "cannot read '/"),
    (
        _audience(rule="clv > (select max(clv) from marts.customer_clv)"),
        RULE + "cannot read '.customer_clv)'",
    ),
    (
        _audience(rule="clv > 0 union select * from marts.customer_clv"),
        RULE + "cannot read '* from",
    ),
    (_audience(rule="clv > 0' or '1' = '1"), RULE + "unexpected at '' or '1' = '1'"),
    (_audience(rule='"clv" > 0'), RULE + 'cannot read \'"clv"'),
    (_audience(rule="upper(segment_name) = 'VIP'"), RULE),
    (_audience(rule="clv + 1000 > 0"), RULE + "cannot read '+"),
    (_audience(rule=" "), RULE + "expected a condition"),
    (_audience(rule=["clv > 0"]), RULE + "cannot read '["),
    (
        _audience(order_by="clv desc; drop table x"),
        "order_by: expected a column, optionally followed by asc or desc",
    ),
    (_audience(name="vip; drop table x"), "audience__audiences[0].name: expected a lowercase name"),
    (_audience(rules="clv > 0"), "unknown key 'rules' (did you mean 'rule'?)"),
    (_audience(top_n=10, top_share=0.1), "give top_n or top_share, not both"),
    (_audience(top_share=2), "top_share: expected a number at least 0.0001 and at most 1"),
    (_audience(order_by=None, top_n=10), "a size cap (top_n, top_share, per) needs 'order_by'"),
    (_audience(destinations=["facebook"]), "expected one of crm_csv, customer_match, parquet"),
    (_audience(entity="account"), "entity: expected one of customer, lead"),
    (
        _audience(entity="lead", destinations=["customer_match"]),
        "destination customer_match matches people by email",
    ),
    (
        {"audience__audiences": [{"name": "twice", "rule": "clv > 0"}] * 2},
        "audience 'twice' (var audience__audiences): declared twice",
    ),
]


@pytest.mark.parametrize(
    ("dbt_vars", "fragment"),
    HOSTILE_AUDIENCES,
    ids=[str(i) for i in range(len(HOSTILE_AUDIENCES))],
)
def test_hostile_and_malformed_audiences_are_refused_naming_the_audience(
    checker, dbt_vars, fragment
):
    """An audience rule is a condition and nothing more: statements, comments, subqueries,
    functions, arithmetic, quoted identifiers and broken quotes are refused before any model
    runs, naming the audience and the part that is wrong; so are malformed keys and values.
    (Rules over columns that do not exist are refused by the build: test_activation.)"""
    succeeded, output = checker(dbt_vars)
    assert not succeeded, f"accepted: {dbt_vars}"
    assert fragment in output, output[-2000:]


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
        _audience(rule="clv > 0) or (1 = 1); create table main.injected as select 42 as x; --"),
    ],
    ids=["as_of_date", "label", "event_types", "audience_rule"],
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


# --- The Python side: one reader (audience/settings.py) for every ML area's settings ----------
_FEATURES = {"features": ["recency_days"]}


@pytest.mark.parametrize(
    ("parse", "values", "error", "message"),
    [
        (
            clv_settings,
            {"holdout_days": "0"},
            ClvInputError,
            "var audience__clv_holdout_days must be at least 1",
        ),
        (
            clv_settings,
            {"time_unit": "months"},
            ClvInputError,
            "var audience__clv_time_unit must be one of days, weeks",
        ),
        (
            clv_settings,
            {"penalizer": "lots"},
            ClvInputError,
            "var audience__clv_penalizer must be a number, got 'lots'",
        ),
        (
            training_settings_from_json,
            {"cv_folds": 2.5},
            PropensityConfigError,
            "var audience__propensity_cv_folds must be a whole number, got 2.5",
        ),
        (
            training_settings_from_json,
            {"holdout_share": 1},
            PropensityConfigError,
            "var audience__propensity_holdout_share must be between 0 and 1",
        ),
        (
            training_settings_from_json,
            {"leakage_auc": 0.4},
            PropensityConfigError,
            "var audience__propensity_leakage_auc must be in (0.5, 1]",
        ),
        (
            training_settings_from_json,
            {"max_training_rows": "nan"},
            PropensityConfigError,
            "var audience__propensity_max_training_rows must be a whole number",
        ),
        (
            segmentation_settings,
            {**_FEATURES, "k_min": 5, "k_max": 3},
            SegmentationSettingsError,
            "var audience__segment_k_max (3) is below audience__segment_k_min (5)",
        ),
        (
            segmentation_settings,
            {**_FEATURES, "algorithm": "spectral"},
            SegmentationSettingsError,
            "var audience__segment_algorithm must be one of kmeans",
        ),
        (
            segmentation_settings,
            {**_FEATURES, "retrain": "sometimes"},
            SegmentationSettingsError,
            "var audience__segment_retrain must be one of auto, never",
        ),
        (
            uplift_settings,
            {},
            UpliftSettingsError,
            "var audience__uplift_features must list at least one column",
        ),
        (
            uplift_settings,
            {**_FEATURES, "learners": ["x_learner"]},
            UpliftSettingsError,
            "var audience__uplift_learners has unknown learner(s) x_learner",
        ),
        (
            uplift_settings,
            {**_FEATURES, "seed": "abc"},
            UpliftSettingsError,
            "var audience__uplift_seed must be a whole number, got 'abc'",
        ),
        (
            uplift_settings,
            "[1, 2]",
            UpliftSettingsError,
            "the audience__uplift_* settings must be a mapping",
        ),
    ],
)
def test_every_area_reads_its_settings_through_one_reader_naming_the_var(
    parse, values, error, message
):
    text = values if isinstance(values, str) else json.dumps(values)
    with pytest.raises(error) as raised:
        parse(text)
    assert message in str(raised.value)


def test_settings_arrive_typed_with_their_defaults():
    clv = clv_settings(json.dumps({"horizon_days": "730", "calibration_end_date": None}))
    assert clv.horizon_days == 730 and isinstance(clv.horizon_days, int)
    assert clv.calibration_end_date is None and clv.holdout_days == 180
    training = training_settings_from_json(json.dumps({"seed": "7", "leakage_auc": "0.99"}))
    assert (training.seed, training.leakage_auc, training.cv_folds) == (7, 0.99, 2)
    segmentation = segmentation_settings(
        json.dumps({**_FEATURES, "k": "4", "pca_components": "0.9"})
    )
    assert (segmentation.k, segmentation.pca_components, segmentation.k_min) == (4, 0.9, 2)
    uplift = uplift_settings(json.dumps({"features": "Recency_Days ", "holdout_share": "0.25"}))
    assert uplift.features == ("recency_days",) and uplift.holdout_share == 0.25
    assert uplift.learners == ("t_learner", "transformed_outcome")
