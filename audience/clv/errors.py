"""Input errors and the checks shared by the CLV functions.

Every problem with the data a caller can fix (no customers, only one-time buyers, NaN, recency
after T, non-positive spend, ...) raises :class:`ClvInputError` with a message that names the
problem and how many customers it concerns, before numpy or scipy see the data.
"""

from __future__ import annotations

import numpy as np

TIME_UNITS = ("days", "weeks")
DEFAULT_MIN_REPEAT_CUSTOMERS = 10


class ClvInputError(ValueError):
    """The data (or a setting) cannot be used by the CLV models; the message says why."""


def check_penalizer(penalizer: float) -> float:
    """The L2 penalizer as a float; it must be finite and >= 0."""
    penalizer = float(penalizer)
    if not (np.isfinite(penalizer) and penalizer >= 0):
        raise ClvInputError(f"penalizer must be a finite number >= 0, got {penalizer!r}")
    return penalizer


def check_time_unit(time_unit: str) -> str:
    if time_unit not in TIME_UNITS:
        raise ClvInputError(
            f"time_unit must be one of {', '.join(map(repr, TIME_UNITS))}, got {time_unit!r}"
        )
    return time_unit


def as_float_array(name: str, values) -> np.ndarray:
    """``values`` (scalar, list, numpy array or pandas Series, nullable or not) as float64."""
    try:
        if hasattr(values, "to_numpy"):
            return np.asarray(values.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise ClvInputError(f"{name} must be numeric: {error}") from None


def _count(mask: np.ndarray) -> int:
    return int(np.count_nonzero(mask))


def check_finite(**arrays: np.ndarray) -> None:
    for name, values in arrays.items():
        bad = ~np.isfinite(values)
        if bad.any():
            raise ClvInputError(
                f"{name} has {_count(bad)} missing (NaN) or infinite value(s) out of {values.size}"
            )


def check_customers(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The BG/NBD inputs as broadcast float arrays, after checking they describe customers.

    frequency: number of repeat purchase periods (>= 0); recency: time from the first to the
    last purchase (0 when frequency is 0); T: time from the first purchase to the as-of date.
    """
    arrays = {
        "frequency": as_float_array("frequency", frequency),
        "recency": as_float_array("recency", recency),
        "T": as_float_array("T", T),
    }
    try:
        frequency, recency, T = np.broadcast_arrays(*arrays.values())
    except ValueError:
        shapes = ", ".join(f"{name} {values.shape}" for name, values in arrays.items())
        raise ClvInputError(f"frequency, recency and T have different lengths: {shapes}") from None
    check_finite(frequency=frequency, recency=recency, T=T)
    for name, values in (("frequency", frequency), ("recency", recency), ("T", T)):
        if (values < 0).any():
            raise ClvInputError(f"{name} is negative for {_count(values < 0)} customer(s)")
    later = recency > T
    if later.any():
        raise ClvInputError(
            f"recency > T for {_count(later)} customer(s) (the last purchase cannot be after "
            "the as-of date; were recency and T computed for the same as-of date and unit?)"
        )
    stray = (frequency == 0) & (recency > 0)
    if stray.any():
        raise ClvInputError(
            f"{_count(stray)} customer(s) have frequency 0 but recency > 0 (recency is the time "
            "from the first to the last purchase, so it is 0 without a repeat purchase)"
        )
    return frequency, recency, T


def check_enough_customers(
    frequency: np.ndarray, weights: np.ndarray, min_repeat_customers: int, model: str
) -> None:
    """Refuse to fit on no customers, only one-time buyers or too few repeat buyers."""
    customers = float(weights.sum())
    repeat = float(weights[frequency > 0].sum())
    if frequency.size == 0 or customers == 0:
        raise ClvInputError(f"{model}: no customers to fit on")
    if repeat == 0:
        raise ClvInputError(
            f"{model}: all {customers:,.0f} customers are one-time buyers (frequency 0); the "
            "model needs repeat purchases to be estimated"
        )
    if repeat < min_repeat_customers:
        raise ClvInputError(
            f"{model}: only {repeat:,.0f} repeat customer(s) (frequency > 0) among "
            f"{customers:,.0f}; at least {min_repeat_customers} are required "
            "(min_repeat_customers)"
        )


def check_weights(weights, size: int) -> np.ndarray:
    if weights is None:
        return np.ones(size)
    weights = as_float_array("weights", weights)
    if weights.ndim == 0:
        weights = np.full(size, float(weights))
    if weights.shape != (size,):
        raise ClvInputError(f"weights has shape {weights.shape}, expected ({size},)")
    check_finite(weights=weights)
    if (weights < 0).any():
        raise ClvInputError(f"weights is negative for {_count(weights < 0)} row(s)")
    return weights


def check_positive_params(name: str, **values: float) -> None:
    bad = {k: v for k, v in values.items() if not (np.isfinite(v) and v > 0)}
    if bad:
        listed = ", ".join(f"{k}={v!r}" for k, v in bad.items())
        raise ClvInputError(f"{name} parameters must be positive and finite: {listed}")
