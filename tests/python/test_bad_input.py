"""Damaged exports, as outside users send them (see hostile_data.py for the matrix): every raw row
is staged or rejected with its reason (none lost), one bad row never stops the pipeline, wrong
data is loud rather than a green build, times are UTC whatever the machine's zone, and the built
warehouse stands on its own once the files are gone.

The matrix is built once (two builds: TZ=UTC and TZ=Asia/Tokyo); the cases that must stop a build
each run a build of only the models they need, on a few rows.
"""

from __future__ import annotations

import json
import shutil

import hostile_data
import pytest
from dbt_runner import run_dbt
from warehouse_diff import differing_tables

from audience.summary import summarize

MATRIX_SELECTION = [
    "--select", "+fct_customer_features", "+rejected_rows", "+rejected_values",
    "+stg_shop__campaign_exposures", "+stg_crm__leads", "+stg_shop__order_lines",
]  # fmt: skip
STAGED = {
    "customers": ("stg_shop__customers", "customer_id"),
    "order_lines": ("stg_shop__order_lines", "order_line_id"),
    "events": ("stg_shop__events", "event_id"),
    "campaign_exposures": ("stg_shop__campaign_exposures", "exposure_id"),
    "leads": ("stg_crm__leads", "lead_id"),
}


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    expected = hostile_data.write(root / "raw")
    builds = {}
    for zone in ("UTC", "Asia/Tokyo"):
        result = run_dbt(
            ["build", *MATRIX_SELECTION], root / "raw", root / zone.replace("/", "_"),
            hostile_data.VARS, env={"TZ": zone},
        )  # fmt: skip
        assert result.returncode == 0, result.output[-5000:]
        builds[zone] = result
    return root / "raw", expected, builds


def _rejected(con, table):
    return con.execute(
        "select record_id, rejection_reason, raw_record from staging.rejected_rows"
        " where table_name = ?",
        [table],
    ).fetchall()


def test_every_damaged_row_gets_its_outcome(matrix):
    _, expected, builds = matrix
    counts = {"staged": 0, "rejected": 0, "nulled": 0}
    with builds["UTC"].connect() as con:
        for case in expected:
            model, key = STAGED[case.table]
            staged = con.execute(
                f"select * from staging.{model} where {key} = ?", [case.record_id]
            ).df()
            if case.outcome in ("staged", "nulled"):
                assert len(staged) == 1, f"{case} not staged"
                counts[case.outcome] += 1
                if case.outcome == "nulled":
                    assert staged[case.detail].isna().all(), case
                    nulled = con.execute(
                        "select issue from staging.rejected_values"
                        " where table_name = ? and record_id = ? and column_name = ?",
                        [case.table, case.record_id, case.detail],
                    ).fetchall()
                    assert len(nulled) == 1, f"{case}: raw value not kept in rejected_values"
                elif case.detail is not None:
                    column, value = case.detail
                    assert str(staged[column].iloc[0]) == str(value), (case, staged[column])
                continue
            counts["rejected"] += 1
            assert staged.empty, f"{case} was staged"
            reasons = [r for r in _rejected(con, case.table) if r[1] == case.outcome]
            if case.record_id is None:  # a line that could not be read: by its line number
                lines = [json.loads(raw)["line_number"] for _, _, raw in reasons]
                assert case.detail in lines, (case, lines)
            else:
                assert case.record_id in [r[0] for r in reasons], case
    assert counts["rejected"] >= 12 and counts["nulled"] >= 4, counts


def test_marketing_consent_parses_any_spelling_and_keeps_what_does_not(matrix):
    """true/false, t/f, yes/no, y/n, 1/0 in any case and padding parse; an empty value is unknown
    (NULL); a value that is none of these is unknown too, its row is staged and the value is kept
    in rejected_values as unparseable_marketing_consent; a rejected row keeps its consent in
    raw_record."""
    _, _, builds = matrix
    with builds["UTC"].connect() as con:
        staged = dict(
            con.execute(
                "select customer_id, marketing_consent from staging.stg_shop__customers"
            ).fetchall()
        )
        kept = con.execute(
            "select record_id, raw_value, issue from staging.rejected_values"
            " where table_name = 'customers' and column_name = 'marketing_consent'"
            " order by record_id"
        ).fetchall()
        raw = con.execute(
            "select raw_record from staging.rejected_rows"
            " where table_name = 'customers' and record_id = 'C9008'"
        ).fetchone()[0]
    spellings = list(hostile_data.CONSENTS)
    for i in range(hostile_data.CUSTOMERS):  # the plain rows cycle through the spellings
        value = spellings[i % len(spellings)]
        assert staged[f"C{i:04d}"] is hostile_data.CONSENTS[value], (i, value)
    assert (staged["C9012"], staged["C9013"], staged["C9015"]) == (True, False, True)
    assert staged["C9016"] is None and staged["C9017"] is None  # staged, consent unknown
    assert kept == [
        ("C9016", "maybe", "unparseable_marketing_consent"),
        ("C9017", "2", "unparseable_marketing_consent"),
    ]
    assert json.loads(raw)["marketing_consent"] == "no"


