"""What the dbt Python models of python_models/clv do, without dbt.

* ``fit_state``: BG/NBD and Gamma-Gamma fitted twice: on everything before the as-of date
  (fit_period = "current", used for scoring) and on everything before the calibration end
  (fit_period = "calibration", used for the holdout check). One row per fit period and model.
* ``score_customers``: per customer with a purchase, P(alive), expected purchases in the next 30,
  90 and 365 days, expected average order value and CLV over the horizon.
* ``holdout_validation``: the calibration fit's predicted repeat purchases in the holdout period
  (calibration end to as-of date) next to the actual ones, in total and per calibration-period
  frequency bucket.

Bad data (no customers, only one-time buyers, non-positive spend...) never raises: the fit row
records converged = false with the reason in ``message``, and no customer is scored. A bad
setting (e.g. a calibration end after the as-of date) stops the build with a message naming the
var.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from audience.clv.bgnbd import BgNbdParams, expected_purchases, fit_bgnbd, probability_alive
from audience.clv.errors import ClvInputError
from audience.clv.gamma_gamma import GammaGammaParams, expected_average_value, fit_gamma_gamma
from audience.clv.summary import repeat_purchase_summary
from audience.clv.value import customer_lifetime_value
from audience.model_state import VALUE_COLUMNS, state_columns, typed_state
from audience.progress import timed
from audience.settings import SettingsReader

DAYS_PER_UNIT = {"days": 1.0, "weeks": 7.0}
BUCKETS = ("0", "1", "2", "3", "4", "5", "6", "7-9", "10+")


@dataclass(frozen=True)
class ClvSettings:
    time_unit: str = "days"
    penalizer: float = 0.0
    horizon_days: int = 365
    discount_rate: float = 0.1
    holdout_days: int = 180
    calibration_end_date: str | None = None
    min_repeat_customers: int = 10


def settings_from_json(text: str) -> ClvSettings:
    read = SettingsReader.from_json(text, "audience__clv_", ClvInputError)
    defaults = ClvSettings()
    return ClvSettings(
        time_unit=read.choice("time_unit", defaults.time_unit, tuple(DAYS_PER_UNIT)),
        penalizer=read.number("penalizer", defaults.penalizer, minimum=0),
        horizon_days=read.integer("horizon_days", defaults.horizon_days, minimum=1),
        discount_rate=read.number("discount_rate", defaults.discount_rate, minimum=0),
        holdout_days=read.integer("holdout_days", defaults.holdout_days, minimum=1),
        calibration_end_date=read.text("calibration_end_date"),
        min_repeat_customers=read.integer(
            "min_repeat_customers", defaults.min_repeat_customers, minimum=1
        ),
    )


def read_inputs(purchases, as_of, log=print) -> tuple[pd.DataFrame, object]:
    """The purchases frame and the as-of date, from DuckDB relations over int_clv_purchases and
    int_as_of_date (what every CLV Python model starts from)."""
    with timed(log, "clv: purchases read") as step:
        orders = purchases.to_arrow_table().to_pandas()
        # A fixed row order: same-day amounts are summed in it, and floating-point sums in
        # another order differ in the last bits, which moves the optimizer (two builds must be
        # identical).
        orders = orders.sort_values(["customer_id", "ordered_at", "amount"], kind="stable")
        step.add(f"{len(orders):,} rows")
    as_of_date = as_of.to_arrow_table().to_pandas()["as_of_date"].iloc[0]
    return orders.reset_index(drop=True), as_of_date


def calibration_end(as_of_date, settings: ClvSettings) -> pd.Timestamp:
    """End of the calibration period; a date on or after the as-of date is a settings error."""
    if not settings.calibration_end_date:
        return pd.Timestamp(as_of_date) - pd.Timedelta(days=settings.holdout_days)
    end = pd.Timestamp(settings.calibration_end_date)
    if end >= pd.Timestamp(as_of_date):
        raise ClvInputError(
            f"var audience__clv_calibration_end_date ({end.date()}) must be before the as-of "
            f"date ({pd.Timestamp(as_of_date).date()}): the holdout runs from one to the other"
        )
    return end


def _fit_rows(orders, as_of, period, settings, log=print) -> list[dict]:
    """One row per model for the fit as of ``as_of``; failures are rows too."""
    base = {"fit_period": period, "fitted_as_of_date": pd.Timestamp(as_of).date()}
    try:
        summary = repeat_purchase_summary(orders, as_of, settings.time_unit)
    except ClvInputError as error:
        log(f"clv: {period} fit not possible: {error}")
        return [
            {**base, "model": m, "converged": False, "message": f"not fitted: {error}"}
            for m in ("bgnbd", "gamma_gamma")
        ]
    counts = {
        "customers": len(summary),
        "repeat_customers": int((summary["frequency"] > 0).sum()),
    }
    rows = []
    for model in ("bgnbd", "gamma_gamma"):
        with timed(log, f"clv: {period} {model} fit on {len(summary):,} customers") as step:
            rows.append(_fit_row(model, summary, {**base, "model": model, **counts}, settings))
            step.add(rows[-1]["message"] or f"converged = {rows[-1]['converged']}")
    return rows


def _fit_row(model, summary, row, settings) -> dict:
    """The fit row of one model (converged = false with the reason where it cannot be fitted)."""
    try:
        if model == "bgnbd":
            result = fit_bgnbd(
                summary["frequency"], summary["recency"], summary["T"],
                penalizer=settings.penalizer,
                min_repeat_customers=settings.min_repeat_customers,
            )  # fmt: skip
        else:
            # Spend is modelled for repeat buyers who paid something: those whose repeat
            # purchases were all free (amount 0) are left out of the fit (and get the model's
            # expected value for a mean spend of 0 when scored).
            paying = summary[(summary["frequency"] == 0) | (summary["monetary_value"] > 0)]
            free = int(len(summary) - len(paying))
            result = fit_gamma_gamma(
                paying["frequency"], paying["monetary_value"],
                penalizer=settings.penalizer,
                min_repeat_customers=settings.min_repeat_customers,
            )  # fmt: skip
            if free:
                note = f"; {free:,} repeat buyer(s) with only free repeat purchases left out"
                result = replace(result, message=result.message + note)
            repeat = paying[paying["frequency"] > 0]
            row["frequency_monetary_correlation"] = (
                float(np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1])
                if len(repeat) > 2
                else None
            )
    except ClvInputError as error:
        return {**row, "converged": False, "message": f"not fitted: {error}"}
    return {
        **row,
        **{name: float(value) for name, value in vars(result.params).items()},
        "log_likelihood": result.log_likelihood,
        "converged": bool(result.converged),
        "message": result.message,
        "iterations": result.iterations,
        "fitted_customers": result.customers,
    }


# The long model-state shape (audience/model_state.py), keyed by fit period and model: the
# parameters, the fit's metrics (converged as 1 / 0) and settings as numbers, the optimizer's
# message as a note. A fit that failed has no parameter rows.
STATE_COLUMNS = state_columns(
    ["fit_period", "model", "fitted_as_of_date", *VALUE_COLUMNS],
    fit_period="object",
    model="object",
    fitted_as_of_date="date",
)
PARAMETERS = {"bgnbd": ("r", "alpha", "a", "b"), "gamma_gamma": ("p", "q", "v")}
METRICS = (
    "log_likelihood", "converged", "iterations", "customers", "repeat_customers",
    "fitted_customers", "frequency_monetary_correlation",
)  # fmt: skip


def _state_rows(fit: dict, settings: ClvSettings) -> list[dict]:
    """The state rows of one fit (a `_fit_row` dict); absent or missing values get no row."""
    key = {name: fit[name] for name in ("fit_period", "model", "fitted_as_of_date")}
    facts = [("parameter", name, fit.get(name)) for name in PARAMETERS[fit["model"]]]
    facts += [("metric", name, fit.get(name)) for name in METRICS]
    facts += [("setting", "penalizer", settings.penalizer)]
    rows = [
        {**key, "record": record, "name": name, "value": float(value)}
        for record, name, value in facts
        if value is not None and not pd.isna(value)
    ]
    rows.append({**key, "record": "setting", "name": "time_unit", "text_value": settings.time_unit})
    if fit.get("message") is not None:
        rows.append({**key, "record": "note", "name": "message", "text_value": fit["message"]})
    return rows


def fit_state(orders: pd.DataFrame, as_of_date, settings: ClvSettings, log=print) -> pd.DataFrame:
    fits = _fit_rows(orders, as_of_date, "current", settings, log)
    end = calibration_end(as_of_date, settings)
    fits += _fit_rows(orders, end, "calibration", settings, log)
    return typed_state([row for fit in fits for row in _state_rows(fit, settings)], STATE_COLUMNS)


def fits(state: pd.DataFrame) -> pd.DataFrame:
    """The fits back from the state rows: one row per fit period and model, a column per
    parameter, metric and setting, and the message (NaN / None where the state has no row)."""
    key = ["fit_period", "model", "fitted_as_of_date"]
    # (fit period, model, name) is unique: "first" only reshapes
    numbers = state.pivot_table(index=key, columns="name", values="value", aggfunc="first")
    texts = state.pivot_table(index=key, columns="name", values="text_value", aggfunc="first")
    names = [n for model in PARAMETERS.values() for n in model] + list(METRICS) + ["penalizer"]
    wide = numbers.reindex(columns=names).astype("float64")
    for name in ("time_unit", "message"):
        wide[name] = texts.get(name)
    wide["converged"] = wide["converged"] == 1
    return wide.reset_index().rename_axis(columns=None)


def _params(state: pd.DataFrame, period: str):
    """(BG/NBD params, Gamma-Gamma params) of a fit period, None where the fit failed."""
    rows = fits(state)
    rows = rows[rows["fit_period"] == period].set_index("model")

    def usable(model, kind):
        names = PARAMETERS[model]
        if model not in rows.index:
            return None
        row = rows.loc[model]
        if not bool(row["converged"]) or any(pd.isna(row[n]) for n in names):
            return None
        return kind(*(float(row[n]) for n in names))

    return usable("bgnbd", BgNbdParams), usable("gamma_gamma", GammaGammaParams)


SCORE_COLUMNS = {
    "customer_id": "str", "frequency": "int64", "recency": "float64", "T": "float64",
    "monetary_value": "float64", "probability_alive": "float64",
    "expected_purchases_30d": "float64", "expected_purchases_90d": "float64",
    "expected_purchases_365d": "float64", "expected_average_order_value": "float64",
    "clv": "float64",
}  # fmt: skip


def score_customers(orders, as_of_date, state, settings: ClvSettings) -> pd.DataFrame:
    bgnbd, gamma_gamma = _params(state, "current")
    if bgnbd is None or len(orders) == 0:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in SCORE_COLUMNS.items()})
    summary = repeat_purchase_summary(orders, as_of_date, settings.time_unit)
    unit = DAYS_PER_UNIT[settings.time_unit]
    f, r, t = summary["frequency"], summary["recency"], summary["T"]
    out = summary[["customer_id", "frequency", "recency", "T", "monetary_value"]].copy()
    out["probability_alive"] = probability_alive(bgnbd, f, r, t)
    for days in (30, 90, 365):
        out[f"expected_purchases_{days}d"] = expected_purchases(bgnbd, days / unit, f, r, t)
    if gamma_gamma is None:  # spend model failed: purchases are still predicted
        out["expected_average_order_value"] = np.nan
        out["clv"] = np.nan
    else:
        out["expected_average_order_value"] = expected_average_value(
            gamma_gamma, f, summary["monetary_value"]
        )
        out["clv"] = customer_lifetime_value(
            bgnbd, gamma_gamma, f, r, t, summary["monetary_value"],
            horizon=settings.horizon_days / unit, discount_rate=settings.discount_rate,
            time_unit=settings.time_unit, step=30 / unit,
        )  # fmt: skip
    return out.reset_index(drop=True)


def _bucket(frequency: pd.Series) -> pd.Series:
    return pd.cut(
        frequency, bins=[-1, 0, 1, 2, 3, 4, 5, 6, 9, np.inf], labels=list(BUCKETS)
    ).astype(str)


def holdout_validation(orders, as_of_date, state, settings: ClvSettings) -> pd.DataFrame:
    """Predicted vs actual repeat purchase days in the holdout, per frequency bucket + total."""
    columns = ["frequency_bucket", "bucket_order", "customers", "predicted_repeat_purchases",
               "actual_repeat_purchases", "calibration_end_date", "holdout_end_date"]  # fmt: skip
    bgnbd, _ = _params(state, "calibration")
    end = calibration_end(as_of_date, settings)
    if bgnbd is None or len(orders) == 0:
        return pd.DataFrame(columns=columns)
    summary = repeat_purchase_summary(orders, end, settings.time_unit)
    unit = DAYS_PER_UNIT[settings.time_unit]
    holdout_days = (pd.Timestamp(as_of_date) - end).days
    summary["predicted"] = expected_purchases(
        bgnbd, holdout_days / unit, summary["frequency"], summary["recency"], summary["T"]
    )
    ordered_at = pd.to_datetime(orders["ordered_at"])
    in_holdout = orders[(ordered_at >= end) & (ordered_at < pd.Timestamp(as_of_date))]
    days = pd.to_datetime(in_holdout["ordered_at"]).dt.floor("D")
    actual = days.groupby(in_holdout["customer_id"]).nunique()
    summary["actual"] = summary["customer_id"].map(actual).fillna(0)
    summary["bucket"] = _bucket(summary["frequency"])
    rows = []
    for order, bucket in enumerate(BUCKETS, start=1):
        part = summary[summary["bucket"] == bucket]
        rows.append((bucket, order, len(part), part["predicted"].sum(), part["actual"].sum()))
    rows.append(("total", 0, len(summary), summary["predicted"].sum(), summary["actual"].sum()))
    frame = pd.DataFrame(rows, columns=columns[:5])
    frame["calibration_end_date"] = end.date()
    frame["holdout_end_date"] = pd.Timestamp(as_of_date).date()
    return frame
