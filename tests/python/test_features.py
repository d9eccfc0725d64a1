"""Feature layer on the demo data: RFM equals an independent pandas computation, builds are
reproducible, snapshots never read after their cutoff, and labels agree with the planted truth."""

from __future__ import annotations

import json
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest
from dbt_runner import build_ok, copy_project, run_dbt
from warehouse_diff import differing_tables

from audience.reference import pandas_features
from audience.reference.pandas_features import compute_features

RFM_INTEGER_COLUMNS = ["recency_days", "frequency", "tenure_days", "r_score", "f_score", "m_score"]


def assert_rfm_matches(dbt_rfm, pandas_rfm) -> None:
    merged = dbt_rfm.merge(pandas_rfm, on="customer_id", suffixes=("_dbt", "_pandas"))
    assert len(merged) == len(dbt_rfm) == len(pandas_rfm) > 0
    for column in RFM_INTEGER_COLUMNS:
        left = merged[f"{column}_dbt"].astype("Float64")
        right = merged[f"{column}_pandas"].astype("Float64")
        assert left.isna().equals(right.isna()), column
        assert (left.fillna(-1) == right.fillna(-1)).all(), column
    for column in ["monetary", "average_order_value"]:
        left = merged[f"{column}_dbt"].astype(float)
        right = merged[f"{column}_pandas"].astype(float)
        np.testing.assert_allclose(left.fillna(-1), right.fillna(-1), rtol=1e-9, err_msg=column)


def assert_behavior_matches(dbt_behavior, pandas_behavior) -> None:
    merged = dbt_behavior.merge(pandas_behavior, on="customer_id", suffixes=("_dbt", "_pandas"))
    assert len(merged) == len(dbt_behavior) == len(pandas_behavior) > 0
    compared = [c for c in pandas_behavior.columns if c not in ("customer_id", "as_of_date")]
    assert "login_trend_slope" in compared and "category_share_home" in compared
    for column in compared:
        left, right = merged[f"{column}_dbt"], merged[f"{column}_pandas"]
        if column == "top_category":
            assert (left.fillna("") == right.fillna("")).all(), column
        else:
            np.testing.assert_allclose(
                left.astype(float).fillna(-1),
                right.astype(float).fillna(-1),
                rtol=1e-9,
                atol=1e-12,
                err_msg=column,
            )


def test_rfm_matches_an_independent_pandas_computation(built, demo_data):
    with built.connect() as con:
        dbt_rfm = con.execute("select * from features.fct_customer_rfm").df()
    pandas_rfm, _ = compute_features(demo_data)
    assert_rfm_matches(dbt_rfm, pandas_rfm)


def test_behavior_matches_an_independent_pandas_computation(built, demo_data):
    with built.connect() as con:
        dbt_behavior = con.execute("select * from features.fct_customer_behavior").df()
    _, pandas_behavior = compute_features(demo_data)
    assert_behavior_matches(dbt_behavior, pandas_behavior)


@pytest.mark.parametrize("windows", [[7, 30, 90, 180], [14, 200]])
def test_behavior_with_windows_beyond_the_packed_paths_matches_pandas(
    demo_data, tmp_path, monkeypatch, windows
):
    """More than three windows (no packed per-type counts) and a window over 126 days (no
    active-day mask) take the behaviour macro's general path: it equals the reference too."""
    result = run_dbt(
        # (the model's unit tests are written for the shipped windows)
        ["build", "--select", "+fct_customer_behavior", "--exclude", "test_type:unit"],
        demo_data,
        tmp_path / "work",
        {"audience__event_windows_days": windows},
    )
    assert result.returncode == 0, result.output[-4000:]
    with result.connect() as con:
        dbt_behavior = con.execute("select * from features.fct_customer_behavior").df()
    monkeypatch.setattr(pandas_features, "EVENT_WINDOWS_DAYS", windows)
    _, pandas_behavior = compute_features(demo_data)
    expected = [f"events_{window}d" for window in windows] + [f"features_used_{max(windows)}d"]
    assert set(expected) <= set(dbt_behavior.columns) & set(pandas_behavior.columns)
    assert_behavior_matches(dbt_behavior, pandas_behavior)


