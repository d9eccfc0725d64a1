"""BG/NBD ("beta-geometric / negative binomial distribution") model of repeat purchasing.

Source: P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), '"Counting Your Customers" the Easy
Way: An Alternative to the Pareto/NBD Model', Marketing Science 24(2), 275-284, and the note
"Implementing the BG/NBD Model for Customer Base Analysis in Excel" (Fader, Hardie, Lee 2005).

Model: while active, a customer buys at Poisson rate lambda ~ Gamma(r, rate alpha); after each
repeat purchase they drop out with probability p ~ Beta(a, b). A customer is described by
x = frequency (repeat purchases), t_x = recency (time of the last purchase, from the first) and
T (time from the first purchase to the as-of date), all in one time unit (days or weeks).

Log-likelihood of one customer (FHL 2005, eq. 6), with B the beta function:

    L = Gamma(r + x) alpha^r / Gamma(r) * [ B(a, b + x) / B(a, b) / (alpha + T)^(r + x)
        + [x > 0] B(a + 1, b + x - 1) / B(a, b) / (alpha + t_x)^(r + x) ]

computed in log space as ln Gamma(r+x) - ln Gamma(r) + r ln alpha + ln B(a, b+x) - ln B(a, b)
- (r+x) ln(alpha+T) + log(1 + [x>0] exp(d)), d = ln a - ln(b+x-1) + (r+x) ln((alpha+T)/(alpha+t_x)).

P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x))
(FHL 2005 note, eq. 4; a customer without repeat purchase is alive by the model's convention).

Expected purchases in (T, T + t] (FHL 2005, eq. 10):

    E[Y(t) | x, t_x, T] = P(alive) * (a + b + x - 1) / (a - 1)
        * [1 - ((alpha + T) / (alpha + T + t))^(r + x) 2F1(r + x, b + x; a + b + x - 1; z)],
    z = t / (alpha + T + t).

It is evaluated after Euler's transformation 2F1(A, B; C; z) = (1 - z)^(C-A-B) 2F1(C-A, C-B; C; z),
which turns the bracket into 1 - (1 - z)^(a - 1) 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z): the
hypergeometric parameters no longer grow with x, so the series stays well conditioned for heavy
buyers. Near a = 1 (a removable singularity) it is interpolated between a = 1 -/+ 1e-4.

Fitting: see audience.clv._fitting for the objective (mean negative log-likelihood + penalizer *
sum of squared log-parameters), the optimizer and what "converged" means. Customers with identical
(frequency, recency, T) are aggregated with weights, and the log-gamma / digamma terms are
computed once per distinct frequency, so a million customers fit in about a second.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from scipy.special import digamma, expit, gammaln, hyp2f1

from audience.clv._fitting import DEFAULT_MAXITER, FitResult, dot, minimize_log_params
from audience.clv.errors import (
    DEFAULT_MIN_REPEAT_CUSTOMERS,
    ClvInputError,
    as_float_array,
    check_customers,
    check_enough_customers,
    check_finite,
    check_penalizer,
    check_positive_params,
    check_weights,
)

__all__ = [
    "BgNbdParams",
    "FitResult",
    "expected_purchases",
    "fit_bgnbd",
    "probability_alive",
    "simulate_bgnbd",
]


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters: purchase rate ~ Gamma(shape r, rate alpha), dropout ~ Beta(a, b).

    alpha is in the time unit of recency and T (alpha in weeks = alpha in days / 7).
    """

    r: float
    alpha: float
    a: float
    b: float

    def __post_init__(self) -> None:
        for field in fields(self):
            object.__setattr__(self, field.name, float(getattr(self, field.name)))
        check_positive_params("BG/NBD", r=self.r, alpha=self.alpha, a=self.a, b=self.b)


NAMES = ("r", "alpha", "a", "b")


def _params(params) -> BgNbdParams:
    params = getattr(params, "params", params)  # a FitResult works too
    if not isinstance(params, BgNbdParams):
        raise ClvInputError(f"expected BgNbdParams (or a FitResult), got {type(params).__name__}")
    return params


class _Data:
    """Customers aggregated on (frequency, recency, T), plus the distinct frequencies."""

    def __init__(self, frequency, recency, T, weights) -> None:
        frame = pd.DataFrame({"x": frequency, "tx": recency, "T": T, "w": weights})
        grouped = frame.groupby(["x", "tx", "T"], sort=False)["w"].sum().reset_index()
        grouped = grouped[grouped["w"] > 0]
        self.x = grouped["x"].to_numpy(dtype=float)
        self.tx = grouped["tx"].to_numpy(dtype=float)
        self.T = grouped["T"].to_numpy(dtype=float)
        self.w = grouped["w"].to_numpy(dtype=float)
        self.total = float(self.w.sum())
        self.xu, self.inv = np.unique(self.x, return_inverse=True)
        self.wu = np.bincount(self.inv, weights=self.w, minlength=len(self.xu))
        self.has = self.x > 0


