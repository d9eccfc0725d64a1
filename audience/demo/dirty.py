"""Dirty rows planted in the demo data, one kind per staging rejection reason.

Every dirty row is an *extra* row (a damaged copy of a real one, or an exact duplicate), never a
change to a real row: staging must reject exactly these and keep the clean history intact, so the
ground truth still holds for what is staged.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

DIRTY_SHARE = 0.0005  # per kind, of the block's rows
# From this many rows in a block, every kind is planted at least once (fewer rows would let the
# dirty ones exceed the share of rejected rows a build accepts, var audience__max_rejected_share).
MIN_ROWS_FOR_EVERY_KIND = 1_000
FUTURE = "2031-05-04 12:00:00"
BEFORE_FLOOR = "1970-01-01 00:00:00"
FUTURE_US = np.datetime64("2031-05-04T12:00:00", "us")
BEFORE_FLOOR_US = np.datetime64("1970-01-01T00:00:00", "us")

Damage = Callable[[dict], None]


def _set(column: str, value) -> Damage:
    def damage(row: dict) -> None:
        row[column] = value

    return damage


def _keep(row: dict) -> None:  # an exact duplicate
    return None


# Per raw table: the kinds of damage planted, named by the rejection reason staging should give
# (a suffix after "__" would name a second way to earn the same reason; see reason_of).
DAMAGES: dict[str, dict[str, Damage]] = {
    "customers": {
        "missing_customer_id": _set("customer_id", ""),
        "duplicate_customer_id": _keep,
        "unparseable_signup_at": _set("signup_at", "31/02/2024 25:61"),
        "future_signup_at": _set("signup_at", FUTURE),
        "signup_at_before_floor": _set("signup_at", BEFORE_FLOOR),
    },
    "order_lines": {
        "missing_order_line_id": _set("order_line_id", None),
        "missing_customer_id": _set("customer_id", None),
        "duplicate_order_line_id": _keep,
        "negative_line_amount": _set("line_amount", -12.5),
        "future_ordered_at": _set("ordered_at", FUTURE_US),
        "ordered_at_before_floor": _set("ordered_at", BEFORE_FLOOR_US),
        "unknown_customer": _set("customer_id", "C9999999"),
        "unknown_status": _set("status", "pending_review"),
    },
    "events": {
        "missing_event_id": _set("event_id", None),
        "missing_customer_id": _set("customer_id", None),
        "duplicate_event_id": _keep,
        "unknown_event_type": _set("event_type", "bot_ping"),
        "future_event_at": _set("event_at", FUTURE_US),
        "event_at_before_floor": _set("event_at", BEFORE_FLOOR_US),
        "unknown_customer": _set("customer_id", "C9999998"),
    },
    "campaign_exposures": {
        "missing_customer_id": _set("customer_id", None),
        "duplicate_exposure_id": _keep,
        "unknown_customer": _set("customer_id", "C9999997"),
        "unknown_treatment_group": _set("treatment_group", "holdout"),
    },
    "leads": {
        "missing_lead_id": _set("lead_id", ""),
        "duplicate_lead_id": _keep,
        "unparseable_created_at": _set("created_at", "yesterday"),
        "unparseable_converted_at": _set("converted_at", "soon"),
        "future_created_at": _set("created_at", FUTURE),
        "converted_before_created": _set("converted_at", "2023-01-15 09:00:00"),
    },
    "lead_activities": {
        "missing_lead_id": _set("lead_id", None),
        "duplicate_activity_id": _keep,
        "unknown_lead": _set("lead_id", "L9999999"),
        "unknown_activity_type": _set("activity_type", "fax_received"),
        "future_activity_at": _set("activity_at", FUTURE_US),
    },
}


def reason_of(kind: str) -> str:
    """The rejection reason of a kind of damage."""
    return kind.split("__")[0]


# The id column of each raw table, by which the planted rows are recorded.
ID_COLUMNS = {
    "customers": "customer_id",
    "order_lines": "order_line_id",
    "events": "event_id",
    "campaign_exposures": "exposure_id",
    "leads": "lead_id",
    "lead_activities": "activity_id",
}


def with_dirty_rows(
    rng: np.random.Generator, table_name: str, table: pa.Table, planted: list | None = None
) -> pa.Table:
    """The table followed by damaged copies of randomly chosen rows, per kind of damage. Each
    damaged row is appended to ``planted`` as (table, id as staging reads it or None, the
    rejection reason staging must give)."""
    if table.num_rows == 0:
        return table
    damaged = []
    for kind, damage in DAMAGES[table_name].items():
        count = int(round(DIRTY_SHARE * table.num_rows))
        if table.num_rows >= MIN_ROWS_FOR_EVERY_KIND:
            count = max(1, count)
        if count == 0:
            continue
        picks = np.sort(rng.choice(table.num_rows, size=count, replace=False))
        for row in table.take(picks).to_pylist():
            damage(row)
            damaged.append(row)
            if planted is not None:
                record_id = row[ID_COLUMNS[table_name]]
                record_id = str(record_id).strip() if record_id is not None else None
                planted.append((table_name, record_id or None, kind))
    extra = pa.Table.from_pylist(damaged, schema=_plain_schema(table.schema))
    return pa.concat_tables([table, extra.cast(table.schema)])


def _plain_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema(
        [
            pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
            for f in schema
        ]
    )
