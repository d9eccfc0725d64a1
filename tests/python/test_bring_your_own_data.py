"""Bring your own data the way an outside user does: a public transaction log of the kind the
BTYD literature uses (one order-lines CSV, dates in 1997-1998, nothing else), through
AUDIENCE_DATA_DIR only. Only what a business has is required: customers are derived from the
order lines, absent sources are noted, and the lifetime-value inputs follow the literature's
definitions (Fader, Hardie and Lee 2005): T runs to the last observed day."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dbt_runner import run_dbt

from audience.summary import summarize


def _transaction_log(rng: np.random.Generator) -> pd.DataFrame:
    """300 customers buying on a few days from January 1997 to June 1998, some twice a day,
    some for free (a full-discount order)."""
    rows = []
    for customer in range(300):
        first = pd.Timestamp("1997-01-01") + pd.Timedelta(days=int(rng.integers(0, 84)))
        days = [first] + [
            first + pd.Timedelta(days=int(d)) for d in rng.integers(1, 500, rng.integers(0, 6))
        ]
        for day in days:
            for _ in range(1 + int(rng.random() < 0.2)):  # sometimes two orders on one day
                amount = 0.0 if rng.random() < 0.03 else round(float(rng.gamma(2.0, 15.0)), 2)
                rows.append(
                    (f"{customer:05d}", day + pd.Timedelta(hours=int(rng.integers(8, 20))), amount)
                )
    frame = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "line_amount"])
    frame = frame[frame["ordered_at"] < "1998-07-01"].reset_index(drop=True)
    frame.insert(0, "order_line_id", range(1, len(frame) + 1))
    frame.insert(1, "order_id", range(1, len(frame) + 1))
    return frame


def _literature_summary(log: pd.DataFrame, calibration_end: pd.Timestamp) -> pd.DataFrame:
    """x, t_x and T as Fader, Hardie and Lee (2005) define them, in days: x = repeat purchase
    days, t_x = last - first purchase day, T = calibration end (the last observed day,
    inclusive) - first purchase day. Written from the definitions, independently of the package."""
    days = log.assign(day=log["ordered_at"].dt.normalize())
    days = days[days["day"] <= calibration_end].groupby("customer_id")["day"]
    first, last, count = days.min(), days.max(), days.nunique()
    return pd.DataFrame(
        {
            "x": count - 1,
            "t_x": (last - first).dt.days.astype(float),
            "T": (calibration_end - first).dt.days.astype(float),
        }
    )


@pytest.fixture(scope="module")
def btyd(tmp_path_factory):
    root = tmp_path_factory.mktemp("btyd")
    (root / "raw").mkdir()
    log = _transaction_log(np.random.default_rng(1997))
    log.assign(ordered_at=log["ordered_at"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(
        root / "raw" / "order_lines.csv", index=False
    )
    result = run_dbt(["build"], root / "raw", root / "work")
    return log, result


def test_a_transaction_log_alone_builds_green(btyd):
    _, result = btyd
    assert result.returncode == 0, result.output[-5000:]
    assert "Completed successfully" in result.output


def test_customers_are_derived_and_absent_sources_noted(btyd):
    log, result = btyd
    with result.connect() as con:
        customers = con.execute("select count(*) from staging.stg_shop__customers").fetchone()[0]
        rfm = con.execute("select count(*) from features.fct_customer_rfm").fetchone()[0]
    assert customers == log["customer_id"].nunique() == rfm
    text = summarize(result.warehouse)
    assert "shop.customers had no file: one customer per customer_id of the order lines" in text
    for table in ("events", "campaign_exposures", "leads", "lead_activities"):
        assert f"{table} had no file" in text, text
    assert "uplift: no model trained (" in text, text  # says why, from the mart's notes


def test_lifetime_value_inputs_follow_the_literature(btyd):
    log, result = btyd
    with result.connect() as con:
        as_of = pd.Timestamp(
            con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
        )
        clv = (
            con.execute(
                "select customer_id, frequency, recency, customer_age from marts.customer_clv"
            )
            .df()
            .set_index("customer_id")
        )
    # the default as-of date is the day after the last order: the last observed day is its eve
    assert as_of == log["ordered_at"].max().normalize() + pd.Timedelta(days=1)
    expected = _literature_summary(log, as_of - pd.Timedelta(days=1))
    joined = clv.join(expected, how="outer")
    assert joined.notna().all().all(), "customers missing on one side"
    assert (joined["frequency"] == joined["x"]).all()
    assert (joined["recency"] == joined["t_x"]).all()
    assert (joined["customer_age"] == joined["T"]).all()
    assert joined["customer_age"].min() >= 0


def test_free_purchases_count_as_purchases(btyd):
    log, result = btyd
    with result.connect() as con:
        rfm = con.execute("select customer_id, frequency from features.fct_customer_rfm").df()
        free_lines = con.execute(
            "select count(*) from staging.stg_shop__order_lines where is_free"
        ).fetchone()[0]
    assert free_lines == int((log["line_amount"] == 0).sum()) > 0
    orders = log.groupby("customer_id")["order_id"].nunique()
    assert (
        rfm.set_index("customer_id")["frequency"] == orders.reindex(rfm["customer_id"]).to_numpy()
    ).all()


def test_a_date_floor_after_the_data_stops_the_build_or_warns_when_told(btyd, tmp_path):
    """A 1997 log with a date floor of 2000-01-01 (the default before it was moved to 1971)
    rejects every row: the build stops before anything reads the staged rows, naming the source,
    the reason, the counts and the order lines the customers came from. With
    audience__rejected_share_severity: warn it builds, says so, and keeps every row."""
    _, result = btyd
    data = result.warehouse.parent.parent / "raw"
    floor = {"audience__min_valid_date": "2000-01-01"}
    select = ["build", "--select", "+stg_shop__order_lines"]
    stopped = run_dbt(select, data, tmp_path / "stopped", floor)
    assert stopped.returncode != 0
    assert "source shop.customers: staging rejected 300 of 300 raw rows (100.0%" in stopped.output
    assert "signup_at_before_floor 300" in stopped.output
    assert "the customers were derived from shop.order_lines" in stopped.output
    assert "ERROR creating" not in stopped.output  # a failed guard, not a crash
    warned = run_dbt(
        select, data, tmp_path / "warned", {**floor, "audience__rejected_share_severity": "warn"}
    )
    assert warned.returncode == 0, warned.output[-4000:]
    assert "staging rejected 300 of 300 raw rows" in warned.output
    with warned.connect() as con:
        reasons = dict(
            con.execute(
                "select rejection_reason, count(*) from staging.base_shop__customers group by all"
            ).fetchall()
        )
    assert reasons == {"signup_at_before_floor": 300}


def test_the_marts_a_missing_source_leaves_empty_name_it(btyd, tmp_path):
    """Absent sources are a note in the summary and in each affected mart: uplift without
    exposures, lead scoring without leads, the customer predictions without events; a mart whose
    sources all had a file (or were derived) gets no such note. CLV without order lines says so."""
    _, result = btyd
    with result.connect() as con:
        uplift = {n for (n,) in con.execute("select notes from marts.uplift_evaluation").fetchall()}
        predictions = dict(
            con.execute("select prediction, notes from marts.prediction_models").fetchall()
        )
        clv = {m for (m,) in con.execute("select message from marts.clv_model_params").fetchall()}
    assert all(note.startswith("shop.campaign_exposures had no file; ") for note in uplift), uplift
    assert predictions["lead_conversion_30d"].startswith(
        "crm.lead_activities had no file; crm.leads had no file"
    ), predictions
    assert predictions["churn_90d"].startswith("shop.events had no file"), predictions
    assert not any("had no file" in message for message in clv), clv  # customers were derived
    customers_only = tmp_path / "customers_only"
    customers_only.mkdir()
    (customers_only / "customers.csv").write_text(
        "customer_id,signup_at\n" + "".join(f"C{i},2024-01-0{1 + i % 9}\n" for i in range(40))
    )
    built = run_dbt(["build", "--select", "+clv_model_params"], customers_only, tmp_path / "w")
    assert built.returncode == 0, built.output[-4000:]
    with built.connect() as con:
        messages = [
            m for (m,) in con.execute("select message from marts.clv_model_params").fetchall()
        ]
    assert messages and all(m.startswith("shop.order_lines had no file: ") for m in messages)
