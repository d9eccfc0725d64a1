"""Staging on the demo data: nothing lost, every planted defect rejected with its reason, and
structural problems in a user's files stopped with a message naming source, column and type."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from dbt_runner import run_dbt

from audience.demo import dirty

SOURCES = {
    ("shop", "customers"): "stg_shop__customers",
    ("shop", "order_lines"): "stg_shop__order_lines",
    ("shop", "events"): "stg_shop__events",
    ("shop", "campaign_exposures"): "stg_shop__campaign_exposures",
    ("crm", "leads"): "stg_crm__leads",
    ("crm", "lead_activities"): "stg_crm__lead_activities",
}


def test_raw_rows_equal_staged_plus_rejected_for_every_source(built):
    con = built.connect()
    for (source, table), staged_model in SOURCES.items():
        raw = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
        staged = con.execute(f"select count(*) from staging.{staged_model}").fetchone()[0]
        rejected = con.execute(
            "select count(*) from staging.rejected_rows where source_name = ? and table_name = ?",
            [source, table],
        ).fetchone()[0]
        assert raw > 0
        assert rejected > 0, f"{table}: the demo data plants dirty rows in every source"
        assert raw == staged + rejected, (table, raw, staged, rejected)


def test_exactly_the_planted_defects_are_rejected_row_by_row(built, demo_data):
    """The generator records every row it damaged (table, id, reason): staging rejects exactly
    those, each with its reason, and nothing else. Rows whose id itself was removed are matched
    by their number per table and reason."""
    planted = pd.read_parquet(demo_data.with_name("raw_truth") / "planted_defects.parquet")
    with built.connect() as con:
        rejected = con.execute(
            "select table_name, record_id, rejection_reason from staging.rejected_rows"
        ).df()
    key = ["table_name", "record_id", "rejection_reason"]
    with_id = planted[planted["record_id"].notna()]
    assert len(with_id) > 100 and with_id["rejection_reason"].nunique() > 20
    expected = with_id.sort_values(key).reset_index(drop=True)
    actual = rejected[rejected["record_id"].notna()].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(actual[key], expected[key], check_dtype=False)
    without_id = planted[planted["record_id"].isna()].value_counts(
        ["table_name", "rejection_reason"]
    )
    found = rejected[rejected["record_id"].isna()].value_counts(["table_name", "rejection_reason"])
    pd.testing.assert_series_equal(found.sort_index(), without_id.sort_index(), check_names=False)
    kinds = {(t, dirty.reason_of(k)) for t, d in dirty.DAMAGES.items() for k in d}
    assert set(map(tuple, planted[["table_name", "rejection_reason"]].to_numpy())) == kinds


def test_rejected_rows_keep_the_raw_values(built):
    con = built.connect()
    record = con.execute(
        "select raw_record from staging.rejected_rows"
        " where table_name = 'customers' and rejection_reason = 'unparseable_signup_at' limit 1"
    ).fetchone()[0]
    assert "31/02/2024 25:61" in record


def _copy_data(demo_data, target):
    shutil.copytree(demo_data, target)
    return target


def test_missing_required_column_stops_the_build_naming_it(demo_data, tmp_path):
    data = _copy_data(demo_data, tmp_path / "data")
    table = pq.read_table(data / "order_lines.parquet").drop_columns(["line_amount"])
    pq.write_table(table, data / "order_lines.parquet")
    result = run_dbt(["build"], data, tmp_path / "work")
    assert result.returncode != 0
    assert "source shop.order_lines: required column 'line_amount' (number) is missing" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_column_of_the_wrong_type_stops_the_build_naming_it(demo_data, tmp_path):
    data = _copy_data(demo_data, tmp_path / "data")
    con = duckdb.connect()
    con.execute(
        f"copy (select * replace (event_at > timestamp '2025-01-01' as event_at)"
        f" from '{demo_data}/events.parquet') to '{data}/events.parquet' (format parquet)"
    )
    result = run_dbt(["build"], data, tmp_path / "work")
    assert result.returncode != 0
    assert "source shop.events: column 'event_at' has type BOOLEAN" in result.output
    assert "expected a timestamp" in result.output


@pytest.mark.parametrize("optional_column", ["product_category", "quantity", "status"])
def test_optional_columns_may_be_absent(demo_data, tmp_path, optional_column):
    data = _copy_data(demo_data, tmp_path / "data")
    table = pq.read_table(data / "order_lines.parquet").drop_columns([optional_column])
    pq.write_table(table, data / "order_lines.parquet")
    result = run_dbt(["run", "--select", "+int_orders"], data, tmp_path / "work")
    assert result.returncode == 0, result.output[-4000:]


@pytest.mark.parametrize("raw_type", ["boolean", "tinyint", "bigint"])
def test_marketing_consent_may_be_a_boolean_or_integer_column(demo_data, tmp_path, raw_type):
    """A customers file that types marketing_consent as BOOLEAN or as integers 1 / 0 is read as
    it is (any other integer is unparseable, the row kept); a DOUBLE column stops the build."""
    data = _copy_data(demo_data, tmp_path / "data")
    con = duckdb.connect()
    value = (
        "lower(marketing_consent) = 'true'"
        if raw_type == "boolean"
        else "case when customer_id = 'C0000002' then 7 when marketing_consent = 'true' then 1"
        " when marketing_consent = 'false' then 0 end"
    )
    con.execute(
        f"copy (select * replace (cast({value} as {raw_type}) as marketing_consent)"
        f" from read_csv('{data}/customers.csv', all_varchar = true))"
        f" to '{data}/customers.parquet' (format parquet)"
    )
    (data / "customers.csv").unlink()
    result = run_dbt(["run", "--select", "base_shop__customers"], data, tmp_path / "work")
    assert result.returncode == 0, result.output[-4000:]
    raw = con.execute(
        f"select customer_id, marketing_consent from read_csv('{demo_data}/customers.csv',"
        " all_varchar = true)"
    ).fetchall()
    with result.connect() as staged:
        rows = staged.execute(
            "select customer_id, marketing_consent, marketing_consent_issue,"
            " marketing_consent_text from staging.base_shop__customers"
            " where rejection_reason is null"
        ).fetchall()
    got = {r[0]: r[1:] for r in rows}
    parsed = {"true": True, "false": False, None: None}
    as_text = (
        {"true": "true", "false": "false"} if raw_type == "boolean" else {"true": "1", "false": "0"}
    )
    checked = 0
    for customer_id, consent in raw:
        if customer_id not in got:
            continue  # a planted defect, rejected
        if raw_type != "boolean" and customer_id == "C0000002":
            assert got[customer_id] == (None, "unparseable_marketing_consent", "7")
        else:
            assert got[customer_id] == (parsed[consent], None, as_text.get(consent)), customer_id
        checked += 1
    assert checked > 4000

    con.execute(
        f"copy (select * replace (cast(marketing_consent as double) as marketing_consent)"
        f" from '{data}/customers.parquet') to '{data}/customers.double.parquet'"
    )
    (data / "customers.double.parquet").replace(data / "customers.parquet")
    stopped = run_dbt(["run", "--select", "base_shop__customers"], data, tmp_path / "work2")
    assert stopped.returncode != 0
    assert "source shop.customers: column 'marketing_consent' has type DOUBLE" in stopped.output
    assert "expected true/false values" in stopped.output


def _order_with_lines(con, path) -> int:
    """An order id with at least two completed lines of one customer."""
    return con.execute(
        f"select order_id from '{path}' where status = 'completed' group by order_id"
        " having count(*) >= 2 and count(distinct customer_id) = 1 order by order_id limit 1"
    ).fetchone()[0]


def _rewrite_order_lines(con, data, replace: str) -> None:
    source = data / "order_lines.parquet"
    rewritten = data / "order_lines.rewritten.parquet"
    con.execute(f"copy (select * replace ({replace}) from '{source}') to '{rewritten}'")
    rewritten.replace(source)


def test_order_ids_as_text_group_like_integers(demo_data, tmp_path):
    # A user's file may type order ids as text, padded with spaces: int_orders then groups on the
    # trimmed text (its order_key) and still gives one row per order.
    data = _copy_data(demo_data, tmp_path / "data")
    con = duckdb.connect()
    order = _order_with_lines(con, data / "order_lines.parquet")
    _rewrite_order_lines(
        con,
        data,
        f"case when order_id = {order} and order_line_id % 2 = 0 then '  {order} '"
        " else cast(order_id as varchar) end as order_id",
    )
    result = run_dbt(
        ["run", "--select", "+int_orders", "+stg_shop__order_lines"], data, tmp_path / "work"
    )
    assert result.returncode == 0, result.output[-4000:]
    con = duckdb.connect(str(tmp_path / "work" / "audience.duckdb"), read_only=True)
    assert con.execute(
        "select distinct typeof(order_key) from staging.base_shop__orders"
    ).fetchall() == [("VARCHAR",)]
    padded, lines, orders = con.execute(
        f"select (select count(*) from raw.order_lines where order_id like ' %'),"
        f" (select count(*) from staging.stg_shop__order_lines where order_id = '{order}'),"
        f" (select count(*) from intermediate.int_orders where order_id = '{order}')"
    ).fetchone()
    assert padded >= 1 and lines >= 2 and orders == 1
    assert con.execute(
        "select count(*) = count(distinct order_id) and count(*) = (select count(distinct"
        " order_id) from staging.stg_shop__order_lines) from intermediate.int_orders"
    ).fetchone() == (True,)


def test_ids_on_three_or_more_rows_and_extreme_ids_are_deduplicated(demo_data, tmp_path):
    # repeated_ids reads pairs off 64-id bucket masks and returns every id of a bucket holding an
    # id on three rows or more: copies of existing lines with ids on 3 and 4 rows (next to ids on
    # one and two rows in the same bucket), negative ids and ids at the ends of BIGINT.
    data = _copy_data(demo_data, tmp_path / "data")
    con = duckdb.connect()
    source = data / "order_lines.parquet"
    extra = data / "order_lines.extra.parquet"
    copies = {  # new id: how many rows (each an hour later than the one before)
        10**12 + 1: 1, 10**12 + 2: 2, 10**12 + 3: 3, 10**12 + 4: 4,
        -(10**12) - 5: 3, -9223372036854775808: 2, 9223372036854775807: 3,
    }  # fmt: skip
    template = con.execute(
        f"select * exclude (order_line_id) from '{source}' where status = 'completed'"
        " and line_amount > 0 and ordered_at > timestamp '2024-01-01'"
        " order by order_line_id limit 1"
    ).fetchdf()
    rows = []
    for new_id, count in copies.items():
        for copy in range(count):
            row = template.copy()
            row.insert(0, "order_line_id", new_id)
            row["ordered_at"] = row["ordered_at"] + pd.Timedelta(hours=copy)
            rows.append(row)
    con.register("extra_rows", pd.concat(rows, ignore_index=True))
    con.execute(
        f"copy (select * from '{source}' union all by name select * from extra_rows) to '{extra}'"
    )
    extra.replace(source)

    result = run_dbt(
        ["run", "--select", "+rejected_rows", "+stg_shop__order_lines"], data, tmp_path / "work"
    )
    assert result.returncode == 0, result.output[-4000:]
    con = duckdb.connect(str(tmp_path / "work" / "audience.duckdb"), read_only=True)
    staged = dict(
        con.execute(
            "select order_line_id, ordered_at from staging.stg_shop__order_lines"
            f" where order_line_id in ({', '.join(repr(str(i)) for i in copies)})"
        ).fetchall()
    )
    first_time = template["ordered_at"].iloc[0].to_pydatetime()
    assert staged == {str(i): first_time for i in copies}  # one row each, the earliest
    duplicates = con.execute(
        "select count(*) from staging.rejected_rows where table_name = 'order_lines'"
        " and rejection_reason = 'duplicate_order_line_id' and json_extract_string(raw_record,"
        f" '$.order_line_id') in ({', '.join(repr(str(i)) for i in copies)})"
    ).fetchone()[0]
    assert duplicates == sum(copies.values()) - len(copies)
    raw, staged_all, rejected = con.execute(
        "select (select count(*) from raw.order_lines),"
        " (select count(*) from staging.stg_shop__order_lines),"
        " (select count(*) from staging.rejected_rows where table_name = 'order_lines')"
    ).fetchone()
    assert raw == staged_all + rejected


def test_a_large_csv_export_is_read_by_its_header_line(tmp_path):
    """A CSV large enough to be read on several threads (200,000 customers, about 20 MB): its
    columns are those of its first line on every build. (DuckDB returned an arbitrary line for
    `limit 1` on such a file, mostly a data row, and the build stopped with "required column
    'customer_id' is missing ... Columns found: 1996, ...": 26 times in 30 at 100,000 rows.)"""
    data = tmp_path / "data"
    data.mkdir()
    duckdb.execute(
        "copy (select 'C' || lpad(cast(i as varchar), 7, '0') as customer_id,"
        " timestamp '2024-01-01' + to_seconds(i) as signup_at,"
        " 'user' || i || '@example.com' as email, 'US' as country, 'email' as acquisition_channel,"
        " 1950 + i % 50 as birth_year, 'female' as gender from range(1, 200001) as t(i))"
        f" to '{data / 'customers.csv'}' (header, force_quote *)"
    )
    for attempt in range(3):
        result = run_dbt(
            ["build", "--select", "+stg_shop__customers"], data, tmp_path / f"w{attempt}"
        )
        assert result.returncode == 0, result.output[-3000:]
        with result.connect() as con:
            staged = con.execute("select count(*) from staging.stg_shop__customers").fetchone()[0]
        assert staged == 200_000


def test_source_freshness_reads_every_data_source_newest_timestamp(demo_data, tmp_path):
    """`dbt source freshness` (as a daily job runs it before the build) reports every data
    source, CSV exports with text timestamps included, and finds the newest row: for the
    Parquet order lines and events, the same maximum pandas reads from the file."""
    result = run_dbt(["source", "freshness"], demo_data, tmp_path)
    assert result.returncode == 0, result.output[-3000:]
    import json

    report = json.loads((tmp_path / "target" / "sources.json").read_text())
    by_table = {r["unique_id"].split(".", 2)[2]: r for r in report["results"]}
    assert set(by_table) == {f"{source}.{table}" for source, table in SOURCES}
    for name, entry in by_table.items():
        assert entry["status"] in {"pass", "warn"}, (name, entry)
        assert entry["max_loaded_at"], name
    for table, column in [("order_lines", "ordered_at"), ("events", "event_at")]:
        newest = pd.read_parquet(demo_data / f"{table}.parquet", columns=[column])[column].max()
        reported = pd.Timestamp(by_table[f"shop.{table}"]["max_loaded_at"]).tz_localize(None)
        assert reported == pd.Timestamp(newest).tz_localize(None), table
