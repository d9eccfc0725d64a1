"""Independent plain-pandas reference for the customer feature layer.

This module recomputes, with pandas and numpy only (no DuckDB, no dbt, no SQL), what the dbt
project computes from the raw shop files in one folder (customers.csv, order_lines.parquet,
events.parquet; a table may also be given as <name>.csv or <name>.parquet, but not as a
folder of parts):

* the staging rules of models/staging/shop/base/base_shop__{customers,order_lines,events}.sql: rows
  with a missing id, a missing, unparseable, future (after ``ceiling``) or before-floor
  (before 1971-01-01) timestamp, a negative or implausible (above 1,000,000) amount or one with
  more than two decimals, an unknown status or event type, or an unknown customer are rejected,
  of the valid rows sharing an id only the first (in the models' ORDER BY) is kept, and every
  line of an order whose lines carry different customers is rejected;
* fct_customer_rfm: recency, frequency, monetary value, tenure, average order value and the
  1-5 scores from breakpoint quintiles (percentile_cont, i.e. linear interpolation, which is
  pandas' default quantile);
* fct_customer_behavior: event counts per type and window, active days, days since the last
  event / visit / login, the weekly login trend, feature adoption and category spend shares.

All features are computed as of ``as_of`` (exclusive; default: the day after the last staged
order). It is the independent reference that the tests check dbt's values against and the pandas
side of benchmarks/bench_features.py, so it shares no code with the SQL: it is written from the
definitions, and the settings below are copies of the var defaults in dbt_project.yml.

Amounts are handled in integer cents, as the SQL's decimal(18, 2) does. Known limits, none of
which occur in the demo data: text timestamps are parsed as ISO 8601 by pandas (DuckDB accepts a
few other spellings and rejects surrounding spaces), time-zone-aware timestamps are read as
UTC, and text amounts are parsed as floats (the SQL parses them exactly, so a text amount with
more than 15 significant digits may be judged differently).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

# Copies of the var defaults in dbt_project.yml.
MIN_VALID_DATE = pd.Timestamp("1971-01-01")
MAX_LINE_AMOUNT_CENTS = 1_000_000 * 100
EVENT_TYPES = [
    "page_view",
    "product_view",
    "login",
    "feature_use",
    "content_download",
    "pricing_view",
    "email_open",
    "email_click",
]
VISIT_EVENT_TYPES = [
    "page_view",
    "product_view",
    "login",
    "feature_use",
    "content_download",
    "pricing_view",
]
PRODUCT_CATEGORIES = ["electronics", "home", "fashion", "beauty", "books", "grocery"]
EVENT_WINDOWS_DAYS = [7, 30, 90]
LOGIN_TREND_WEEKS = 12
ORDER_STATUSES = ["completed", "refunded"]
RFM_QUANTILES = [0.2, 0.4, 0.6, 0.8]

SHARE_CATEGORIES = [*PRODUCT_CATEGORIES, "other"]
RFM_COLUMNS = [
    "as_of_date",
    "signup_at",
    "tenure_days",
    "first_purchase_at",
    "last_purchase_at",
    "recency_days",
    "frequency",
    "monetary",
    "average_order_value",
    "r_score",
    "f_score",
    "m_score",
    *(f"net_amount_{category}" for category in SHARE_CATEGORIES),
]
NULLABLE_INTEGERS = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
}


# ---------------------------------------------------------------------------------------------
# Entry point


def compute_features(
    raw_dir: str | Path,
    as_of: str | pd.Timestamp | None = None,
    ceiling: str | pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (rfm, behavior) features of every customer signed up before ``as_of``.

    ``as_of``: the date features are computed as of (default: the day after the last staged
    order). ``ceiling``: timestamps after it are rejected as in the future (default: now, UTC).
    Both frames have one row per customer, sorted by customer_id.
    """
    raw_dir = Path(raw_dir)
    ceiling = _utc_now() if ceiling is None else pd.Timestamp(ceiling)
    # Customers are numbered in customer_id order, so the smallest number is the smallest id.
    customers = staged(stage_customers(raw_dir, ceiling))
    customers = customers.sort_values("customer_id").reset_index(drop=True)
    known = pd.Index(customers["customer_id"])
    lines = staged(stage_order_lines(raw_dir, known, ceiling))
    as_of = default_as_of(lines) if as_of is None else pd.Timestamp(as_of).normalize()
    orders = build_orders(lines)
    del lines
    events = staged(stage_events(raw_dir, known, ceiling))
    rfm = rfm_scores(rfm_features(customers, orders, as_of))
    behavior = behavior_features(customers, events, as_of).join(category_shares(rfm))
    return _output(rfm[RFM_COLUMNS], customers), _output(behavior, customers)