def _loglik(log_params: np.ndarray, data: _Data, gradient: bool = True):
    """Total weighted log-likelihood and its gradient with respect to the log-parameters."""
    r, alpha, a, b = np.exp(log_params)
    xu, inv, x, tx, T, w = data.xu, data.inv, data.x, data.tx, data.T, data.w
    per_x = (
        gammaln(r + xu)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + xu)
        - gammaln(b)
        - gammaln(a + b + xu)
    )
    b_x_1 = np.where(xu > 0, b + xu - 1, 1.0)[inv]
    rx = r + x
    log_alpha_T = np.log(alpha + T)
    log_alpha_tx = np.log(alpha + tx)
    d = np.where(data.has, np.log(a) - np.log(b_x_1) + rx * (log_alpha_T - log_alpha_tx), -np.inf)
    total = dot(data.wu, per_x) + dot(w, np.logaddexp(0.0, d) - rx * log_alpha_T)
    if not gradient:
        return total
    w4 = expit(d)  # posterior share of the "dropped out after the last purchase" branch
    w4w = w * w4
    g_r = dot(data.wu, digamma(r + xu) - digamma(r) + np.log(alpha)) + dot(
        w, w4 * (log_alpha_T - log_alpha_tx) - log_alpha_T
    )
    g_alpha = data.total * r / alpha - dot(w, rx * ((1 - w4) / (alpha + T) + w4 / (alpha + tx)))
    g_a = dot(data.wu, digamma(a + b) - digamma(a + b + xu)) + w4w.sum() / a
    g_b = dot(data.wu, digamma(a + b) + digamma(b + xu) - digamma(b) - digamma(a + b + xu)) - dot(
        w4w, 1.0 / b_x_1
    )
    return total, np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])


def _start(initial, frequency: np.ndarray, T: np.ndarray, weights: np.ndarray) -> np.ndarray:
    if initial is None:
        # repeat purchases per unit of time, ignoring dropout: lambda's mean r / alpha with r = 1
        rate = dot(weights, frequency) / max(dot(weights, T), 1e-12)
        values = [1.0, 1.0 / max(rate, 1e-6), 1.0, 1.0]
    elif isinstance(initial, BgNbdParams):
        values = [initial.r, initial.alpha, initial.a, initial.b]
    elif isinstance(initial, dict):
        values = [initial[name] for name in NAMES]
    else:
        values = list(initial)
    values = BgNbdParams(*values)  # checks they are positive
    return np.log([values.r, values.alpha, values.a, values.b])


def fit_bgnbd(
    frequency,
    recency,
    T,
    penalizer: float = 0.0,
    initial=None,
    *,
    weights=None,
    min_repeat_customers: int = DEFAULT_MIN_REPEAT_CUSTOMERS,
    maxiter: int = DEFAULT_MAXITER,
) -> FitResult:
    """Maximum-likelihood BG/NBD fit.

    frequency, recency, T: one value per customer (as from repeat_purchase_summary), all in the
    same time unit. penalizer: weight of the L2 penalty on the log-parameters,
    penalizer * (ln r ** 2 + ln alpha ** 2 + ln a ** 2 + ln b ** 2), added to the mean negative
    log-likelihood per customer (0 = plain maximum likelihood; it shrinks the parameters towards
    1, so its effect on alpha depends on the time unit). initial: BgNbdParams, a dict or a
    sequence (r, alpha, a, b) to start from. weights: optional count of customers per row (for
    input already aggregated on frequency, recency, T). Raises ClvInputError for unusable data
    (none, only one-time buyers, fewer than min_repeat_customers repeat buyers, NaN, negative
    values, recency > T). Never raises because the optimizer failed: see ``converged``/``message``.
    """
    frequency, recency, T = (np.ravel(v) for v in check_customers(frequency, recency, T))
    weights = check_weights(weights, frequency.size)
    penalizer = check_penalizer(penalizer)
    check_enough_customers(frequency, weights, min_repeat_customers, "BG/NBD")
    data = _Data(frequency, recency, T, weights)
    start = _start(initial, frequency, T, weights)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = _loglik(theta, data)
        value = -total / data.total + penalizer * np.sum(theta**2)
        return value, -grad / data.total + 2 * penalizer * theta

    theta, converged, message, iterations = minimize_log_params(objective, start, NAMES, maxiter)
    with np.errstate(all="ignore"):
        log_likelihood = float(_loglik(theta, data, gradient=False))
    return FitResult(
        params=BgNbdParams(*np.exp(theta)),
        log_likelihood=log_likelihood,
        converged=converged,
        message=message,
        iterations=iterations,
        customers=int(round(data.total)),
        penalizer=penalizer,
    )


