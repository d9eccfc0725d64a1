"""audience.clv without dbt: parameter recovery on simulated customers, the closed forms against
independent computations (quadrature, brute-force simulation), the summary, and the guards."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from scipy.special import betaln, gammaln, hyp2f1

from audience.clv import (
    BgNbdParams,
    ClvInputError,
    GammaGammaParams,
    customer_lifetime_value,
    expected_average_value,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    probability_alive,
    repeat_purchase_summary,
    simulate_bgnbd,
    simulate_gamma_gamma,
)

# Rates per day: a customer buys every 16 days on average while active (very heterogeneous) and
# drops out after a repeat purchase with probability 0.24 on average.
TRUE_BGNBD = BgNbdParams(r=0.25, alpha=4.0, a=0.8, b=2.5)
TRUE_GAMMA_GAMMA = GammaGammaParams(p=6.0, q=4.0, v=15.0)  # mean spend per purchase 30
# 600,000 customers (about 410,000 repeat buyers) first seen 1 month to 3 years before the as-of
# date. At this size the relative error's standard deviation over seeds (measured on 20 and 40
# seeds) is at most about 1.3 % (Gamma-Gamma v; BG/NBD b: 0.8 %), so the 5 % acceptance bound is
# about 4 standard deviations away; at 400,000 it was only about 3 (v: 1.75 %).
RECOVERY_CUSTOMERS = 600_000
RECOVERY_SEED = 2026


@pytest.fixture(scope="module")
def simulated() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(RECOVERY_SEED)
    T = rng.integers(30, 3 * 365, RECOVERY_CUSTOMERS, endpoint=True).astype(float)
    frequency, recency = simulate_bgnbd(TRUE_BGNBD, T, seed=RECOVERY_SEED + 1)
    monetary_value = simulate_gamma_gamma(TRUE_GAMMA_GAMMA, frequency, seed=RECOVERY_SEED + 2)
    return {"frequency": frequency, "recency": recency, "T": T, "monetary_value": monetary_value}


@pytest.fixture(scope="module")
def fitted(simulated):
    bgnbd = fit_bgnbd(simulated["frequency"], simulated["recency"], simulated["T"])
    gamma_gamma = fit_gamma_gamma(simulated["frequency"], simulated["monetary_value"])
    return bgnbd, gamma_gamma


def relative_errors(estimate, truth) -> dict[str, float]:
    return {
        name: getattr(estimate, name) / value - 1
        for name, value in dataclasses.asdict(truth).items()
    }


def test_every_parameter_is_recovered_within_five_percent(simulated, fitted):
    bgnbd, gamma_gamma = fitted
    for result, truth in ((bgnbd, TRUE_BGNBD), (gamma_gamma, TRUE_GAMMA_GAMMA)):
        assert result.converged, result.message
        assert result.message.startswith("converged")
        errors = relative_errors(result.params, truth)
        assert max(map(abs, errors.values())) < 0.05, (result.params, errors)
        assert np.isfinite(result.log_likelihood) and result.log_likelihood < 0
        assert result.penalizer == 0.0 and result.iterations > 0
    assert bgnbd.customers == RECOVERY_CUSTOMERS
    assert gamma_gamma.customers == np.count_nonzero(simulated["frequency"] > 0)
    assert f"fitted on {gamma_gamma.customers:,} repeat buyers" in gamma_gamma.message


def test_fit_is_equivariant_in_the_time_unit_and_in_aggregation(simulated):
    days = {key: values[:30_000] for key, values in simulated.items()}
    by_day = fit_bgnbd(days["frequency"], days["recency"], days["T"]).params
    by_week = fit_bgnbd(days["frequency"], days["recency"] / 7, days["T"] / 7).params
    np.testing.assert_allclose(
        [by_week.r, by_week.alpha * 7, by_week.a, by_week.b],
        [by_day.r, by_day.alpha, by_day.a, by_day.b],
        rtol=1e-4,
    )
    # rows given with weights = the same rows repeated
    x, tx, T = np.array([0, 0, 1, 2, 5, 3]), np.array([0, 0, 20, 40, 90, 10]), np.full(6, 100)
    weights = np.array([40, 10, 7, 5, 2, 3])
    weighted = fit_bgnbd(x, tx, T, weights=weights, min_repeat_customers=4)
    repeated = fit_bgnbd(*(np.repeat(v, weights) for v in (x, tx, T)), min_repeat_customers=4)
    assert weighted.customers == repeated.customers == weights.sum()
    np.testing.assert_allclose(
        dataclasses.astuple(weighted.params), dataclasses.astuple(repeated.params), rtol=1e-5
    )
    assert weighted.log_likelihood == pytest.approx(repeated.log_likelihood, rel=1e-9)


# --- closed forms against independent computations -----------------------------------------


def unconditional_purchases_by_quadrature(params: BgNbdParams, t: float) -> float:
    """E[X(t)] = E_p[(1 - (alpha / (alpha + p t))^r) / p], p ~ Beta(a, b): for a customer alive
    with rate lambda and dropout p, E[X(t)] = (1 - exp(-lambda p t)) / p; average over lambda."""

    def integrand(p: float) -> float:
        alive = (1 - (params.alpha / (params.alpha + p * t)) ** params.r) / p
        return alive * stats.beta.pdf(p, params.a, params.b)

    return integrate.quad(integrand, 0, 1, limit=200)[0]


def unconditional_purchases_closed_form(params: BgNbdParams, t: float) -> float:
    """FHL (2005) eq. 7, as printed (without the Euler transformation used by the package)."""
    r, alpha, a, b = dataclasses.astuple(params)
    return (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    )


@pytest.mark.parametrize(
    "params",
    [TRUE_BGNBD, BgNbdParams(1.3, 10.0, 1.7, 5.0), BgNbdParams(0.5, 0.6, 1.00003, 3.0)],
)
def test_expected_purchases_of_a_new_customer_is_the_unconditional_expectation(params):
    for t in (0.5, 7.0, 90.0, 1000.0):
        got = expected_purchases(params, t, 0, 0, 0)
        assert got == pytest.approx(unconditional_purchases_by_quadrature(params, t), rel=1e-7)
        if abs(params.a - 1) > 1e-3:
            assert got == pytest.approx(unconditional_purchases_closed_form(params, t), rel=1e-9)
    # for a short horizon nobody has dropped out yet: E[X(t)] ~ t * E[lambda] = t r / alpha
    tiny = 1e-4
    assert expected_purchases(params, tiny, 0, 0, 0) == pytest.approx(
        tiny * params.r / params.alpha, rel=1e-3
    )
    assert expected_purchases(params, 0.0, 0, 0, 0) == 0.0


def test_conditional_expectation_matches_quadrature_over_the_posterior():
    """Given alive at T: lambda ~ Gamma(r + x, alpha + T), p ~ Beta(a, b + x)."""
    params = TRUE_BGNBD
    r, alpha, a, b = dataclasses.astuple(params)
    for x, tx, T, t in [(1, 30, 200, 90), (7, 350, 365, 30), (60, 700, 730, 365), (300, 1, 2, 50)]:

        def integrand(p, x=x, T=T, t=t):
            alive = (1 - ((alpha + T) / (alpha + T + p * t)) ** (r + x)) / p
            return alive * stats.beta.pdf(p, a, b + x)

        if_alive = integrate.quad(integrand, 0, 1, limit=200, epsabs=0, epsrel=1e-10)[0]
        odds = a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x)
        expected = if_alive / (1 + odds)
        assert expected_purchases(params, t, x, tx, T) == pytest.approx(expected, rel=1e-7)
        assert probability_alive(params, x, tx, T) == pytest.approx(1 / (1 + odds), rel=1e-12)


def test_probability_alive_conventions_and_monotonicity():
    params = TRUE_BGNBD
    T = np.arange(1.0, 1000.0, 7.0)
    assert np.all(probability_alive(params, np.zeros_like(T), 0, T) == 1.0)
    # the longer since the last purchase, the less likely alive...
    since_last = probability_alive(params, 3, 50.0, T[T >= 50])
    assert np.all(np.diff(since_last) < 0) and np.all((since_last > 0) & (since_last < 1))
    # ...the more recent the last purchase, the more likely alive...
    recency = np.linspace(1.0, 400.0, 50)
    assert np.all(np.diff(probability_alive(params, 3, recency, 400.0)) > 0)
    # ...and buying often but not lately is a worse sign than buying rarely
    assert probability_alive(params, 20, 100.0, 400.0) < probability_alive(params, 2, 100.0, 400.0)
    # expected purchases grow with the horizon and with the frequency of a recent buyer
    horizons = np.array([1.0, 10.0, 100.0, 1000.0])
    assert np.all(np.diff(expected_purchases(params, horizons, 3, 390.0, 400.0)) > 0)
    by_frequency = expected_purchases(params, 90.0, np.arange(1, 30), 399.0, 400.0)
    assert np.all(np.diff(by_frequency) > 0)


def brute_force_customers(params: BgNbdParams, T: np.ndarray, horizon: float, seed: int):
    """Purchase by purchase: exponential gaps at rate lambda, a coin with probability p after
    every repeat purchase. Returns frequency, recency (up to T), whether alive at T, and the
    purchases made in (T, T + horizon]."""
    rng = np.random.default_rng(seed)
    n = T.size
    rate = np.maximum(rng.gamma(params.r, 1 / params.alpha, n), 1e-300)
    dropout = rng.beta(params.a, params.b, n)
    now, last, dead_at = np.zeros(n), np.zeros(n), np.full(n, np.inf)
    frequency, future = np.zeros(n, dtype=int), np.zeros(n, dtype=int)
    active = np.arange(n)
    while active.size:
        now[active] += rng.exponential(1 / rate[active])
        active = active[now[active] <= T[active] + horizon]
        before = now[active] <= T[active]
        frequency[active[before]] += 1
        last[active[before]] = now[active[before]]
        future[active[~before]] += 1
        drops = rng.random(active.size) < dropout[active]
        dead_at[active[drops]] = now[active[drops]]
        active = active[~drops]
    return frequency, last, dead_at > T, future


def test_predictions_match_a_brute_force_simulation_on_average():
    """Among customers selected by their history, the mean predicted P(alive) and purchases
    equal the realized share alive and mean purchases (the conditional expectations' defining
    property), within 4 standard errors."""
    horizon = 180.0
    T = np.random.default_rng(1).integers(30, 730, 150_000, endpoint=True).astype(float)
    frequency, recency, alive, future = brute_force_customers(TRUE_BGNBD, T, horizon, seed=2)
    # the fast simulator draws the same distribution
    fast_frequency, _ = simulate_bgnbd(TRUE_BGNBD, T, seed=3)
    spread = np.sqrt((frequency.var() + fast_frequency.var()) / T.size)
    assert abs(frequency.mean() - fast_frequency.mean()) < 4 * spread
    p_alive = probability_alive(TRUE_BGNBD, frequency, recency, T)
    purchases = expected_purchases(TRUE_BGNBD, horizon, frequency, recency, T)
    groups = {
        "one-time buyers": frequency == 0,
        "one repeat": frequency == 1,
        "frequent, recent": (frequency >= 5) & (recency > 0.9 * T),
        "frequent, lapsed": (frequency >= 5) & (recency < 0.5 * T),
    }
    for name, rows in groups.items():
        assert rows.sum() > 1_000, name
        for predicted, realized in ((p_alive, alive), (purchases, future)):
            difference = predicted[rows] - realized[rows]
            standard_error = difference.std() / np.sqrt(rows.sum())
            assert abs(difference.mean()) <= 4 * standard_error, (name, difference.mean())


@pytest.mark.parametrize("x, tx, T", [(2, 100.0, 300.0), (10, 350.0, 365.0), (4, 50.0, 400.0)])
def test_one_customer_against_monte_carlo_over_the_posterior(x, tx, T):
    """Draw (lambda, p) from the prior, weight each draw by the individual-level likelihood of
    the customer's history (FHL 2005 eq. 3), then simulate its next 90 days purchase by purchase
    (dropout after each purchase) when it is still alive at T."""
    params, horizon, draws = TRUE_BGNBD, 90.0, 400_000
    rng = np.random.default_rng(x)
    rate = rng.gamma(params.r, 1 / params.alpha, draws)
    dropout = rng.beta(params.a, params.b, draws)
    log_alive = x * np.log1p(-dropout) + x * np.log(rate) - rate * T
    log_dead = np.log(dropout) + (x - 1) * np.log1p(-dropout) + x * np.log(rate) - rate * tx
    log_weight = np.logaddexp(log_alive, log_dead)
    weight = np.exp(log_weight - log_weight.max())
    alive = np.exp(log_alive - log_weight)  # P(alive at T | lambda, p, history)
    future = np.minimum(rng.poisson(rate * horizon), rng.geometric(dropout))
    assert weight.sum() ** 2 / np.sum(weight**2) > 1_000  # effective sample size
    for predicted, value in (
        (probability_alive(params, x, tx, T), alive),
        (expected_purchases(params, horizon, x, tx, T), alive * future),
    ):
        estimate = np.sum(weight * value) / weight.sum()
        standard_error = np.sqrt(np.sum((weight * (value - estimate)) ** 2)) / weight.sum()
        assert abs(predicted - estimate) < 4 * standard_error + 1e-9, (predicted, estimate)


def test_expected_average_value_against_simulated_customers():
    params = TRUE_GAMMA_GAMMA
    assert expected_average_value(params, 0, 123.0) == pytest.approx(
        params.p * params.v / (params.q - 1)
    )
    assert expected_average_value(params, 10_000_000, 42.0) == pytest.approx(42.0, rel=1e-5)
    # the estimate of a customer's mean spend is what those customers' true mean spend is, on
    # average: p / nu, nu ~ Gamma(q, v)
    rng = np.random.default_rng(5)
    frequency = rng.integers(1, 6, 200_000)
    nu = rng.gamma(params.q, 1 / params.v, frequency.size)
    monetary_value = rng.gamma(params.p * frequency, 1 / nu) / frequency
    predicted = expected_average_value(params, frequency, monetary_value)
    low = np.minimum(monetary_value, params.p * params.v / (params.q - 1))
    high = np.maximum(monetary_value, params.p * params.v / (params.q - 1))
    assert np.all((predicted >= low - 1e-9) & (predicted <= high + 1e-9))
    for x in range(1, 6):
        difference = predicted[frequency == x] - params.p / nu[frequency == x]
        assert abs(difference.mean()) < 4 * difference.std() / np.sqrt(difference.size), x


def test_customer_lifetime_value_conventions():
    bgnbd, gamma_gamma = TRUE_BGNBD, TRUE_GAMMA_GAMMA
    x, tx, T, m = np.array([0, 3, 3, 12]), np.array([0, 200, 20, 360]), 365.0, [0, 25, 25, 60]
    value = expected_average_value(gamma_gamma, x, m)
    one_year = expected_purchases(bgnbd, 365.0, x, tx, T)
    undiscounted = customer_lifetime_value(bgnbd, gamma_gamma, x, tx, T, m, 365, 0.0)
    np.testing.assert_allclose(undiscounted, one_year * value, rtol=1e-12)
    # one step discounts everything from its end: a full year at 10 %
    single = customer_lifetime_value(bgnbd, gamma_gamma, x, tx, T, m, 365.25, 0.1, step=365.25)
    np.testing.assert_allclose(
        single, expected_purchases(bgnbd, 365.25, x, tx, T) * value / 1.1, rtol=1e-12
    )
    monthly = customer_lifetime_value(bgnbd, gamma_gamma, x, tx, T, m, 365.25, 0.1)
    daily = customer_lifetime_value(bgnbd, gamma_gamma, x, tx, T, m, 365.25, 0.1, step=1)
    assert np.all((single < monthly) & (monthly < daily) & (daily < undiscounted * 1.0001))
    # the same customers and model in weeks give the same value
    weekly_model = dataclasses.replace(bgnbd, alpha=bgnbd.alpha / 7)
    in_weeks = customer_lifetime_value(
        weekly_model, gamma_gamma, x, tx / 7, T / 7, m, 52, 0.1, time_unit="weeks", step=4
    )
    in_days = customer_lifetime_value(bgnbd, gamma_gamma, x, tx, T, m, 364, 0.1, step=28)
    np.testing.assert_allclose(in_weeks, in_days, rtol=1e-9)
    assert np.all(customer_lifetime_value(bgnbd, gamma_gamma, x, tx, T, m, 90, 0.1) > 0)


# --- the summary -------------------------------------------------------------------------------


def orders_frame() -> pd.DataFrame:
    rows = [
        ("a", "2025-01-01 09:00", 10.0),
        ("a", "2025-01-01 18:00", 5.0),  # same day: one purchase of 15
        ("a", "2025-01-15 10:00", 20.0),
        ("a", "2025-02-12 23:59", 40.0),
        ("a", "2025-03-01 00:00", 99.0),  # on the as-of date: excluded
        ("b", "2025-02-28 12:00", 7.0),
        ("c", "2025-03-05 08:00", 3.0),  # only after the as-of date: absent
        ("d", "2025-01-05 00:00", 1.0),
        ("d", "2025-01-12 00:00", -4.0),  # a net refund day is kept as is
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    return frame.assign(ordered_at=pd.to_datetime(frame["ordered_at"]))


def test_summary_collapses_days_and_counts_in_days_and_weeks():
    summary = repeat_purchase_summary(orders_frame(), "2025-03-01")
    assert list(summary.columns) == [
        "customer_id",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "first_purchase_date",
    ]
    expected = pd.DataFrame(
        {
            "customer_id": ["a", "b", "d"],
            "frequency": np.array([2, 0, 1], dtype=np.int64),
            "recency": [42.0, 0.0, 7.0],
            # T runs to the last observed day, 2025-02-28 (the day before the as-of date)
            "T": [58.0, 0.0, 54.0],
            "monetary_value": [30.0, 0.0, -4.0],
            "first_purchase_date": [
                pd.Timestamp(day).date() for day in ("2025-01-01", "2025-02-28", "2025-01-05")
            ],
        }
    )
    pd.testing.assert_frame_equal(summary, expected, check_dtype=False)
    assert summary["frequency"].dtype == np.int64
    weeks = repeat_purchase_summary(orders_frame(), pd.Timestamp("2025-03-01"), time_unit="weeks")
    np.testing.assert_allclose(weeks["recency"], expected["recency"] / 7)
    np.testing.assert_allclose(weeks["T"], expected["T"] / 7)
    np.testing.assert_array_equal(weeks["frequency"], expected["frequency"])
    # an earlier as-of date sees less
    early = repeat_purchase_summary(orders_frame(), "2025-01-15")
    assert early["customer_id"].tolist() == ["a", "d"]
    assert early["frequency"].tolist() == [0, 1] and early["T"].tolist() == [13.0, 9.0]
    empty = repeat_purchase_summary(orders_frame(), "2024-12-31")
    assert empty.empty and list(empty.columns) == list(summary.columns)


def test_summary_uses_the_orders_time_zone_for_calendar_days():
    orders = (
        orders_frame()
        .iloc[:2]
        .assign(
            ordered_at=pd.to_datetime(["2025-01-01 23:30", "2025-01-02 00:30"]).tz_localize(
                "Europe/Berlin"
            )
        )
    )
    summary = repeat_purchase_summary(orders, "2025-01-10")
    assert summary["frequency"].tolist() == [1] and summary["T"].tolist() == [8.0]
    in_utc = orders.assign(ordered_at=orders["ordered_at"].dt.tz_convert("UTC"))
    assert repeat_purchase_summary(in_utc, "2025-01-10")["frequency"].tolist() == [0]


def test_summary_feeds_the_fits(simulated):
    """Summary -> fits end to end on orders drawn from known purchase days."""
    rng = np.random.default_rng(11)
    rows = []
    for customer in range(300):
        days = np.unique(rng.integers(0, 200, rng.integers(1, 8)))
        rows += [(f"C{customer:04d}", day, float(rng.integers(5, 50))) for day in days]
    orders = pd.DataFrame(rows, columns=["customer_id", "day", "amount"])
    orders["ordered_at"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(orders["day"], unit="D")
    summary = repeat_purchase_summary(orders, "2025-08-01")
    bgnbd = fit_bgnbd(summary["frequency"], summary["recency"], summary["T"], penalizer=0.01)
    gamma_gamma = fit_gamma_gamma(summary["frequency"], summary["monetary_value"])
    assert bgnbd.converged and gamma_gamma.converged, (bgnbd.message, gamma_gamma.message)
    clv = customer_lifetime_value(
        bgnbd,
        gamma_gamma,
        summary["frequency"],
        summary["recency"],
        summary["T"],
        summary["monetary_value"],
        horizon=365,
        discount_rate=0.1,
    )
    assert clv.shape == (len(summary),) and np.all(np.isfinite(clv) & (clv >= 0))


# --- guards and honest convergence ---------------------------------------------------------------


def test_summary_rejects_a_bad_unit_or_missing_columns():
    with pytest.raises(ClvInputError, match="time_unit must be one of 'days', 'weeks'"):
        repeat_purchase_summary(orders_frame(), "2025-03-01", time_unit="months")
    with pytest.raises(ClvInputError, match="missing column.*amount"):
        repeat_purchase_summary(orders_frame().drop(columns="amount"), "2025-03-01")
    with_null = orders_frame().assign(ordered_at=lambda f: f["ordered_at"].where(f.index != 3))
    with pytest.raises(ClvInputError, match=r"ordered_at is null \(or NaN\) in 1 of 9 rows"):
        repeat_purchase_summary(with_null, "2025-03-01")
    assert issubclass(ClvInputError, ValueError)


def test_guards_name_the_problem_and_the_counts():
    x, tx, T = np.array([0, 0, 0]), np.zeros(3), np.array([10.0, 20.0, 30.0])
    with pytest.raises(ClvInputError, match="no customers"):
        fit_bgnbd([], [], [])
    with pytest.raises(ClvInputError, match="all 3 customers are one-time buyers"):
        fit_bgnbd(x, tx, T)
    with pytest.raises(ClvInputError, match="all 3 customers are one-time buyers"):
        fit_gamma_gamma(x, np.zeros(3))
    with pytest.raises(ClvInputError, match="only 1 repeat customer.*at least 10"):
        fit_bgnbd([1, 0, 0], [5.0, 0, 0], T)
    with pytest.raises(ClvInputError, match=r"recency > T for 1 customer"):
        fit_bgnbd([1, 2, 3], [5.0, 15.0, 31.0], T, min_repeat_customers=1)
    with pytest.raises(ClvInputError, match=r"recency > T for 1 customer"):
        probability_alive(TRUE_BGNBD, [1, 2], [5.0, 25.0], [10.0, 20.0])
    with pytest.raises(ClvInputError, match="T has 1 missing"):
        expected_purchases(TRUE_BGNBD, 30, [1, 2], [5.0, 5.0], [10.0, np.nan])
    with pytest.raises(ClvInputError, match="different lengths"):
        fit_bgnbd([1, 2], [5.0, 5.0, 1.0], T)
    frequency, spend = np.array([1, 2, 3, 4, 0]), np.array([10.0, -5.0, 0.0, 8.0, 0.0])
    with pytest.raises(ClvInputError, match="zero or negative for 2 of 4 repeat buyers"):
        fit_gamma_gamma(frequency, spend, min_repeat_customers=1)
    with pytest.raises(ClvInputError, match="monetary_value \\(of repeat buyers\\) has 1 missing"):
        fit_gamma_gamma(frequency, [10.0, np.nan, 3.0, 8.0, np.nan], min_repeat_customers=1)
    with pytest.raises(ClvInputError, match="q = 0.9 <= 1"):
        expected_average_value(GammaGammaParams(2.0, 0.9, 10.0), [0, 3], [0.0, 10.0])
    with pytest.raises(ClvInputError, match="must be positive and finite: a=-1"):
        BgNbdParams(1.0, 1.0, -1.0, 1.0)
    with pytest.raises(ClvInputError, match="discount_rate"):
        customer_lifetime_value(TRUE_BGNBD, TRUE_GAMMA_GAMMA, x, tx, T, x, 30, -2)
    # prediction on no customers is no error
    assert probability_alive(TRUE_BGNBD, [], [], []).shape == (0,)


def test_failure_to_converge_is_reported(simulated):
    few = {key: values[:5_000] for key, values in simulated.items()}
    stopped = fit_bgnbd(few["frequency"], few["recency"], few["T"], maxiter=2)
    assert not stopped.converged
    assert stopped.message.startswith("NOT converged") and "ITERATIONS" in stopped.message
    stopped = fit_gamma_gamma(few["frequency"], few["monetary_value"], maxiter=2)
    assert not stopped.converged and stopped.message.startswith("NOT converged")
    # customers who are all still buying at the as-of date: the likelihood grows without bound
    # as dropout goes to 0; a penalizer gives a finite estimate
    rng = np.random.default_rng(0)
    T = rng.integers(100, 400, 2_000).astype(float)
    frequency = rng.poisson(T / 20).astype(float)
    recency = np.where(frequency > 0, T, 0.0)
    unbounded = fit_bgnbd(frequency, recency, T)
    assert not unbounded.converged and "on the bound" in unbounded.message
    penalized = fit_bgnbd(frequency, recency, T, penalizer=0.1)
    assert penalized.converged and penalized.penalizer == 0.1, penalized.message


def _bgnbd_log_likelihood(params, x, t_x, T) -> float:
    """FHL (2005) eq. 6, written here from the paper (not the package's code):
    L = B(a, b + x) / B(a, b) * G(r + x) alpha^r / (G(r) (alpha + T)^(r + x))
        + [x > 0] B(a + 1, b + x - 1) / B(a, b) * G(r + x) alpha^r
          / (G(r) (alpha + t_x)^(r + x))."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    alive = betaln(a, b + x) - betaln(a, b) + common - (r + x) * np.log(alpha + T)
    dropped = np.where(
        x > 0,
        betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - betaln(a, b) + common
        - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )  # fmt: skip
    return float(np.logaddexp(alive, dropped).sum())


def _gamma_gamma_log_likelihood(params, x, m) -> float:
    """Fader, Hardie and Lee (2005, "RFM and CLV"), the density of a repeat buyer's mean spend:
    G(px + q) / (G(px) G(q)) * v^q * m^(px - 1) * x^(px) / (v + m x)^(px + q)."""
    p, q, v = params.p, params.q, params.v
    keep = x > 0
    x, m = x[keep], m[keep]
    return float(
        (
            gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v)
            + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(v + m * x)
        ).sum()
    )  # fmt: skip