def _reordered_copy(demo_data, target):
    """The same raw data with every Parquet file's rows in another order (by a hash of their
    position; DuckDB copies the column types as they are), and the order lines split into three
    parts of a folder. The CSV files are copied as they are: a malformed line's number is part
    of what the build records."""
    target.mkdir()
    con = duckdb.connect(config={"threads": 1})
    for path in sorted(demo_data.iterdir()):
        if path.suffix != ".parquet":
            shutil.copy(path, target / path.name)
            continue
        numbered = (
            f"(select *, hash(row_number() over () + 3) as shuffle_key from read_parquet('{path}'))"
        )
        parts = {target / path.name: "true"}
        if path.stem == "order_lines":
            (target / path.stem).mkdir()
            parts = {
                target / path.stem / f"part_{i}.parquet": f"shuffle_key % 3 = {i}" for i in range(3)
            }
        for part, condition in parts.items():
            con.execute(
                f"copy (select * exclude (shuffle_key) from {numbered} where {condition}"
                f" order by shuffle_key) to '{part}' (format parquet)"
            )
    con.close()
    return target


def test_two_builds_give_identical_tables(built, demo_data, tmp_path):
    """Every table of every schema, listed from the catalog (CLV, uplift and the model states
    included), is identical in a second build from the same data with its rows in another order
    and the order lines in parts, into a differently named warehouse file, with two dbt threads
    instead of one. Only the list of files read differs (it names them)."""
    reordered = _reordered_copy(demo_data, tmp_path / "reordered")
    second = run_dbt(
        ["build"], reordered, tmp_path / "second", env={"AUDIENCE_THREADS": "2"},
        warehouse_name="another_name.duckdb",
    )  # fmt: skip
    assert second.returncode == 0, second.output[-5000:]
    with built.connect() as con:
        schemas = {
            s for (s,) in con.execute("select distinct schema_name from duckdb_tables()").fetchall()
        }
    assert {
        "staging",
        "features",
        "marts",
        "segmentation",
        "clv",
        "uplift",
        "propensity",
    } <= schemas
    assert (
        differing_tables(built.warehouse, second.warehouse, skip=("raw.audience_raw_files",)) == {}
    )


def _truncate(demo_data, target, cutoff: str):
    """A copy of the raw data as it would have looked at `cutoff`: nothing on or after it."""
    target.mkdir()
    con = duckdb.connect()
    cut = f"timestamp '{cutoff}'"
    parquet = {
        "order_lines": "ordered_at",
        "events": "event_at",
        "campaign_exposures": "exposed_at",
        "lead_activities": "activity_at",
    }
    for table, column in parquet.items():
        con.execute(
            f"copy (select * from '{demo_data}/{table}.parquet' where {column} < {cut})"
            f" to '{target}/{table}.parquet' (format parquet)"
        )
    # CRM exports: keep unparseable rows (still rejected), drop rows created on or after the cutoff,
    # and forget conversions that had not happened yet.
    con.execute(
        f"copy (select * from read_csv('{demo_data}/customers.csv', all_varchar = true)"
        f" where coalesce(try_cast(signup_at as timestamp) < {cut}, true))"
        f" to '{target}/customers.csv' (header)"
    )
    con.execute(
        f"copy (select * replace (case when try_cast(converted_at as timestamp) < {cut}"
        f" then converted_at end as converted_at)"
        f" from read_csv('{demo_data}/leads.csv', all_varchar = true)"
        f" where coalesce(try_cast(created_at as timestamp) < {cut}, true))"
        f" to '{target}/leads.csv' (header)"
    )


def test_snapshot_features_do_not_change_when_later_data_is_removed(built, demo_data, tmp_path):
    cutoff = "2025-07-01"
    truncated = tmp_path / "truncated"
    _truncate(demo_data, truncated, cutoff)
    # Same as-of date, so the same cutoffs; only the data after `cutoff` differs.
    with built.connect() as con:
        as_of = con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
    later = run_dbt(
        ["build", "--select", "+fct_customer_snapshots +fct_lead_snapshots"],
        truncated,
        tmp_path / "work",
        {"audience__as_of_date": str(as_of)},
    )
    assert later.returncode == 0, later.output[-6000:]
    con = duckdb.connect()
    con.execute(f"attach '{built.warehouse}' as full_data (read_only)")
    con.execute(f"attach '{later.warehouse}' as truncated (read_only)")
    checks = {
        "fct_customer_snapshots": ("purchase_30d", "churn_90d"),
        "fct_lead_snapshots": ("converted_30d",),
    }
    for table, labels in checks.items():
        exclude = ", ".join(labels)
        rows = con.execute(
            f"select count(*) from full_data.features.{table} where cutoff_date <= date '{cutoff}'"
        ).fetchone()[0]
        assert rows > 100, table
        differing = con.execute(
            f"""
            select count(*) from (
                (select * exclude ({exclude}) from full_data.features.{table}
                 where cutoff_date <= date '{cutoff}'
                 except all
                 select * exclude ({exclude}) from truncated.features.{table}
                 where cutoff_date <= date '{cutoff}')
                union all
                (select * exclude ({exclude}) from truncated.features.{table}
                 where cutoff_date <= date '{cutoff}'
                 except all
                 select * exclude ({exclude}) from full_data.features.{table}
                 where cutoff_date <= date '{cutoff}')
            )
            """
        ).fetchone()[0]
        assert differing == 0, f"{table}: {differing} feature rows read data after the cutoff"