def test_phones_are_staged_in_e164_and_the_rest_kept_with_a_reason(matrix):
    """Separators (spaces, dots, dashes, parentheses) are dropped and a leading 00 reads as +;
    a number without a country code, or text, is NULL on the staged row and kept in
    rejected_values as phone_not_e164."""
    _, _, builds = matrix
    with builds["UTC"].connect() as con:
        staged = dict(
            con.execute("select customer_id, phone from staging.stg_shop__customers").fetchall()
        )
        kept = con.execute(
            "select record_id, raw_value, issue from staging.rejected_values"
            " where table_name = 'customers' and column_name = 'phone' order by record_id"
        ).fetchall()
    phones = list(hostile_data.PHONES)
    for i in range(hostile_data.CUSTOMERS):
        value = phones[i % len(phones)]
        assert staged[f"C{i:04d}"] == hostile_data.PHONES[value], (i, value)
    assert staged["C9018"] == "+16505551234"
    assert kept == [
        ("C9019", "06 12 34 56 78", "phone_not_e164"),
        ("C9020", "call me", "phone_not_e164"),
    ]


def test_no_row_is_lost(matrix):
    _, expected, builds = matrix
    with builds["UTC"].connect() as con:
        for table, (model, _) in STAGED.items():
            staged = con.execute(f"select count(*) from staging.{model}").fetchone()[0]
            rejected = len(_rejected(con, table))
            listed = sum(1 for case in expected if case.table == table)
            assert staged + rejected == listed, (table, staged, rejected, listed)


def _strict_json(text: str):
    """json.loads as the JSON standard has it: Python's accepts NaN and Infinity, which other
    readers (DuckDB's json_extract, JavaScript's JSON.parse) refuse."""

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON: {text}")

    return json.loads(text, parse_constant=refuse)


def test_rejected_values_are_kept_as_valid_json(matrix):
    _, _, builds = matrix
    with builds["UTC"].connect() as con:
        records = con.execute(
            "select rejection_reason, raw_record from staging.rejected_rows"
        ).fetchall()
    parsed = [(reason, _strict_json(raw)) for reason, raw in records]
    amounts = {r["line_amount"] for reason, r in parsed if reason == "unparseable_line_amount"}
    assert amounts == {"nan", "inf"}  # as text: JSON has no literal for them
    lines = [r for reason, r in parsed if reason == "malformed_csv_line"]
    assert {r["error_type"] for r in lines} >= {"MISSING COLUMNS", "UNQUOTED VALUE"}
    assert any(r["line_text"].startswith("C9010,2024-02-02,ragged") for r in lines)


def test_builds_in_different_time_zones_are_identical(matrix):
    _, _, builds = matrix
    schemas = ("staging", "intermediate", "features", "raw")
    assert differing_tables(builds["UTC"].warehouse, builds["Asia/Tokyo"].warehouse, schemas) == {}


def test_the_warehouse_stands_on_its_own_without_the_files(matrix, tmp_path):
    raw, _, builds = matrix
    moved = tmp_path / "moved"
    shutil.move(raw, moved)
    try:
        with builds["UTC"].connect() as con:
            relations = con.execute(
                "select table_schema, table_name from information_schema.tables"
                " where table_schema not in ('raw', 'information_schema', 'pg_catalog')"
            ).fetchall()
            for schema, name in relations:
                con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()
    finally:
        shutil.move(moved, raw)


def test_summary_reports_rejected_shares_and_absent_sources(matrix):
    _, _, builds = matrix
    text = summarize(builds["UTC"].warehouse)
    assert "crm.lead_activities had no file: the lead activity features built empty" in text
    assert "optional values set to NULL (staging.rejected_values)" in text
    customers = next(line for line in text.splitlines() if line.startswith("shop.customers"))
    assert customers.split()[-1].endswith("%")


# --- cases that must stop a build, each on a few rows ---------------------------------------


def _small_shop(folder, order_lines: str | None = None, customers: str | None = None):
    folder.mkdir(parents=True)
    (folder / "customers.csv").write_text(
        customers
        or "customer_id,signup_at\n" + "".join(f"C{i},2024-01-01 00:00:00\n" for i in range(50))
    )
    (folder / "order_lines.csv").write_text(
        order_lines
        or "order_line_id,order_id,customer_id,ordered_at,line_amount\n"
        + "".join(
            f"{i},{i},C{i % 50},2025-03-{1 + i % 28:02d} 10:00:00,10.00\n" for i in range(200)
        )
    )
    return folder