def test_reported_log_likelihoods_equal_the_published_formulas(simulated):
    part = {key: values[:40_000] for key, values in simulated.items()}
    bgnbd = fit_bgnbd(part["frequency"], part["recency"], part["T"])
    gamma_gamma = fit_gamma_gamma(part["frequency"], part["monetary_value"])
    expected = _bgnbd_log_likelihood(bgnbd.params, part["frequency"], part["recency"], part["T"])
    assert bgnbd.log_likelihood == pytest.approx(expected, rel=1e-10)
    expected = _gamma_gamma_log_likelihood(
        gamma_gamma.params, part["frequency"], part["monetary_value"]
    )
    assert gamma_gamma.log_likelihood == pytest.approx(expected, rel=1e-10)


def test_simulators_match_the_models_closed_form_moments():
    """The recovery test is only as good as its simulators: at fixed T the simulated share of
    customers without a repeat purchase, and their mean number of repeat purchases, equal the
    BG/NBD closed forms P(X(T) = 0) = (alpha / (alpha + T))^r and FHL eq. 9 for E[X(T)]; the
    mean spend of repeat buyers equals E[p / nu] = p v / (q - 1). Each is checked within 5
    standard errors of the simulated mean (a false alarm about once in 3.5 million runs)."""
    n, T = 400_000, 365.0
    frequency, _ = simulate_bgnbd(TRUE_BGNBD, np.full(n, T), seed=11)
    r, alpha, a, b = dataclasses.astuple(TRUE_BGNBD)
    zero_share = (alpha / (alpha + T)) ** r
    observed = np.mean(frequency == 0)
    assert abs(observed - zero_share) < 5 * np.sqrt(zero_share * (1 - zero_share) / n)
    mean = (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + T)) ** r * hyp2f1(r, b, a + b - 1, T / (alpha + T)))
    )
    assert abs(frequency.mean() - mean) < 5 * frequency.std() / np.sqrt(n)
    x = np.maximum(frequency[frequency > 0][:200_000], 1)
    spend = simulate_gamma_gamma(TRUE_GAMMA_GAMMA, x, seed=12)
    p, q, v = dataclasses.astuple(TRUE_GAMMA_GAMMA)
    assert abs(spend.mean() - p * v / (q - 1)) < 5 * spend.std() / np.sqrt(spend.size)