def test_labels_agree_with_the_planted_probabilities(built, demo_data):
    """The generator's true probabilities are calibrated against the labels the SQL derives."""
    truth = f"{demo_data.parent}/raw_truth/label_probabilities.parquet"
    checks = [
        ("churn_90d", "fct_customer_snapshots", "customer_id"),
        ("purchase_30d", "fct_customer_snapshots", "customer_id"),
        ("converted_30d", "fct_lead_snapshots", "lead_id"),
    ]
    with built.connect() as con:
        for label, table, key in checks:
            rows, observed, expected = con.execute(
                f"""
                select count(*), avg(s.{label}), avg(t.true_probability)
                from features.{table} as s
                inner join '{truth}' as t
                    on t.entity_id = s.{key} and t.cutoff_date = s.cutoff_date
                    and t.label = '{label}'
                where s.{label} is not null
                """
            ).fetchone()
            assert rows > 500, label
            # Binomial noise: a few standard errors of a mean of `rows` Bernoulli draws.
            tolerance = 4 * np.sqrt(expected * (1 - expected) / rows) + 0.005
            assert abs(observed - expected) < tolerance, (label, observed, expected, rows)


def test_empty_sources_build_without_errors(demo_data, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    con = duckdb.connect()
    for path in demo_data.iterdir():
        if path.suffix == ".parquet":
            con.execute(
                f"copy (select * from '{path}' limit 0) to '{empty / path.name}' (format parquet)"
            )
        else:
            shutil.copy(path, empty / path.name)
            header = path.read_text().splitlines()[0]
            (empty / path.name).write_text(header + "\n")
    result = build_ok(empty, tmp_path / "work")
    with result.connect() as con:
        assert con.execute("select count(*) from features.fct_customer_rfm").fetchone()[0] == 0
        assert con.execute("select count(*) from staging.rejected_rows").fetchone()[0] == 0
    # The pandas reference copes with empty data too.
    rfm, behavior = compute_features(empty)
    assert len(rfm) == len(behavior) == 0


SNAPSHOT_FEATURES = [
    "tenure_days", "recency_days", "frequency", "monetary", "average_order_value",
    "r_score", "f_score", "m_score",
]  # fmt: skip


SHIPPED_WINDOWS = {"purchase_30d": 30, "churn_90d": 90}


def _reference_labels(
    demo_data, cutoff, as_of, customers, ceiling=None, windows=SHIPPED_WINDOWS
) -> pd.DataFrame:
    """purchase_30d and churn_90d recomputed from the raw orders (staged by the pandas
    reference): a purchase in [cutoff, cutoff + 30 days); no purchase in [cutoff, cutoff + 90
    days) among customers who bought in the 365 days before; NULL when the window is not over
    before the as-of date. `windows`: the days of each label's window."""
    if ceiling is None:
        ceiling = pd.Timestamp.now(tz="UTC").tz_localize(None)
    staged = pandas_features.staged(pandas_features.stage_customers(demo_data, ceiling))
    known = pd.Index(staged.sort_values("customer_id")["customer_id"])
    lines = pandas_features.staged(pandas_features.stage_order_lines(demo_data, known, ceiling))
    orders = pandas_features.build_orders(lines)
    purchases = orders[orders["is_purchase"]].assign(customer_id=lambda o: known[o["customer"]])
    at = purchases["ordered_at"]

    def bought(start, end) -> pd.Index:
        return pd.Index(purchases.loc[(at >= start) & (at < end), "customer_id"].unique())

    day = pd.Timedelta(days=1)
    labels = pd.DataFrame(index=pd.Index(customers, name="customer_id"))
    purchase_end = cutoff + windows["purchase_30d"] * day
    labels["purchase_30d"] = labels.index.isin(bought(cutoff, purchase_end)).astype(float)
    active = labels.index.isin(bought(cutoff - 365 * day, cutoff))
    churned = ~labels.index.isin(bought(cutoff, cutoff + windows["churn_90d"] * day))
    labels["churn_90d"] = np.where(active, churned.astype(float), np.nan)
    for label, days in windows.items():
        if (as_of - cutoff).days < days:
            labels[label] = np.nan
    return labels.reset_index()


def test_a_label_window_is_written_once_and_the_label_and_its_prediction_follow_it(
    demo_data, tmp_path
):
    """churn_90d's window, its config meta label_window_days in _features__models.yml, set to 60
    in a copy of the project: fct_customer_snapshots labels churn with 60 days (as the pandas
    reference does), and the shipped churn_90d prediction, which declares no horizon_days, takes
    60 as its horizon."""
    project = copy_project(tmp_path / "project")
    properties = project / "models" / "features" / "_features__models.yml"
    text = properties.read_text()
    shipped = "config: {meta: {label_window_days: 90}}"
    assert text.count(shipped) == 1
    properties.write_text(text.replace(shipped, "config: {meta: {label_window_days: 60}}"))
    result = run_dbt(
        ["run", "--select", "+fct_customer_snapshots propensity_declarations"],
        demo_data, tmp_path / "work", project_dir=project,
    )  # fmt: skip
    assert result.returncode == 0, result.output[-6000:]
    with result.connect() as con:
        (declaration,) = con.execute(
            "select declaration_json from propensity.propensity_declarations"
            " where prediction = 'churn_90d'"
        ).fetchone()
        as_of = pd.Timestamp(
            con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
        )
        snapshots = con.execute(
            "select customer_id, cutoff_date, purchase_30d, churn_90d"
            " from features.fct_customer_snapshots"
        ).df()
    assert json.loads(declaration)["horizon_days"] == 60
    cutoffs = sorted(pd.to_datetime(snapshots["cutoff_date"]).unique())
    # the latest cutoffs: a 60-day window is over before the as-of date where a 90-day one is not
    between = [c for c in cutoffs if 60 <= (as_of - c).days < 90]
    assert between, (as_of, cutoffs[-4:])
    for cutoff in [cutoffs[len(cutoffs) // 2], *between]:
        rows = snapshots[pd.to_datetime(snapshots["cutoff_date"]) == cutoff]
        windows = {**SHIPPED_WINDOWS, "churn_90d": 60}
        labels = _reference_labels(demo_data, cutoff, as_of, rows["customer_id"], windows=windows)
        merged = rows.merge(labels, on="customer_id", suffixes=("", "_reference"))
        assert len(merged) == len(rows) > 0
        for label in windows:
            np.testing.assert_array_equal(
                merged[label].astype(float).fillna(-1), merged[f"{label}_reference"].fillna(-1),
                err_msg=f"{label} at {cutoff.date()}",
            )  # fmt: skip
    assert (
        snapshots.loc[pd.to_datetime(snapshots["cutoff_date"]).isin(between), "churn_90d"]
        .notna()
        .any()
    )


def test_snapshots_equal_the_reference_at_several_cutoffs(built, demo_data):
    """Every training row: the pandas reference computes the features as of a cutoff (reading
    only data before it) and the labels from the orders after it; fct_customer_snapshots must
    hold the same values, column by column."""
    assert_snapshots_match(built, demo_data)


def assert_snapshots_match(built, demo_data, ceiling=None) -> None:
    """fct_customer_snapshots at four of its cutoffs equals the pandas reference (features and
    labels); `ceiling` as in the build (var audience__max_valid_timestamp, default now)."""
    with built.connect() as con:
        cutoffs = [c for (c,) in con.execute(
            "select cutoff_date from intermediate.int_snapshot_cutoffs order by cutoff_date"
        ).fetchall()]  # fmt: skip
        as_of = pd.Timestamp(
            con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
        )
        snapshots = con.execute("select * from features.fct_customer_snapshots").df()
    checked = [cutoffs[0], cutoffs[len(cutoffs) // 2], cutoffs[-3], cutoffs[-1]]
    for cutoff in map(pd.Timestamp, checked):
        rows = snapshots[pd.to_datetime(snapshots["cutoff_date"]) == cutoff]
        rfm, behavior = compute_features(demo_data, as_of=cutoff, ceiling=ceiling)
        assert_rfm_matches(rows[["customer_id", *SNAPSHOT_FEATURES]], rfm)
        columns = [
            "customer_id",
            *[
                c
                for c in behavior.columns
                if c in rows.columns and c not in ("customer_id", "as_of_date")
            ],
        ]
        assert len(columns) > 30
        assert_behavior_matches(rows[columns], behavior[columns])
        labels = _reference_labels(demo_data, cutoff, as_of, rows["customer_id"], ceiling)
        merged = rows.merge(labels, on="customer_id", suffixes=("", "_reference"))
        assert len(merged) == len(rows) > 0
        for label in ("purchase_30d", "churn_90d"):
            np.testing.assert_array_equal(
                merged[label].astype(float).fillna(-1), merged[f"{label}_reference"].fillna(-1),
                err_msg=f"{label} at {cutoff.date()}",
            )  # fmt: skip
