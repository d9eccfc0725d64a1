"""An adversarial copy of a demo raw folder: edge cases the demo's dirty rows lack.

Duplicate ids whose rows differ (the earliest must win), padded and mixed-case text, date-only and
ISO "T" timestamps, values exactly at the floor, the as-of date and the ceiling, half-cent and huge
amounts, lines of one order under two customers, customers who sign up after the as-of date.
Tests build it with AS_OF and CEILING pinned.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = "2025-06-15"
CEILING = "2026-06-01 00:00:00"


def write_adversarial_copy(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    rng = np.random.default_rng(7)
    _customers(src, dst, rng)
    _order_lines(src, dst, rng)
    _events(src, dst, rng)
    for name in ("campaign_exposures.parquet", "leads.csv", "lead_activities.parquet"):
        shutil.copy(src / name, dst / name)
    return dst


def _customers(src: Path, dst: Path, rng: np.random.Generator) -> None:
    c = pd.read_csv(src / "customers.csv", dtype=str, keep_default_na=False)
    ids = c["customer_id"][c["customer_id"] != ""].unique()
    extra = []
    for cid in rng.choice(ids, 300, replace=False):
        row = c[c.customer_id == cid].iloc[0].to_dict()
        kind = rng.integers(0, 7)
        if kind == 0:  # duplicate with an earlier signup, padded id
            row["customer_id"] = f"  {cid} "
            row["signup_at"] = "2023-01-02 03:04:05"
        elif kind == 1:  # duplicate with a later signup
            row["signup_at"] = "2025-11-30"
        elif kind == 2:  # date only, later than as-of but before the ceiling
            row["customer_id"] = cid + "X"
            row["signup_at"] = "2026-03-01"
        elif kind == 3:  # exactly at the floor (valid) / just before it (invalid)
            row["customer_id"] = cid + "F"
            row["signup_at"] = (
                "1971-01-01 00:00:00" if rng.random() < 0.5 else "1970-12-31 23:59:59"
            )
        elif kind == 4:  # T separator, fractional seconds
            row["customer_id"] = cid + "T"
            row["signup_at"] = "2024-05-06T07:08:09.123456"
        elif kind == 5:  # whitespace-only id
            row["customer_id"] = "   "
        else:  # after the ceiling
            row["customer_id"] = cid + "Z"
            row["signup_at"] = "2026-07-01 00:00:01"
        extra.append(row)
    c = pd.concat([c, pd.DataFrame(extra)], ignore_index=True)
    c.to_csv(dst / "customers.csv", index=False)


def _order_lines(src: Path, dst: Path, rng: np.random.Generator) -> None:
    o = pd.read_parquet(src / "order_lines.parquet")
    for col in ("customer_id", "product_category", "status"):
        o[col] = o[col].astype("object")
    picks = o.sample(3000, random_state=1)
    rows = []
    for _, row in picks.iterrows():
        row = row.copy()
        k = rng.integers(0, 12)
        if k == 0:  # duplicate line id, different order/customer/amount
            row["order_id"] = row["order_id"] + 7
            row["line_amount"] = 99.99
        elif k == 1:  # duplicate line id, earlier time -> this one wins
            row["ordered_at"] = row["ordered_at"] - pd.Timedelta(hours=1)
            row["product_category"] = "toys"
        elif k == 2:
            row["order_line_id"] += 10**9
            row["status"] = rng.choice(["REFUNDED", " Completed ", None, "Refunded"])
        elif k == 3:
            row["order_line_id"] += 10**9
            row["product_category"] = rng.choice([None, "Toys", " HOME ", "Electronics", "  "])
        elif k == 4:
            row["order_line_id"] += 10**9
            row["line_amount"] = rng.choice(
                [0.0, 0.004, 0.005, 1.115, 0.015, 2.675, -3.5, 2e6, 1e17]
            )
        elif k == 5:  # an order at the as-of boundary
            row["order_line_id"] += 10**9
            row["ordered_at"] = pd.Timestamp("2025-06-14 23:59:59.999999")
        elif k == 6:
            row["order_line_id"] += 10**9
            row["ordered_at"] = pd.Timestamp("2025-06-15 00:00:00")
        elif k == 7:  # a line of an existing order from another customer
            row["order_line_id"] += 10**9
            row["customer_id"] = o["customer_id"].iloc[rng.integers(0, len(o))]
        elif k == 8:  # padded customer id
            row["order_line_id"] += 10**9
            row["customer_id"] = f" {row['customer_id']}  "
        elif k == 9:  # refund of a whole order: a refunded copy of every line
            row["order_line_id"] += 2 * 10**9
            row["status"] = "refunded"
        elif k == 10:  # floor boundary
            row["order_line_id"] += 10**9
            row["ordered_at"] = pd.Timestamp("1971-01-01") - pd.Timedelta(
                microseconds=int(rng.integers(0, 2))
            )
        else:  # customer that signs up after the as-of date / unknown padded
            row["order_line_id"] += 10**9
            row["customer_id"] = row["customer_id"] + "X"
        rows.append(row)
    o = pd.concat([o, pd.DataFrame(rows)], ignore_index=True)
    for col in ("order_line_id", "order_id", "quantity"):
        o[col] = o[col].astype("Int64")
    for col in ("customer_id", "product_category", "status"):
        o[col] = o[col].astype("category")
    o.to_parquet(dst / "order_lines.parquet", index=False)


def _events(src: Path, dst: Path, rng: np.random.Generator) -> None:
    e = pd.read_parquet(src / "events.parquet")
    for col in ("customer_id", "event_type", "platform", "event_detail"):
        e[col] = e[col].astype("object")
    picks = e.sample(5000, random_state=2)
    rows = []
    for _, row in picks.iterrows():
        row = row.copy()
        k = rng.integers(0, 8)
        if k == 0:  # duplicate id, different detail and platform, same time
            row["event_detail"] = "zzz-detail"
            row["platform"] = "aaa"
        elif k == 1:
            row["event_id"] += 10**9
            row["event_type"] = rng.choice(["LOGIN", " page_view ", "Feature_Use", "bot"])
        elif k == 2:
            row["event_id"] += 10**9
            row["event_detail"] = rng.choice(["  ", " feat_x ", None])
            row["event_type"] = "feature_use"
        elif k == 3:
            row["event_id"] += 10**9
            row["event_at"] = pd.Timestamp("2025-06-14 23:59:59.999999")
            row["event_type"] = "login"
        elif k == 4:
            row["event_id"] += 10**9
            row["event_at"] = pd.Timestamp("2025-06-15 00:00:00")
        elif k == 5:  # duplicate id, later time -> loses
            row["event_at"] = row["event_at"] + pd.Timedelta(seconds=1)
            row["event_type"] = "email_open"
        elif k == 6:
            row["event_id"] += 10**9
            row["customer_id"] = row["customer_id"] + "X"
            row["event_type"] = "feature_use"
            row["event_detail"] = "only_new_customers_feature"
        else:
            row["event_id"] = None
        rows.append(row)
    e = pd.concat([e, pd.DataFrame(rows)], ignore_index=True)
    e["event_id"] = e["event_id"].astype("Int64")
    for col in ("customer_id", "event_type", "platform", "event_detail"):
        e[col] = e[col].astype("category")
    e.to_parquet(dst / "events.parquet", index=False)