def test_a_date_format_the_reader_cannot_parse_is_loud_then_a_setting_reads_it(tmp_path):
    lines = "order_line_id,order_id,customer_id,ordered_at,line_amount\n" + "".join(
        f"{i},{i},C{i % 50},03/{1 + i % 28:02d}/2025 10:00,10.00\n" for i in range(200)
    )
    raw = _small_shop(tmp_path / "raw", order_lines=lines)
    failed = run_dbt(["build", "--select", "+int_orders"], raw, tmp_path / "a")
    assert failed.returncode != 0
    assert "source shop.order_lines: staging rejected 200 of 200 raw rows (100.0%" in failed.output
    assert "unparseable_ordered_at 200" in failed.output
    fixed = run_dbt(
        ["build", "--select", "+int_orders"], raw, tmp_path / "b",
        {"audience__raw_file_formats": {"order_lines": {"timestamp_format": "%m/%d/%Y %H:%M"}}},
    )  # fmt: skip
    assert fixed.returncode == 0, fixed.output[-3000:]
    with fixed.connect() as con:
        first = con.execute("select min(ordered_at) from intermediate.int_orders").fetchone()
    assert str(first[0]) == "2025-03-01 10:00:00"


def test_a_quoted_field_after_the_first_20480_rows_is_read(tmp_path):
    rows = [f"C{i},2024-01-01 00:00:00,plain" for i in range(21_000)]
    rows[20_990] = 'C20990,2024-01-01 00:00:00,"with, a comma"'
    raw = _small_shop(
        tmp_path / "raw",
        customers="customer_id,signup_at,acquisition_channel\n" + "\n".join(rows) + "\n",
    )
    result = run_dbt(["build", "--select", "+stg_shop__customers"], raw, tmp_path / "w")
    assert result.returncode == 0, result.output[-3000:]
    with result.connect() as con:
        assert (
            con.execute("select count(*) from staging.stg_shop__customers").fetchone()[0] == 21_000
        )
        channel = con.execute(
            "select acquisition_channel from staging.stg_shop__customers"
            " where customer_id = 'C20990'"
        ).fetchone()[0]
    assert channel == "with, a comma"


def test_a_wrongly_encoded_file_is_loud_and_names_the_lines(tmp_path):
    raw = _small_shop(tmp_path / "raw")
    (raw / "leads.csv").write_bytes(
        "lead_id,created_at,company_name\nL1,2025-01-01,Café\nL2,2025-01-01,Ok\n".encode("latin-1")
    )
    result = run_dbt(["build", "--select", "+stg_crm__leads"], raw, tmp_path / "w")
    assert result.returncode != 0
    assert "source crm.leads: staging rejected 1 of 2 raw rows" in result.output
    assert "malformed_csv_line 1" in result.output


def test_an_as_of_date_far_from_the_data_stops_the_build(tmp_path):
    raw = _small_shop(tmp_path / "raw")
    result = run_dbt(
        ["build", "--select", "+int_as_of_date"], raw, tmp_path / "w",
        {"audience__as_of_date": "2035-01-01"},
    )  # fmt: skip
    assert result.returncode != 0
    assert "the as-of date 2035-01-01 is 3" in result.output
    assert "more than var audience__max_as_of_gap_days (400) allows" in result.output


def test_an_order_beyond_the_stored_amounts_rejects_its_lines_not_the_build(tmp_path):
    lines = (
        "order_line_id,order_id,customer_id,ordered_at,line_amount\n"
        "1,1,C1,2025-03-01 10:00:00,6000000000000000\n2,1,C1,2025-03-01 10:00:00,6000000000000000\n"
        + "".join(f"{i},{i},C{i % 50},2025-03-02 10:00:00,10.00\n" for i in range(3, 300))
    )
    raw = _small_shop(tmp_path / "raw", order_lines=lines)
    result = run_dbt(
        ["build", "--select", "+int_orders", "+rejected_rows"], raw, tmp_path / "w",
        {"audience__max_line_amount": 9e15},
    )  # fmt: skip
    assert result.returncode == 0, result.output[-3000:]
    with result.connect() as con:
        rejected = con.execute(
            "select record_id from staging.rejected_rows"
            " where rejection_reason = 'order_amount_overflow' order by 1"
        ).fetchall()
        orders = con.execute("select count(*) from intermediate.int_orders").fetchone()[0]
    assert rejected == [("1",), ("2",)]
    assert orders == 297


def test_empty_and_absent_sources_build_and_say_so(tmp_path):
    raw = _small_shop(tmp_path / "raw")
    (raw / "events.csv").write_bytes(b"")  # a 0-byte export
    result = run_dbt(
        ["build", "--select", "+fct_customer_features", "+rejected_rows"], raw, tmp_path / "w"
    )
    assert result.returncode == 0, result.output[-3000:]
    assert "source shop.events has an empty file" in result.output
    with result.connect() as con:
        status = dict(
            con.execute("select table_name, status from raw.audience_raw_files").fetchall()
        )
        features = con.execute("select count(*) from features.fct_customer_features").fetchone()
    assert status == {
        "customers": "file", "order_lines": "file", "events": "empty",
        "campaign_exposures": "absent", "leads": "absent", "lead_activities": "absent",
    }  # fmt: skip
    assert features[0] == 50
