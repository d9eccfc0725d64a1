"""Orders to the per-customer (frequency, recency, T, monetary_value) the CLV models read.

The definitions are those of Fader, Hardie & Lee (2005) and of the `lifetimes` package's
``summary_data_from_transaction_data``: time is counted in whole calendar days, several purchases
on one day are one purchase (their amounts summed), and the first purchase day is the start of the
relationship, so

- frequency      = distinct purchase days - 1 (the REPEAT purchase days),
- recency        = last purchase day - first purchase day (0 without a repeat purchase),
- T              = last observed day - first purchase day, the last observed day being the day
                   before the as-of date (the calibration period's end, inclusive, as in the
                   literature),
- monetary_value = mean amount of the repeat purchase days (the first day excluded; 0 when
                   frequency is 0),

in days, or in weeks (days / 7). Only purchases strictly before the as-of date count, so a summary
as of date D never reads what happened on or after D; a customer whose first purchase is on the
last observed day has T = 0. Example: purchases on 1997-01-01, 01-03 and 01-10 summarized as of
1997-01-31 (last observed day 01-30) give frequency 2, recency 9 and T 29 days.

Free purchases (amount 0) are purchases: they count in frequency and recency, and their zero
amounts in monetary_value (the Gamma-Gamma fit leaves out the repeat buyers whose repeat
purchases were all free, since it models positive spend; see audience.clv.pipeline).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audience.clv.errors import ClvInputError, check_time_unit

REQUIRED_COLUMNS = ("customer_id", "ordered_at", "amount")


def repeat_purchase_summary(
    orders: pd.DataFrame, as_of_date, time_unit: str = "days"
) -> pd.DataFrame:
    """One row per customer with a purchase before ``as_of_date``, sorted by customer_id.

    orders: one row per purchase with customer_id, ordered_at (timestamp or date; a time zone, if
    any, defines the calendar day) and amount (net, numeric). as_of_date: a date (a timestamp is
    truncated to its day). Returns customer_id, frequency (int64), recency, T and monetary_value
    (float64, in ``time_unit``: "days" or "weeks") and first_purchase_date (datetime.date).
    Customers without a purchase before the as-of date are absent.
    """
    check_time_unit(time_unit)
    ordered_at, amount = _checked_columns(orders)
    ordered_at, as_of = _naive_times_and_as_of(ordered_at, as_of_date)
    keep = (ordered_at < as_of).to_numpy()
    if not keep.any():
        return _empty(orders["customer_id"].dtype)
    customers, codes, days, amount = _purchase_days(
        orders["customer_id"][keep], ordered_at[keep], amount.to_numpy()[keep]
    )
    return _per_customer(customers, codes, days, amount, as_of, time_unit)


def _checked_columns(orders: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """orders.ordered_at as timestamps and orders.amount as floats; ClvInputError for a missing
    column, a value of the wrong type or a null."""
    missing = [column for column in REQUIRED_COLUMNS if column not in orders.columns]
    if missing:
        raise ClvInputError(
            f"orders is missing column(s) {', '.join(missing)} (needs "
            f"{', '.join(REQUIRED_COLUMNS)}; has {', '.join(map(str, orders.columns))})"
        )
    try:
        ordered_at = pd.to_datetime(orders["ordered_at"])
    except (TypeError, ValueError) as error:
        raise ClvInputError(f"orders.ordered_at is not a timestamp: {error}") from None
    try:
        amount = pd.to_numeric(orders["amount"]).astype(float)
    except (TypeError, ValueError) as error:
        raise ClvInputError(f"orders.amount is not numeric: {error}") from None
    for name, values in (
        ("customer_id", orders["customer_id"]),
        ("ordered_at", ordered_at),
        ("amount", amount),
    ):
        nulls = int(values.isna().sum())
        if nulls:
            raise ClvInputError(f"orders.{name} is null (or NaN) in {nulls} of {len(orders)} rows")
    return ordered_at, amount


def _naive_times_and_as_of(ordered_at: pd.Series, as_of_date) -> tuple[pd.Series, pd.Timestamp]:
    """Order times and the as-of midnight as naive wall times, in the orders' time zone if any."""
    if ordered_at.dt.tz is not None:  # calendar days in the orders' own time zone
        as_of = _as_of(as_of_date, ordered_at.dt.tz)
        ordered_at = ordered_at.dt.tz_localize(None)
    else:
        as_of = _as_of(as_of_date, None)
    return ordered_at, as_of


def _purchase_days(customer_id: pd.Series, ordered_at: pd.Series, amount: np.ndarray):
    """One row per (customer, day), sorted by customer and day: the sorted distinct customers,
    and per row the customer's code (index into them), the day number and the day's amount."""
    # Customers as sorted integer codes and days as integers, then one sort and run-length sums:
    # several times faster than a pandas group-by on string ids.
    codes, customers = pd.factorize(customer_id, sort=True)
    days = ordered_at.to_numpy().astype("datetime64[D]").astype(np.int64)
    first_day = days.min()
    key = codes.astype(np.int64) * (days.max() - first_day + 1) + (days - first_day)
    order = np.argsort(key, kind="stable")  # same-day amounts summed in the input's order
    key, codes, days, amount = key[order], codes[order], days[order], amount[order]
    # one row per (customer, day): several purchases on a day are one purchase
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    codes, days, amount = codes[starts], days[starts], np.add.reduceat(amount, starts)
    return customers, codes, days, amount


def _per_customer(customers, codes, days, amount, as_of: pd.Timestamp, time_unit: str):
    """The summary frame from the (customer, day) rows of _purchase_days."""
    first = np.r_[True, codes[1:] != codes[:-1]]
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], codes.size] - 1
    frequency = (ends - starts).astype(np.int64)
    customer = np.cumsum(first) - 1
    repeat_total = np.bincount(customer[~first], weights=amount[~first], minlength=starts.size)
    scale = 7.0 if time_unit == "weeks" else 1.0
    as_of_day = np.datetime64(as_of, "D").astype(np.int64)
    return pd.DataFrame(
        {
            "customer_id": pd.Series(customers.take(codes[starts])),
            "frequency": frequency,
            "recency": (days[ends] - days[starts]) / scale,
            "T": (as_of_day - 1 - days[starts]) / scale,
            "monetary_value": np.where(frequency > 0, repeat_total / np.maximum(frequency, 1), 0.0),
            "first_purchase_date": days[starts].astype("datetime64[D]").astype(object),
        }
    )


def _as_of(as_of_date, tz) -> pd.Timestamp:
    """The as-of date as a naive midnight (wall time in ``tz`` when the orders have one)."""
    try:
        as_of = pd.Timestamp(as_of_date)
    except (TypeError, ValueError) as error:
        raise ClvInputError(f"as_of_date is not a date: {as_of_date!r} ({error})") from None
    if pd.isna(as_of):
        raise ClvInputError("as_of_date is missing")
    if as_of.tzinfo is not None:
        as_of = (as_of.tz_convert(tz) if tz is not None else as_of).tz_localize(None)
    return as_of.normalize()


def _empty(customer_id_dtype) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.Series([], dtype=customer_id_dtype),
            "frequency": pd.Series([], dtype=np.int64),
            "recency": pd.Series([], dtype=float),
            "T": pd.Series([], dtype=float),
            "monetary_value": pd.Series([], dtype=float),
            "first_purchase_date": pd.Series([], dtype=object),
        }
    )
