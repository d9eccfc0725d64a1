"""Gamma-Gamma model of the average value of a customer's repeat purchases.

Sources: P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "RFM and CLV: Using Iso-Value Curves
for Customer Base Analysis", Journal of Marketing Research 42(4), 415-430, and the note
"The Gamma-Gamma Model of Monetary Value" (Fader and Hardie, 2013).

Model: the value of each of a customer's purchases is Gamma(p, rate nu); across customers
nu ~ Gamma(q, rate v). With x = frequency (number of repeat purchases) and m = monetary_value (the
mean value of those x purchases), the density of m is (Fader & Hardie 2013, eq. 3)

    f(m | p, q, v, x) = Gamma(p x + q) / (Gamma(p x) Gamma(q)) * v^q m^(p x - 1) x^(p x)
                        / (v + x m)^(p x + q)

and the conditional expectation of a customer's average purchase value (eq. 5) is

    E[M | p, q, v, x, m] = p (v + x m) / (p x + q - 1),

a weighted average of the population mean p v / (q - 1) (the answer for x = 0) and the
customer's own mean m. The model assumes spend is independent of the purchase process, and uses
the repeat purchases only (so it matches BG/NBD's frequency): customers with frequency 0 carry no
information and are left out of the fit.

Fitting: see audience.clv._fitting for the objective (mean negative log-likelihood per repeat
buyer + penalizer * sum of squared log-parameters), the optimizer and what "converged" means.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from scipy.special import digamma, gammaln

from audience.clv._fitting import DEFAULT_MAXITER, FitResult, dot, minimize_log_params
from audience.clv.errors import (
    DEFAULT_MIN_REPEAT_CUSTOMERS,
    ClvInputError,
    as_float_array,
    check_enough_customers,
    check_finite,
    check_penalizer,
    check_positive_params,
    check_weights,
)

__all__ = [
    "GammaGammaParams",
    "expected_average_value",
    "fit_gamma_gamma",
    "simulate_gamma_gamma",
]

NAMES = ("p", "q", "v")


@dataclass(frozen=True)
class GammaGammaParams:
    """Purchase value ~ Gamma(shape p, rate nu), nu ~ Gamma(shape q, rate v); v is in currency."""

    p: float
    q: float
    v: float

    def __post_init__(self) -> None:
        for field in fields(self):
            object.__setattr__(self, field.name, float(getattr(self, field.name)))
        check_positive_params("Gamma-Gamma", p=self.p, q=self.q, v=self.v)


def _params(params) -> GammaGammaParams:
    params = getattr(params, "params", params)  # a FitResult works too
    if not isinstance(params, GammaGammaParams):
        raise ClvInputError(
            f"expected GammaGammaParams (or a FitResult), got {type(params).__name__}"
        )
    return params


def _frequency_and_value(frequency, monetary_value) -> tuple[np.ndarray, np.ndarray]:
    """Broadcast float arrays; frequency checked, monetary_value checked for repeat buyers only
    (it is ignored, and may be anything, when frequency is 0)."""
    frequency = as_float_array("frequency", frequency)
    monetary_value = as_float_array("monetary_value", monetary_value)
    try:
        frequency, monetary_value = np.broadcast_arrays(frequency, monetary_value)
    except ValueError:
        raise ClvInputError(
            f"frequency and monetary_value have different lengths: {frequency.shape}, "
            f"{monetary_value.shape}"
        ) from None
    check_finite(frequency=frequency)
    if (frequency < 0).any():
        raise ClvInputError(
            f"frequency is negative for {int(np.count_nonzero(frequency < 0))} customer(s)"
        )
    repeat = frequency > 0
    check_finite(**{"monetary_value (of repeat buyers)": monetary_value[repeat]})
    return frequency, np.where(repeat, monetary_value, 0.0)


class _Data:
    def __init__(self, frequency, monetary_value, weights) -> None:
        keep = (frequency > 0) & (weights > 0)
        self.x = frequency[keep]
        self.w = weights[keep]
        self.total = float(self.w.sum())
        self.xu, self.inv = np.unique(self.x, return_inverse=True)
        self.wu = np.bincount(self.inv, weights=self.w, minlength=len(self.xu))
        self.log_m = np.log(monetary_value[keep])
        self.xm = self.x * monetary_value[keep]
        self.log_xm = np.log(self.xm)
        self.sum_log_m = dot(self.w, self.log_m)


def _loglik(log_params: np.ndarray, data: _Data, gradient: bool = True):
    p, q, v = np.exp(log_params)
    xu, x, w = data.xu, data.x, data.w
    pxq_u = p * xu + q
    per_x = gammaln(pxq_u) - gammaln(p * xu) - gammaln(q)
    log_v_xm = np.log(v + data.xm)
    total = (
        dot(data.wu, per_x)
        + data.total * q * np.log(v)
        - data.sum_log_m
        + p * dot(w, x * data.log_xm)
        - dot(w, (p * x + q) * log_v_xm)
    )
    if not gradient:
        return total
    g_p = dot(data.wu, xu * (digamma(pxq_u) - digamma(p * xu))) + dot(
        w, x * (data.log_xm - log_v_xm)
    )
    g_q = dot(data.wu, digamma(pxq_u) - digamma(q)) + data.total * np.log(v) - dot(w, log_v_xm)
    g_v = data.total * q / v - dot(w, (p * x + q) / (v + data.xm))
    return total, np.array([g_p * p, g_q * q, g_v * v])


def fit_gamma_gamma(
    frequency,
    monetary_value,
    penalizer: float = 0.0,
    *,
    initial=None,
    weights=None,
    min_repeat_customers: int = DEFAULT_MIN_REPEAT_CUSTOMERS,
    maxiter: int = DEFAULT_MAXITER,
) -> FitResult:
    """Maximum-likelihood Gamma-Gamma fit on the repeat buyers (frequency > 0) only.

    frequency and monetary_value: one value per customer, as from repeat_purchase_summary
    (monetary_value = mean value of the repeat purchases). Customers with frequency 0 are
    ignored (``customers`` in the result counts the repeat buyers used). penalizer: weight of
    penalizer * (ln p ** 2 + ln q ** 2 + ln v ** 2) added to the mean negative log-likelihood
    per repeat buyer (it shrinks towards 1, so its effect on v depends on the currency unit).
    initial: GammaGammaParams, a dict or (p, q, v). weights: optional customers per row.
    Raises ClvInputError for no customers, only one-time buyers, fewer than
    min_repeat_customers repeat buyers, NaN, or zero/negative monetary_value among repeat
    buyers (the model is for positive spend: leave such customers out or floor their value).
    """
    frequency, monetary_value = (
        np.ravel(v) for v in _frequency_and_value(frequency, monetary_value)
    )
    weights = check_weights(weights, frequency.size)
    penalizer = check_penalizer(penalizer)
    check_enough_customers(frequency, weights, min_repeat_customers, "Gamma-Gamma")
    repeat = _repeat_buyers_with_positive_spend(frequency, monetary_value, weights)
    data = _Data(frequency, monetary_value, weights)
    start = _start(initial, monetary_value[repeat], weights[repeat])
    theta, converged, message, iterations = minimize_log_params(
        _objective(data, penalizer), start, NAMES, maxiter
    )
    return _fit_result(theta, converged, message, iterations, data, weights, penalizer)


def _repeat_buyers_with_positive_spend(
    frequency: np.ndarray, monetary_value: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """The repeat buyers' mask; ClvInputError if one of them has zero or negative spend."""
    repeat = (frequency > 0) & (weights > 0)
    nonpositive = repeat & (monetary_value <= 0)
    if nonpositive.any():
        raise ClvInputError(
            f"Gamma-Gamma: monetary_value is zero or negative for "
            f"{int(np.count_nonzero(nonpositive))} of {int(np.count_nonzero(repeat))} repeat "
            "buyers (e.g. refunds exceeding purchases); the model needs positive spend: leave "
            "them out of the fit or floor their value"
        )
    return repeat