def test_repeat_buyers_who_only_got_free_repeats_are_left_out_of_the_spend_fit():
    """Gamma-Gamma models positive spend: repeat buyers whose repeat purchases were all free are
    left out of its fit (the same parameters as a fit without them), with a note saying how many,
    while BG/NBD counts them; they are still scored, with a finite expected order value."""
    from audience.clv.pipeline import ClvSettings, fit_state, fits

    start = pd.Timestamp("2025-01-01")
    rng = np.random.default_rng(12)
    rows = []
    for customer in range(120):
        days = np.sort(rng.choice(np.arange(0, 300), size=int(rng.integers(2, 6)), replace=False))
        spend = float(rng.gamma(3.0, 20.0))
        for day in days:
            amount = round(spend * float(rng.gamma(6.0, 1 / 6.0)), 2)
            rows.append((f"P{customer:03d}", start + pd.Timedelta(days=int(day)), amount))
    paying = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    free_rows = []
    for customer in range(7):  # a first purchase paid for, then only free ones
        for day, amount in ((10, 25.0), (40 + customer, 0.0), (90 + customer, 0.0)):
            free_rows.append((f"F{customer:03d}", start + pd.Timedelta(days=day), amount))
    free = pd.DataFrame(free_rows, columns=["customer_id", "ordered_at", "amount"])
    settings, as_of = ClvSettings(), pd.Timestamp("2025-11-01")
    quiet = {"log": lambda _: None}
    both = fit_state(pd.concat([paying, free], ignore_index=True), as_of, settings, **quiet)
    alone = fit_state(paying, as_of, settings, **quiet)

    def row(state, model):
        fitted = fits(state)
        return fitted[(fitted["fit_period"] == "current") & (fitted["model"] == model)].iloc[0]

    spend, spend_alone = row(both, "gamma_gamma"), row(alone, "gamma_gamma")
    assert spend["converged"] and spend_alone["converged"]
    assert spend["fitted_customers"] == spend_alone["fitted_customers"] == 120
    assert "7 repeat buyer(s) with only free repeat purchases left out" in spend["message"]
    for name in ("p", "q", "v"):
        assert spend[name] == pytest.approx(spend_alone[name], rel=1e-9), name
    assert row(both, "bgnbd")["fitted_customers"] == 127  # counted as purchases
    # scored with the model's expected value for a mean spend of 0: finite, below the mean spend
    params = GammaGammaParams(*(float(spend[name]) for name in ("p", "q", "v")))
    value = expected_average_value(params, np.array([2]), np.array([0.0]))[0]
    population_mean = params.p * params.v / (params.q - 1)
    assert np.isfinite(value) and 0 < value < population_mean
