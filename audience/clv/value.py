"""Customer lifetime value over a finite horizon: BG/NBD purchases x Gamma-Gamma value, discounted.

Following Fader, Hardie & Lee (2005, "RFM and CLV", JMR 42(4)) with a discrete approximation of
the discounting: the horizon (0, H] after the as-of date is cut into steps (0, s], (s, 2s], ...,
the last one ending at H. For each step k ending at t_k,

    CLV = E[M] * sum_k (E[Y(t_k)] - E[Y(t_(k-1))]) / (1 + discount_rate) ** (t_k / units_per_year)

where E[Y(t)] is BG/NBD's conditional expected number of purchases in the next t units
(audience.clv.bgnbd.expected_purchases) and E[M] the Gamma-Gamma conditional expected average
purchase value (audience.clv.gamma_gamma.expected_average_value). Conventions:

- discount_rate is ANNUAL (0.1 = 10 % a year), compounded; each step's purchases are discounted
  from the END of the step (a slightly conservative convention: finer steps give slightly more).
- a year is 365.25 days, i.e. 365.25 / 7 weeks: time_unit says which unit horizon, step,
  recency and T are in.
- the value is in the currency of monetary_value (net amounts as summarized), not margin: multiply
  by a margin rate for profit.
- value from purchases only: the purchase that made the customer a customer (at time 0) and
  anything already bought is not included.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from audience.clv.bgnbd import _params as _bgnbd_params
from audience.clv.bgnbd import probability_alive, purchases_if_alive
from audience.clv.errors import ClvInputError, check_customers, check_time_unit
from audience.clv.gamma_gamma import expected_average_value

DAYS_PER_YEAR = 365.25
UNITS_PER_YEAR = {"days": DAYS_PER_YEAR, "weeks": DAYS_PER_YEAR / 7}


def customer_lifetime_value(
    bgnbd,
    gamma_gamma,
    frequency,
    recency,
    T,
    monetary_value,
    horizon: float,
    discount_rate: float,
    time_unit: str = "days",
    step: float = 30,
) -> np.ndarray:
    """Expected discounted value of each customer's purchases in the next ``horizon`` units.

    bgnbd / gamma_gamma: BgNbdParams / GammaGammaParams (or the FitResults holding them).
    frequency, recency, T, monetary_value: as from repeat_purchase_summary, in ``time_unit``.
    horizon and step are in ``time_unit`` too (the default step, 30, is about a month in days);
    discount_rate is annual (see the module docstring for the exact convention).
    """
    check_time_unit(time_unit)
    horizon, step, discount_rate = float(horizon), float(step), float(discount_rate)
    if not (math.isfinite(horizon) and horizon > 0):
        raise ClvInputError(f"horizon must be a positive number of {time_unit}, got {horizon!r}")
    if not (math.isfinite(step) and step > 0):
        raise ClvInputError(f"step must be a positive number of {time_unit}, got {step!r}")
    if not (math.isfinite(discount_rate) and discount_rate > -1):
        raise ClvInputError(f"discount_rate (annual) must be > -1, got {discount_rate!r}")
    alive = probability_alive(bgnbd, frequency, recency, T)
    frequency, recency, T = check_customers(frequency, recency, T)
    value = expected_average_value(gamma_gamma, frequency, monetary_value)
    steps = math.ceil(horizon / step - 1e-9)
    ends = np.minimum(step * np.arange(1, steps + 1), horizon)
    discount = (1.0 + discount_rate) ** (-ends / UNITS_PER_YEAR[time_unit])
    # Purchases of a customer alive at T depend on (frequency, T) only: compute them once per
    # distinct pair (many fewer than customers when T is in whole days).
    pairs = pd.DataFrame({"x": np.ravel(frequency), "T": np.ravel(T)}).groupby(
        ["x", "T"], sort=False
    )
    codes = pairs.ngroup().to_numpy()
    distinct = pairs.size().index
    x_distinct = distinct.get_level_values("x").to_numpy(dtype=float)
    t_distinct = distinct.get_level_values("T").to_numpy(dtype=float)
    total = np.zeros(len(distinct))
    previous = np.zeros_like(total)
    for end, factor in zip(ends, discount, strict=True):
        cumulative = purchases_if_alive(_bgnbd_params(bgnbd), end, x_distinct, t_distinct)
        total += (cumulative - previous) * factor
        previous = cumulative
    return total[codes].reshape(np.shape(frequency)) * alive * value