def staged(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows staging keeps (no rejection reason), without the reason column."""
    return frame.loc[frame["rejection_reason"].isna()].drop(columns="rejection_reason")


def default_as_of(lines: pd.DataFrame) -> pd.Timestamp:
    """The day after the last staged order (today, UTC, when there are no orders)."""
    if lines.empty:
        return _utc_now().normalize()
    return lines["ordered_at"].max().normalize() + pd.Timedelta(days=1)


def _utc_now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")


def _output(features: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Features keyed by customer position -> a frame with customer_id first."""
    out = features.copy()
    out.insert(0, "customer_id", customers["customer_id"].reindex(out.index).to_numpy())
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Reading and parsing raw values


def read_raw(raw_dir: Path, name: str, columns: list[str]) -> pd.DataFrame:
    """Raw table ``name`` (<name>.parquet, else <name>.csv read as text); absent columns are NA."""
    parquet, csv = raw_dir / f"{name}.parquet", raw_dir / f"{name}.csv"
    if parquet.exists():
        present = [c for c in columns if c in pq.read_schema(parquet).names]
        table = pq.read_table(parquet, columns=present)
        frame = table.to_pandas(types_mapper=NULLABLE_INTEGERS.get, date_as_object=False)
    elif csv.exists():
        frame = pd.read_csv(
            csv,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            usecols=lambda column: column in columns,
        )
    else:
        raise FileNotFoundError(f"no raw file for {name} in {raw_dir}")
    for column in columns:
        if column not in frame:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="str")
    return frame[columns]


def _text(values: pd.Series, lower: bool = False) -> pd.Series:
    """SQL nullif(trim(cast(v as varchar)), ''), optionally lower-cased.

    Categorical columns (Parquet dictionaries) are cleaned through their categories and stay
    categorical; trim removes spaces only, as in SQL.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        cleaned = _text(pd.Series(values.cat.categories), lower)
        labels, uniques = pd.factorize(cleaned)
        codes = values.cat.codes.to_numpy()
        new_codes = np.where(codes >= 0, labels[codes], -1)
        return pd.Series(
            pd.Categorical.from_codes(new_codes, uniques), index=values.index, name=values.name
        )
    text = values.astype("str").str.strip(" ")
    if lower:
        text = text.str.lower()
    return text.mask(text == "")


def _with_default(values: pd.Series, default: str) -> pd.Series:
    """coalesce(values, default), keeping a categorical categorical."""
    if isinstance(values.dtype, pd.CategoricalDtype) and default not in values.cat.categories:
        values = values.cat.add_categories([default])
    return values.fillna(default)


def _id(values: pd.Series) -> pd.Series:
    """An id as SQL text. Integer ids stay integers: they group and match like their text."""
    if pd.api.types.is_integer_dtype(values.dtype):
        return values
    return _text(values)


def _timestamp(values: pd.Series) -> pd.Series:
    """try_cast(v as timestamp): timestamps as they are, ISO 8601 text parsed, else NaT."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        if getattr(values.dt, "tz", None) is not None:
            return values.dt.tz_convert("UTC").dt.tz_localize(None)
        return values
    return pd.to_datetime(values, format="ISO8601", errors="coerce")