def _log_dropout_odds(params: BgNbdParams, x, tx, T) -> np.ndarray:
    """ln of a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x) for x > 0, -inf for x == 0."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    has = x > 0
    with np.errstate(all="ignore"):
        d = (
            np.log(a)
            - np.log(np.where(has, b + x - 1, 1.0))
            + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        )
    return np.where(has, d, -np.inf)


def probability_alive(params, frequency, recency, T) -> np.ndarray:
    """P(the customer is still active at T | frequency, recency, T); 1 when frequency is 0."""
    params = _params(params)
    x, tx, T = check_customers(frequency, recency, T)
    return expit(-_log_dropout_odds(params, x, tx, T))


def _purchases_if_alive_formula(r: float, alpha: float, a: float, b: float, t, x, T):
    """E[purchases in (T, T+t] | alive at T, x, T] (the bracket of FHL eq. 10 with its factor)."""
    z = t / (alpha + T + t)
    c = a + b + x - 1
    with np.errstate(all="ignore"):
        bracket = 1.0 - (1.0 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z)
        return np.where(t > 0, c / (a - 1) * bracket, 0.0)


_NEAR_ONE = 1e-4


def purchases_if_alive(params: BgNbdParams, t, x, T) -> np.ndarray:
    """Expected purchases in (T, T + t] of a customer still alive at T (it does not depend on
    recency); inputs already checked."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if abs(a - 1) >= _NEAR_ONE:
        return _purchases_if_alive_formula(r, alpha, a, b, t, x, T)
    # removable singularity at a == 1: interpolate linearly between a = 1 -/+ _NEAR_ONE
    low = _purchases_if_alive_formula(r, alpha, 1 - _NEAR_ONE, b, t, x, T)
    high = _purchases_if_alive_formula(r, alpha, 1 + _NEAR_ONE, b, t, x, T)
    return low + (a - (1 - _NEAR_ONE)) / (2 * _NEAR_ONE) * (high - low)


def expected_purchases(params, t, frequency, recency, T) -> np.ndarray:
    """Expected number of repeat purchases in the next ``t`` time units (T, T + t], given the
    customer's history (frequency, recency, T); ``t`` is a scalar or one value per customer."""
    params = _params(params)
    x, tx, T = check_customers(frequency, recency, T)
    t = as_float_array("t", t)
    check_finite(t=t)
    if (t < 0).any():
        raise ClvInputError(f"t (the horizon) must be >= 0, got {np.min(t)!r}")
    t, x, tx, T = np.broadcast_arrays(t, x, tx, T)
    alive = expit(-_log_dropout_odds(params, x, tx, T))
    return purchases_if_alive(params, t, x, T) * alive


def simulate_bgnbd(params, T: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw (frequency, recency) for customers first seen ``T`` time units before the as-of date.

    Each customer gets lambda ~ Gamma(r, rate alpha) and p ~ Beta(a, b); the repeat purchase at
    which they drop out is K ~ Geometric(p) on {1, 2, ...}; the purchases they would make in
    (0, T] if they never dropped out number N ~ Poisson(lambda T). Then frequency = min(N, K) and,
    as the purchase times are N ordered uniforms on (0, T], recency = T * Beta(x, N - x + 1) (the
    x-th order statistic). Returns frequency (int64) and recency (float64).
    """
    params = _params(params)
    T = np.ravel(as_float_array("T", T))
    check_finite(T=T)
    if (T < 0).any():
        raise ClvInputError(f"T is negative for {int(np.count_nonzero(T < 0))} customer(s)")
    rng = np.random.default_rng(seed)
    n = T.size
    rate = rng.gamma(params.r, 1.0 / params.alpha, n)
    dropout = np.clip(rng.beta(params.a, params.b, n), 1e-12, 1.0)
    would_buy = rng.poisson(rate * T)
    last = rng.geometric(dropout)
    frequency = np.minimum(would_buy, last).astype(np.int64)
    position = rng.beta(np.maximum(frequency, 1), would_buy - frequency + 1)
    recency = np.where(frequency > 0, T * position, 0.0)
    return frequency, recency