def _objective(data: _Data, penalizer: float):
    """Mean negative log-likelihood per repeat buyer plus the penalty, and its gradient."""

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = _loglik(theta, data)
        value = -total / data.total + penalizer * np.sum(theta**2)
        return value, -grad / data.total + 2 * penalizer * theta

    return objective


def _fit_result(
    theta: np.ndarray,
    converged: bool,
    message: str,
    iterations: int,
    data: _Data,
    weights: np.ndarray,
    penalizer: float,
) -> FitResult:
    """The fit's result, the message ending with how many customers it was fitted on."""
    message += (
        f"; fitted on {data.total:,.0f} repeat buyers (frequency > 0) of "
        f"{weights.sum():,.0f} customers"
    )
    with np.errstate(all="ignore"):
        log_likelihood = float(_loglik(theta, data, gradient=False))
    return FitResult(
        params=GammaGammaParams(*np.exp(theta)),
        log_likelihood=log_likelihood,
        converged=converged,
        message=message,
        iterations=iterations,
        customers=int(round(data.total)),
        penalizer=penalizer,
    )


def _start(initial, monetary_value: np.ndarray, weights: np.ndarray) -> np.ndarray:
    if initial is None:
        # p = 1, q = 3: population mean p v / (q - 1) = v / 2 matches the mean spend
        mean = dot(weights, monetary_value) / weights.sum()
        values = [1.0, 3.0, 2.0 * mean]
    elif isinstance(initial, GammaGammaParams):
        values = [initial.p, initial.q, initial.v]
    elif isinstance(initial, dict):
        values = [initial[name] for name in NAMES]
    else:
        values = list(initial)
    values = GammaGammaParams(*values)
    return np.log([values.p, values.q, values.v])


