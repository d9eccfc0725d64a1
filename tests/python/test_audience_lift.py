"""audience_lift: treated against held-out members after a build, with 95% intervals.

A constructed data set with a known effect, built into a copy of the suite's warehouse: 25
audiences whose earlier build (60 days before the as-of date) had 4,000 members each, a fifth
held out, half in segment 1 where the campaign lifts the 30-day purchase rate from 0.18 to 0.30
and revenue with it, half in segment 2 where it does nothing. Purchases before the cohort's date
and after its window are planted too (they must not count). The model's counts and rates equal a
pandas computation here; its conversion interval equals Newcombe's method from scipy's Wilson
intervals; the intervals contain the true effect about 95% of the time and find the segment-1
effect every time. A second cohort 10 days before the as-of date is reported as incomplete.

The backtest through the pipeline (a build pinned to an earlier as-of date, then the normal one)
is test_a_backtest_compares_treated_and_held_out_after_an_earlier_build."""

from __future__ import annotations

import datetime as dt
import math
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest
from dbt_runner import run_dbt
from scipy.stats import binomtest

AUDIENCES = 25
MEMBERS = 4000
WINDOW = 30
RATES = {1: (0.30, 0.18), 2: (0.20, 0.20)}  # segment: (treated, held out) purchase rate
AMOUNT = 50.0


def _frame(result, query: str) -> pd.DataFrame:
    with result.connect() as con:
        return con.execute(query).df()


def _constructed(as_of: dt.date, model_sequence: int, model_version: str):
    """History, purchases and segments of the constructed audiences."""
    rng = np.random.default_rng(7)
    cohort = as_of - dt.timedelta(days=60)
    recent = as_of - dt.timedelta(days=10)
    history, orders, segments = [], [], []
    for k in range(AUDIENCES):
        for day in (cohort, recent) if k == 0 else (cohort,):
            ids = [f"lift{k}_{i}" for i in range(MEMBERS)]
            holdout = rng.random(MEMBERS) < 0.2
            segment = np.where(np.arange(MEMBERS) % 2 == 0, 1, 2)
            treated_rate = np.array([RATES[s][0] for s in segment])
            holdout_rate = np.array([RATES[s][1] for s in segment])
            buys = rng.random(MEMBERS) < np.where(holdout, holdout_rate, treated_rate)
            start = dt.datetime.combine(day, dt.time())
            for i, entity in enumerate(ids):
                history.append((f"lift_{k}", "customer", entity, day, i + 1, bool(holdout[i])))
                segments.append((entity, model_version, model_sequence, day, int(segment[i])))
                if buys[i]:
                    offset = int(rng.integers(0, WINDOW))
                    orders.append((entity, start + dt.timedelta(days=offset, hours=13), AMOUNT))
                # noise just outside the window: a minute before the cohort's date, and the
                # first instant after the window
                if i % 7 == 0:
                    orders.append((entity, start - dt.timedelta(minutes=1), 80.0))
                    orders.append((entity, start + dt.timedelta(days=WINDOW), 80.0))
    # nothing on or after the as-of date (that data does not exist yet, and would move it)
    orders = [order for order in orders if order[1] < dt.datetime.combine(as_of, dt.time())]
    columns = ["audience", "entity_type", "entity_id", "as_of_date", "member_rank", "is_holdout"]
    return (
        pd.DataFrame(history, columns=columns),
        pd.DataFrame(orders, columns=["customer_id", "ordered_at", "net_amount"]),
        pd.DataFrame(
            segments,
            columns=["customer_id", "model_version", "model_sequence", "as_of_date", "segment_id"],
        ),
    )


def _newcombe(k1: int, n1: int, k0: int, n0: int) -> tuple[float, float]:
    p1, p0 = k1 / n1, k0 / n0
    l1, u1 = binomtest(k1, n1).proportion_ci(method="wilson")
    l0, u0 = binomtest(k0, n0).proportion_ci(method="wilson")
    d = p1 - p0
    return d - math.hypot(p1 - l1, u0 - p0), d + math.hypot(u1 - p1, p0 - l0)