def _cents(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """An amount in integer cents (NA when it does not parse or is not finite), and whether it
    has more than two decimals (a float counts as two when within a millionth of a cent)."""
    number = pd.to_numeric(values, errors="coerce").astype("float64")
    scaled = number * 100
    cents = np.round(scaled)
    # The SQL parses into DECIMAL(38, 18): a number below 10^20 parses. One of 10^16 or more is
    # implausible whatever its decimals: it is capped here to keep integer cents.
    parses = np.isfinite(number) & (np.abs(number) < 1e20)
    huge = parses & (np.abs(cents) >= 1e18)
    extra = pd.Series((np.abs(scaled - cents) > 1e-6) & parses & ~huge, index=values.index)
    cents = np.where(huge, np.sign(cents) * 1e18, cents)
    return pd.Series(cents, index=values.index).where(parses).astype("Int64"), extra


def _positions(ids: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each id in ``index`` (-1 when missing or absent); fast for categoricals."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        found = index.get_indexer(ids.cat.categories.astype("str"))
        codes = ids.cat.codes.to_numpy()
        return np.where(codes >= 0, found[codes], -1)
    return index.get_indexer(ids.astype("str"))


# ---------------------------------------------------------------------------------------------
# Staging rules


def _timestamp_checks(raw: pd.Series, parsed: pd.Series, name: str, ceiling: pd.Timestamp):
    """The checks of macros/staging/timestamp_rejections.sql, as (reason, failed) pairs."""
    return [
        (f"missing_{name}", raw.isna()),
        (f"unparseable_{name}", raw.notna() & parsed.isna()),
        (f"future_{name}", parsed > ceiling),
        (f"{name}_before_floor", parsed < MIN_VALID_DATE),
    ]


def _first_reason(checks: list[tuple[str, pd.Series]], duplicate_reason: str) -> pd.Categorical:
    """Per row, the reason of the first failed check (SQL CASE order); NaN when all pass."""
    reasons = [reason for reason, _ in checks]
    failed = [np.asarray(mask.fillna(False), dtype=bool) for _, mask in checks]
    codes = np.select(failed, np.arange(len(reasons)), default=-1)
    return pd.Categorical.from_codes(codes, categories=[*reasons, duplicate_reason])


def _reject_duplicates(
    frame: pd.DataFrame, key: str, order_by: list[str], text_columns: set[str], reason: str
) -> None:
    """row_number() over (partition by key of valid rows order by order_by) > 1 -> ``reason``.

    Only valid rows whose key repeats are sorted. ``text_columns`` are compared as SQL text
    (so integer ids as their digits); nulls sort last, as in DuckDB.
    """
    valid = frame.loc[frame["rejection_reason"].isna(), [key, *order_by]]
    rows = valid.loc[valid[key].duplicated(keep=False)]
    if rows.empty:
        return
    rows = rows.astype({column: "str" for column in text_columns})
    rows = rows.sort_values([key, *order_by], na_position="last", kind="stable")
    later = rows.index[rows[key].duplicated()]
    frame.loc[later, "rejection_reason"] = reason


def stage_customers(raw_dir: Path, ceiling: pd.Timestamp) -> pd.DataFrame:
    """Every raw customer (id, signup_at) with rejection_reason, as base_shop__customers."""
    raw = read_raw(raw_dir, "customers", ["customer_id", "signup_at"])
    frame = pd.DataFrame(
        {"customer_id": _text(raw["customer_id"]), "signup_at": _timestamp(raw["signup_at"])}
    )
    checks = [
        ("missing_customer_id", frame["customer_id"].isna()),
        *_timestamp_checks(raw["signup_at"], frame["signup_at"], "signup_at", ceiling),
    ]
    frame["rejection_reason"] = _first_reason(checks, "duplicate_customer_id")
    # Of one id, the earliest signup wins; the other columns only break ties between rows
    # that are identical in everything the features read.
    _reject_duplicates(frame, "customer_id", ["signup_at"], set(), "duplicate_customer_id")
    return frame


def stage_order_lines(raw_dir: Path, customers: pd.Index, ceiling: pd.Timestamp) -> pd.DataFrame:
    """Every raw order line with rejection_reason and the customer's position in ``customers``."""
    columns = [
        "order_line_id",
        "order_id",
        "customer_id",
        "ordered_at",
        "line_amount",
        "product_category",
        "quantity",
        "status",
    ]
    raw = read_raw(raw_dir, "order_lines", columns)
    frame = pd.DataFrame(
        {
            "order_line_id": _id(raw["order_line_id"]),
            "order_id": _id(raw["order_id"]),
            "customer_id": _text(raw["customer_id"]),
            "ordered_at": _timestamp(raw["ordered_at"]),
            "cents": _cents(raw["line_amount"])[0],
            "extra_decimals": _cents(raw["line_amount"])[1],
            "product_category": _text(raw["product_category"], lower=True),
            "quantity": pd.to_numeric(raw["quantity"], errors="coerce").fillna(1),
            "status": _with_default(_text(raw["status"], lower=True), "completed"),
        }
    )
    frame["customer"] = _positions(frame["customer_id"], customers)
    checks = [
        ("missing_order_line_id", frame["order_line_id"].isna()),
        ("missing_order_id", frame["order_id"].isna()),
        ("missing_customer_id", frame["customer_id"].isna()),
        *_timestamp_checks(raw["ordered_at"], frame["ordered_at"], "ordered_at", ceiling),
        ("missing_line_amount", raw["line_amount"].isna()),
        ("unparseable_line_amount", frame["cents"].isna()),
        ("negative_line_amount", frame["cents"] < 0),
        ("implausible_line_amount", frame["cents"] > MAX_LINE_AMOUNT_CENTS),
        ("line_amount_precision", frame["extra_decimals"]),
        ("unknown_status", ~frame["status"].isin(ORDER_STATUSES)),
        ("unknown_customer", pd.Series(frame["customer"] < 0)),
    ]
    frame["rejection_reason"] = _first_reason(checks, "duplicate_order_line_id")
    order_by = [
        "ordered_at",
        "order_id",
        "customer_id",
        "cents",
        "product_category",
        "quantity",
        "status",
    ]
    text = {"order_id", "customer_id", "product_category", "status"}
    _reject_duplicates(frame, "order_line_id", order_by, text, "duplicate_order_line_id")
    _reject_conflicting_orders(frame)
    return frame


def _reject_conflicting_orders(lines: pd.DataFrame) -> None:
    """Every line of an order whose valid lines carry different customers, or add up to 10^16
    or more, is rejected (order_customer_conflict, order_amount_overflow)."""
    valid = lines.loc[lines["rejection_reason"].isna(), ["order_id", "customer", "cents"]]
    per_order = valid.groupby("order_id").agg(
        customers=("customer", "nunique"), cents=("cents", "sum")
    )
    for reason, bad in (
        ("order_customer_conflict", per_order.index[per_order["customers"] > 1]),
        ("order_amount_overflow", per_order.index[per_order["cents"] >= 10**18]),
    ):
        if reason not in lines["rejection_reason"].cat.categories:
            lines["rejection_reason"] = lines["rejection_reason"].cat.add_categories([reason])
        hit = lines["rejection_reason"].isna() & lines["order_id"].isin(bad)
        lines.loc[hit, "rejection_reason"] = reason


def stage_events(raw_dir: Path, customers: pd.Index, ceiling: pd.Timestamp) -> pd.DataFrame:
    """Every raw event with rejection_reason and the customer's position in ``customers``."""
    columns = ["event_id", "customer_id", "event_at", "event_type", "platform", "event_detail"]
    raw = read_raw(raw_dir, "events", columns)
    frame = pd.DataFrame(
        {
            "event_id": _id(raw["event_id"]),
            "customer_id": _text(raw["customer_id"]),
            "event_at": _timestamp(raw["event_at"]),
            "event_type": _text(raw["event_type"], lower=True),
            "platform": _text(raw["platform"], lower=True),
            "event_detail": _text(raw["event_detail"]),
        }
    )
    frame["customer"] = _positions(frame["customer_id"], customers)
    checks = [
        ("missing_event_id", frame["event_id"].isna()),
        ("missing_customer_id", frame["customer_id"].isna()),
        *_timestamp_checks(raw["event_at"], frame["event_at"], "event_at", ceiling),
        ("missing_event_type", frame["event_type"].isna()),
        ("unknown_event_type", ~frame["event_type"].isin(EVENT_TYPES)),
        ("unknown_customer", pd.Series(frame["customer"] < 0)),
    ]
    frame["rejection_reason"] = _first_reason(checks, "duplicate_event_id")
    del raw, checks
    order_by = ["event_at", "customer_id", "event_type", "platform", "event_detail"]
    text = {"customer_id", "event_type", "platform", "event_detail"}
    _reject_duplicates(frame, "event_id", order_by, text, "duplicate_event_id")
    return frame


# ---------------------------------------------------------------------------------------------
# Orders and RFM


def build_orders(lines: pd.DataFrame) -> pd.DataFrame:
    """Staged lines -> one row per order (int_orders): customer, time, net cents per category."""
    refunded = lines["status"] == "refunded"
    # Categories outside PRODUCT_CATEGORIES (and missing ones) count as "other".
    category = lines["product_category"].astype("object")
    share_category = pd.Categorical(
        category.where(category.isin(SHARE_CATEGORIES)), categories=SHARE_CATEGORIES
    )
    lines = lines.assign(
        refunded_cents=lines["cents"].where(refunded, 0),
        share_category=pd.Series(share_category, index=lines.index).fillna("other"),
    )
    orders = lines.groupby("order_id").agg(
        customer=("customer", "min"),  # customers are numbered in id order: min id
        ordered_at=("ordered_at", "min"),
        gross_cents=("cents", "sum"),
        refunded_cents=("refunded_cents", "sum"),
    )
    net = lines.loc[~refunded].pivot_table(
        index="order_id",
        columns="share_category",
        values="cents",
        aggfunc="sum",
        fill_value=0,
        observed=False,
    )
    net.columns = net.columns.astype("str")
    net = net.reindex(columns=SHARE_CATEGORIES, fill_value=0).add_prefix("net_cents_")
    orders = orders.join(net)
    orders[net.columns] = orders[net.columns].fillna(0)
    orders["net_cents"] = orders["gross_cents"] - orders["refunded_cents"]
    # A purchase unless refunded in full; free lines (0 cents) count.
    orders["is_purchase"] = orders.index.isin(lines.loc[~refunded, "order_id"].unique())
    return orders


def rfm_features(
    customers: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Recency, frequency, monetary, tenure, order value and net spend per category."""
    population = customers.loc[customers["signup_at"] < as_of, ["signup_at"]]
    purchases = orders.loc[orders["is_purchase"] & (orders["ordered_at"] < as_of)]
    category_cents = [f"net_cents_{c}" for c in SHARE_CATEGORIES]
    stats = purchases.groupby("customer").agg(
        frequency=("net_cents", "size"),
        monetary_cents=("net_cents", "sum"),
        first_purchase_at=("ordered_at", "min"),
        last_purchase_at=("ordered_at", "max"),
        **{column: (column, "sum") for column in category_cents},
    )
    rfm = population.join(stats)
    rfm.insert(0, "as_of_date", as_of)
    rfm["tenure_days"] = _days_before(rfm["signup_at"], as_of)
    rfm["recency_days"] = _days_before(rfm["last_purchase_at"], as_of)
    rfm["frequency"] = rfm["frequency"].fillna(0).astype("int64")
    rfm["monetary"] = rfm["monetary_cents"].fillna(0).astype("float64") / 100
    rfm["average_order_value"] = (rfm["monetary"] / rfm["frequency"]).where(rfm["frequency"] > 0)
    for category in SHARE_CATEGORIES:
        cents = rfm.pop(f"net_cents_{category}").fillna(0)
        rfm[f"net_amount_{category}"] = cents.astype("float64") / 100
    return rfm.drop(columns="monetary_cents")


def _days_before(times: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """datediff('day', cast(times as date), as_of) as nullable integers."""
    return (as_of - times.dt.normalize()).dt.days.astype("Int64")


def rfm_scores(rfm: pd.DataFrame) -> pd.DataFrame:
    """r/f/m scores 1-5 from the 20/40/60/80th percentiles among buyers
    (macros/features/rfm_scores.sql).

    A score counts the breakpoints a value exceeds: f and m scores are 1 + that count, the
    r score (lower recency is better) is 5 - that count. So equal values get equal scores and a
    value equal to a breakpoint falls in the bucket below it (for recency, the more recent one).
    Customers without a purchase get NA.
    """
    rfm = rfm.copy()
    buyers = rfm["frequency"] > 0
    for measure, score, lower_is_better in [
        ("recency_days", "r_score", True),
        ("frequency", "f_score", False),
        ("monetary", "m_score", False),
    ]:
        values = rfm[measure].astype("float64")
        breakpoints = values[buyers].quantile(RFM_QUANTILES)  # linear interpolation
        exceeded = sum((values > b).astype("int64") for b in breakpoints)
        scores = 5 - exceeded if lower_is_better else 1 + exceeded
        rfm[score] = scores.where(buyers).astype("Int64")
    return rfm


# ---------------------------------------------------------------------------------------------
# Behaviour


def behavior_features(
    customers: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Event counts, recency, login trend and feature adoption per customer signed up before
    ``as_of`` (macros/features/customer_behavior_features.sql), from events before ``as_of``."""
    population = customers.index[customers["signup_at"] < as_of]
    columns = ["customer", "event_at", "event_type", "event_detail"]
    events = events.loc[events["event_at"] < as_of, columns]
    events["days_before"] = (as_of - events.pop("event_at").dt.normalize()).dt.days
    windows = [window_counts(events, window) for window in EVENT_WINDOWS_DAYS]
    adoption = feature_adoption(events)
    parts = [*windows, recency(events), login_trend(events), adoption]
    behavior = pd.DataFrame(index=population).join(parts)
    counts = [column for part in windows for column in part] + [adoption.columns[0]]
    behavior[counts] = behavior[counts].fillna(0).astype("int64")
    behavior["login_trend_slope"] = behavior["login_trend_slope"].fillna(0.0)
    behavior["feature_adoption_rate"] = behavior["feature_adoption_rate"].fillna(0.0)
    behavior.insert(0, "as_of_date", as_of)
    return behavior


def window_counts(events: pd.DataFrame, window: int) -> pd.DataFrame:
    """Events per type, all events and active days in the ``window`` days before the date."""
    recent = events.loc[events["days_before"] <= window]
    per_type = recent.pivot_table(
        index="customer",
        columns="event_type",
        values="days_before",
        aggfunc="size",
        fill_value=0,
        observed=True,
    )
    per_type.columns = per_type.columns.astype("str")
    per_type = per_type.reindex(columns=EVENT_TYPES, fill_value=0)
    per_type.columns = [f"{event_type}_events_{window}d" for event_type in EVENT_TYPES]
    per_type[f"events_{window}d"] = per_type.sum(axis=1)
    per_type[f"active_days_{window}d"] = recent.groupby("customer")["days_before"].nunique()
    return per_type


def recency(events: pd.DataFrame) -> pd.DataFrame:
    """Days since the last event, visit and login (NA when there is none)."""
    days = events.groupby("customer")["days_before"]
    of_type = events["event_type"]
    visits = events.loc[of_type.isin(VISIT_EVENT_TYPES)].groupby("customer")["days_before"]
    logins = events.loc[of_type == "login"].groupby("customer")["days_before"]
    frame = pd.DataFrame(
        {
            "days_since_last_event": days.min(),
            "days_since_last_visit": visits.min(),
            "days_since_last_login": logins.min(),
        }
    )
    return frame.astype("Int64")


def login_trend(events: pd.DataFrame) -> pd.DataFrame:
    """Least-squares slope of weekly logins over the last LOGIN_TREND_WEEKS weeks (week 1 the
    oldest; weeks without logins count as zero)."""
    weeks = LOGIN_TREND_WEEKS
    logins = events.loc[(events["event_type"] == "login") & (events["days_before"] <= weeks * 7)]
    week = weeks - (logins["days_before"] - 1) // 7  # 1 .. weeks
    centred = week - (weeks + 1) / 2
    slope = centred.groupby(logins["customer"]).sum() / (weeks * (weeks**2 - 1) / 12)
    return slope.rename("login_trend_slope").to_frame()


def feature_adoption(events: pd.DataFrame) -> pd.DataFrame:
    """Distinct features used in the longest window, and their share of all features anyone
    had used before the date."""
    window = max(EVENT_WINDOWS_DAYS)
    uses = events.loc[(events["event_type"] == "feature_use") & events["event_detail"].notna()]
    available = uses["event_detail"].nunique()
    recent = uses.loc[uses["days_before"] <= window]
    used = recent.groupby("customer")["event_detail"].nunique()
    frame = used.rename(f"features_used_{window}d").to_frame()
    frame["feature_adoption_rate"] = used / available if available else 0.0
    return frame


def category_shares(rfm: pd.DataFrame) -> pd.DataFrame:
    """Share of net spend per category and the top category
    (macros/features/category_share_columns.sql): NA for customers without spend; ties go to the
    first category in SHARE_CATEGORIES."""
    amounts = rfm[[f"net_amount_{c}" for c in SHARE_CATEGORIES]]
    spent = rfm["monetary"] > 0
    shares = amounts.div(rfm["monetary"].where(spent), axis=0)
    shares.columns = [f"category_share_{c}" for c in SHARE_CATEGORIES]
    top = amounts.set_axis(SHARE_CATEGORIES, axis=1).idxmax(axis=1).where(spent)
    return shares.assign(top_category=top)