def expected_average_value(params, frequency, monetary_value) -> np.ndarray:
    """Conditional expected average purchase value, p (v + x m) / (p x + q - 1).

    For frequency 0 it is the population mean p v / (q - 1) (monetary_value is ignored there).
    A zero or negative monetary_value of a repeat buyer is used as given (it pulls the estimate
    down; the fit refuses such values). Raises ClvInputError when q <= 1 and some customer has
    p x + q <= 1: the model's mean spend is then infinite.
    """
    params = _params(params)
    x, m = _frequency_and_value(frequency, monetary_value)
    p, q, v = params.p, params.q, params.v
    denominator = p * x + q - 1
    if (denominator <= 0).any():
        raise ClvInputError(
            f"Gamma-Gamma q = {q:.4g} <= 1: the expected spend of "
            f"{int(np.count_nonzero(denominator <= 0))} customer(s) (p * frequency + q <= 1, "
            "including every customer with frequency 0) is infinite; refit with a penalizer"
        )
    return p * (v + x * m) / denominator


def simulate_gamma_gamma(params, frequency: np.ndarray, seed: int) -> np.ndarray:
    """Draw monetary_value (the mean of ``frequency`` purchase values) for each customer.

    nu ~ Gamma(q, rate v) per customer; the sum of x values ~ Gamma(p x, rate nu); 0 where
    frequency is 0 (as in repeat_purchase_summary).
    """
    params = _params(params)
    x = np.ravel(as_float_array("frequency", frequency))
    check_finite(frequency=x)
    if (x < 0).any():
        raise ClvInputError(f"frequency is negative for {int(np.count_nonzero(x < 0))} customer(s)")
    rng = np.random.default_rng(seed)
    rate = rng.gamma(params.q, 1.0 / params.v, x.size)
    total = rng.gamma(np.maximum(params.p * x, 1e-300), 1.0 / rate)
    return np.where(x > 0, total / np.maximum(x, 1.0), 0.0)