@pytest.fixture(scope="module")
def lift(built, demo_data, tmp_path_factory):
    work = tmp_path_factory.mktemp("lift")
    shutil.copyfile(built.warehouse, work / "audience.duckdb")
    as_of = pd.Timestamp(
        _frame(built, "select as_of_date from intermediate.int_as_of_date")["as_of_date"][0]
    ).date()
    model = _frame(
        built,
        "select model_version, model_sequence from marts.segment_models"
        " order by model_sequence desc limit 1",
    ).iloc[0]
    history, orders, segments = _constructed(
        as_of, int(model["model_sequence"]), model["model_version"]
    )
    with duckdb.connect(str(work / "audience.duckdb")) as con:
        con.execute("delete from marts.audience_membership_history")
        con.execute("insert into marts.audience_membership_history by name select * from history")
        con.execute("insert into marts.customer_segment_history by name select * from segments")
        # the constructed purchases join the demo's (whose customers are in no constructed
        # audience): int_orders, a view, becomes a table of both
        kind = con.execute(
            "select table_type from information_schema.tables"
            " where table_schema = 'intermediate' and table_name = 'int_orders'"
        ).fetchone()[0]
        con.execute("create table demo_orders as select * from intermediate.int_orders")
        con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} intermediate.int_orders")
        con.execute(
            "create table intermediate.int_orders as select * from demo_orders"
            " union all by name select customer_id, ordered_at, ordered_at as last_line_ordered_at,"
            " net_amount, true as is_purchase from orders"
        )
    declared = [{"name": f"lift_{k}", "rule": "frequency >= 0"} for k in range(AUDIENCES)]
    result = run_dbt(
        ["build", "--select", "audience_definitions", "audience_lift"],
        demo_data,
        work,
        {"audience__audiences": declared, "audience__audience_lift_window_days": WINDOW},
    )
    assert result.returncode == 0, result.output[-5000:]
    return {
        "as_of": as_of,
        "history": history,
        "orders": orders,
        "segments": segments,
        "lift": _frame(result, "select * from marts.audience_lift"),
    }


def _members(history, orders, segments, as_of: dt.date) -> pd.DataFrame:
    """Each constructed member's purchases and revenue in its window, with its segment."""
    windows = history.assign(start=pd.to_datetime(history["as_of_date"]))
    as_of = pd.Timestamp(as_of)
    windows["end"] = windows["start"] + pd.to_timedelta(
        np.minimum(WINDOW, (as_of - windows["start"]).dt.days), unit="D"
    )
    joined = windows.merge(orders, left_on="entity_id", right_on="customer_id", how="left")
    joined["in_window"] = (joined["ordered_at"] >= joined["start"]) & (
        joined["ordered_at"] < joined["end"]
    )
    joined["revenue"] = np.where(joined["in_window"], joined["net_amount"], 0.0)
    per_member = (
        joined.groupby(["audience", "entity_id", "as_of_date", "is_holdout"])
        .agg(purchases=("in_window", "sum"), revenue=("revenue", "sum"))
        .reset_index()
    )
    per_member["converted"] = per_member["purchases"] > 0
    per_member = per_member.merge(
        segments[["customer_id", "as_of_date", "segment_id"]],
        left_on=["entity_id", "as_of_date"],
        right_on=["customer_id", "as_of_date"],
    )
    return per_member


def test_lift_counts_and_rates_equal_an_independent_computation(lift):
    members = _members(lift["history"], lift["orders"], lift["segments"], lift["as_of"])
    got = lift["lift"]
    assert len(got) == (AUDIENCES + 1) * 3  # all + two segments, one extra cohort
    for (audience, day), group in members.groupby(["audience", "as_of_date"]):
        rows = got[
            (got["audience"] == audience)
            & (pd.to_datetime(got["cohort_as_of_date"]) == pd.Timestamp(day))
        ]
        for segment, part in [(None, group)] + list(group.groupby("segment_id")):
            row = rows[
                rows["segment_id"].isna() if segment is None else rows["segment_id"] == segment
            ].iloc[0]
            treated, held = part[~part["is_holdout"]], part[part["is_holdout"]]
            assert row["treated_members"] == len(treated)
            assert row["holdout_members"] == len(held)
            assert row["treated_conversions"] == treated["converted"].sum()
            assert row["holdout_conversions"] == held["converted"].sum()
            assert row["treated_revenue_per_member"] == pytest.approx(treated["revenue"].mean())
            assert row["holdout_revenue_per_member"] == pytest.approx(held["revenue"].mean())
            low, high = _newcombe(
                int(treated["converted"].sum()),
                len(treated),
                int(held["converted"].sum()),
                len(held),
            )
            assert row["conversion_lift_low"] == pytest.approx(low, rel=1e-9)
            assert row["conversion_lift_high"] == pytest.approx(high, rel=1e-9)
            se = math.sqrt(
                treated["revenue"].var() / len(treated) + held["revenue"].var() / len(held)
            )
            assert row["revenue_lift_low"] == pytest.approx(
                row["revenue_lift"] - 1.959963984540054 * se, rel=1e-9
            )
            assert row["breakdown"] == ("all" if segment is None else "segment")


def test_the_intervals_recover_the_known_effect(lift):
    got = lift["lift"]
    complete = got[got["is_window_complete"]]
    assert len(complete) == AUDIENCES * 3
    assert (complete["observed_days"] == WINDOW).all()
    true_effect = {1.0: RATES[1][0] - RATES[1][1], 2.0: RATES[2][0] - RATES[2][1]}
    segments = complete[complete["breakdown"] == "segment"]
    truth = segments["segment_id"].map(true_effect)
    covered = (segments["conversion_lift_low"] <= truth) & (
        truth <= segments["conversion_lift_high"]
    )
    # 50 intervals at 95%: about 47.5 cover; fewer than 43 would be a broken interval
    assert covered.sum() >= 43, segments[["audience", "segment_id", "conversion_lift_low"]]
    revenue_truth = truth * AMOUNT
    revenue_covered = (segments["revenue_lift_low"] <= revenue_truth) & (
        revenue_truth <= segments["revenue_lift_high"]
    )
    assert revenue_covered.sum() >= 43
    # the effect in segment 1 (0.12) is found every time; the null one in segment 2 rarely
    first = segments[segments["segment_id"] == 1]
    assert (first["conversion_lift_low"] > 0).all()
    second = segments[segments["segment_id"] == 2]
    assert ((second["conversion_lift_low"] > 0) | (second["conversion_lift_high"] < 0)).sum() <= 4
    # the pooled intervals contain the members' mean effect, 0.06 (25 intervals: about 24 do)
    pooled = complete[complete["breakdown"] == "all"]
    assert (
        (pooled["conversion_lift_low"] <= 0.06) & (pooled["conversion_lift_high"] >= 0.06)
    ).sum() >= 21
    assert segments["segment_name"].notna().all()


def test_a_cohort_whose_window_has_not_passed_is_provisional(lift):
    got = lift["lift"]
    recent = got[
        pd.to_datetime(got["cohort_as_of_date"])
        == pd.Timestamp(lift["as_of"] - dt.timedelta(days=10))
    ]
    assert len(recent) == 3
    assert (~recent["is_window_complete"]).all()
    assert (recent["observed_days"] == 10).all()


def test_a_backtest_compares_treated_and_held_out_after_an_earlier_build(
    built, demo_data, tmp_path
):
    """The backtest through the pipeline: the shipped audiences built as of 35 days before the
    suite's as-of date (the attribute marts stand in for that day's), then audience_lift as of
    the as-of date: each audience's earlier build is a complete 30-day cohort whose members and
    purchases (or lead conversions) equal an independent count from the history and the orders,
    with intervals around each difference."""
    shutil.copyfile(built.warehouse, tmp_path / "audience.duckdb")
    as_of = pd.Timestamp(
        _frame(built, "select as_of_date from intermediate.int_as_of_date")["as_of_date"][0]
    ).date()
    earlier = as_of - dt.timedelta(days=35)

    def attributes_as_of(day):
        with duckdb.connect(str(tmp_path / "audience.duckdb")) as con:
            for table in ("audience_customer_attributes", "audience_lead_attributes"):
                con.execute(f"update marts.{table} set as_of_date = ?", [day])

    attributes_as_of(earlier)
    first = run_dbt(
        ["build", "--select", "int_as_of_date", "audience_definitions", "int_audience_selection+"],
        demo_data,
        tmp_path,
        {"audience__as_of_date": earlier.isoformat()},
    )
    assert first.returncode == 0, first.output[-5000:]
    attributes_as_of(as_of)
    second = run_dbt(["build", "--select", "int_as_of_date", "audience_lift"], demo_data, tmp_path)
    assert second.returncode == 0, second.output[-5000:]

    lift = _frame(second, "select * from marts.audience_lift where breakdown = 'all'")
    history = _frame(
        second, f"select * from marts.audience_membership_history where as_of_date = '{earlier}'"
    )
    orders = _frame(
        second,
        "select customer_id, ordered_at from intermediate.int_orders where is_purchase"
        f" and ordered_at >= '{earlier}' and ordered_at < '{earlier + dt.timedelta(days=WINDOW)}'",
    )
    leads = _frame(
        second,
        "select lead_id from staging.stg_crm__leads"
        f" where converted_at >= '{earlier}'"
        f" and converted_at < '{earlier + dt.timedelta(days=WINDOW)}'",
    )
    converted = {"customer": set(orders["customer_id"]), "lead": set(leads["lead_id"])}
    assert set(lift["audience"]) == set(history["audience"]) and len(lift) >= 4
    for _, row in lift.iterrows():
        assert pd.Timestamp(row["cohort_as_of_date"]).date() == earlier
        assert row["is_window_complete"] and row["observed_days"] == WINDOW
        members = history[history["audience"] == row["audience"]]
        treated, held = members[~members["is_holdout"]], members[members["is_holdout"]]
        assert (row["treated_members"], row["holdout_members"]) == (len(treated), len(held))
        bought = converted[row["entity_type"]]
        assert row["treated_conversions"] == treated["entity_id"].isin(bought).sum()
        assert row["holdout_conversions"] == held["entity_id"].isin(bought).sum()
        if len(held):
            assert row["conversion_lift_low"] <= row["conversion_lift"]
            assert row["conversion_lift"] <= row["conversion_lift_high"]
