"""The fixed world the demo business lives in: calendar, seasonality, archetypes, catalogues.

Everything here is a constant of the simulation. The generator (``generator.py``) draws customers,
leads and their histories from it; the ground truth (``truth.py``) evaluates the same formulas, so
the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The simulated history runs from START to END (inclusive). The project's default as-of date is
# the day after the last order, i.e. END + 1 day on any but the tiniest data set.
START = np.datetime64("2023-07-01")
END = np.datetime64("2025-12-31")
N_DAYS = int((END - START).astype(int)) + 1
DAY_SECONDS = 86_400

# Time constant (days) of the engagement decay that follows a customer's lapse onset: after onset,
# order and event intensities fall as exp(-(t - onset) / LAPSE_DECAY_DAYS).
LAPSE_DECAY_DAYS = 30.0

# Share of orders refunded in full (the order does not count as a purchase) and share of
# multi-line orders with one line refunded (the order still counts).
FULL_REFUND_RATE = 0.04
PARTIAL_REFUND_RATE = 0.05

PRODUCT_CATEGORIES = ("electronics", "home", "fashion", "beauty", "books", "grocery")
EVENT_TYPES = (
    "page_view",
    "product_view",
    "login",
    "feature_use",
    "content_download",
    "pricing_view",
    "email_open",
    "email_click",
)
FEATURES = tuple(f"feature_{i:02d}" for i in range(1, 13))
COUNTRIES = ("US", "GB", "DE", "FR", "NL", "ES", "CA", "AU")
COUNTRY_WEIGHTS = (0.38, 0.14, 0.12, 0.1, 0.06, 0.07, 0.08, 0.05)
CHANNELS = ("organic_search", "paid_search", "social", "referral", "email", "affiliate")
GENDERS = ("female", "male", "non_binary", "undisclosed")
GENDER_WEIGHTS = (0.49, 0.45, 0.02, 0.04)


@dataclass(frozen=True)
class Archetype:
    """A planted behavioural type. Rates are per day at full engagement."""

    name: str
    share: float
    order_rate: float  # mean Poisson order rate per day
    first_order_prob: float  # probability of an order at signup
    mean_order_value: float
    lapse_hazard: float  # per day; 1 / mean days until engagement starts to decay
    event_rates: tuple[float, ...]  # per EVENT_TYPES, events per day at full engagement
    category_mix: tuple[float, ...]  # per PRODUCT_CATEGORIES
    app_share: float  # share of events on the app rather than the web
    campaign_lift: float  # multiplier on order intensity while treated (negative: put off)
    channel_mix: tuple[float, ...]  # per CHANNELS


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype(
        name="loyal_big_spender",
        share=0.15,
        order_rate=1 / 25,
        first_order_prob=0.9,
        mean_order_value=160.0,
        lapse_hazard=1 / 1100,
        event_rates=(0.35, 0.25, 0.30, 0.06, 0.01, 0.01, 0.10, 0.02),
        category_mix=(0.45, 0.35, 0.08, 0.04, 0.04, 0.04),
        app_share=0.5,
        campaign_lift=-0.35,
        channel_mix=(0.3, 0.15, 0.05, 0.35, 0.1, 0.05),
    ),
    Archetype(
        name="deal_seeker",
        share=0.25,
        order_rate=1 / 55,
        first_order_prob=0.8,
        mean_order_value=35.0,
        lapse_hazard=1 / 420,
        event_rates=(0.20, 0.30, 0.05, 0.0, 0.0, 0.0, 0.45, 0.30),
        category_mix=(0.04, 0.06, 0.45, 0.35, 0.05, 0.05),
        app_share=0.2,
        campaign_lift=2.5,
        channel_mix=(0.15, 0.25, 0.2, 0.05, 0.25, 0.1),
    ),
    Archetype(
        name="researcher",
        share=0.2,
        order_rate=1 / 160,
        first_order_prob=0.35,
        mean_order_value=80.0,
        lapse_hazard=1 / 360,
        event_rates=(0.55, 0.15, 0.08, 0.02, 0.12, 0.10, 0.05, 0.01),
        category_mix=(0.3, 0.05, 0.04, 0.03, 0.55, 0.03),
        app_share=0.05,
        campaign_lift=1.0,
        channel_mix=(0.45, 0.2, 0.1, 0.1, 0.05, 0.1),
    ),
    Archetype(
        name="app_regular",
        share=0.2,
        order_rate=1 / 30,
        first_order_prob=0.7,
        mean_order_value=55.0,
        lapse_hazard=1 / 700,
        event_rates=(0.05, 0.10, 0.55, 0.45, 0.0, 0.0, 0.03, 0.01),
        category_mix=(0.04, 0.3, 0.03, 0.05, 0.03, 0.55),
        app_share=0.9,
        campaign_lift=0.3,
        channel_mix=(0.2, 0.1, 0.3, 0.2, 0.05, 0.15),
    ),
    Archetype(
        name="one_and_done",
        share=0.2,
        order_rate=1 / 500,
        first_order_prob=0.95,
        mean_order_value=60.0,
        lapse_hazard=1 / 45,
        event_rates=(0.10, 0.08, 0.03, 0.0, 0.0, 0.01, 0.08, 0.01),
        category_mix=(1 / 6,) * 6,
        app_share=0.3,
        campaign_lift=0.6,
        channel_mix=(0.1, 0.35, 0.25, 0.05, 0.05, 0.2),
    ),
)

# Campaigns with a randomized 50/50 treatment/control split. Exposed customers' order intensity is
# multiplied by (1 + lift) during the response window when treated.
CAMPAIGNS = (
    ("spring_sale_2025", np.datetime64("2025-03-10")),
    ("summer_newsletter_2025", np.datetime64("2025-06-09")),
    ("back_to_school_2025", np.datetime64("2025-08-25")),
)
CAMPAIGN_EXPOSURE_SHARE = 0.2
CAMPAIGN_EXPOSURE_SPREAD_DAYS = 2
RESPONSE_WINDOW_DAYS = 14

# B2B funnel.
INDUSTRIES = ("software", "retail", "finance", "healthcare", "manufacturing", "education")
INDUSTRY_FIT = (1.6, 1.2, 1.0, 0.8, 0.7, 0.5)
LEAD_SOURCES = ("webinar", "content", "paid_ads", "referral", "outbound", "event")
LEAD_SOURCE_FIT = (1.3, 1.0, 0.7, 1.8, 0.5, 1.1)
ACTIVITY_TYPES = (
    "web_visit",
    "content_download",
    "email_click",
    "webinar_attended",
    "pricing_view",
    "demo_request",
)
# Activities per day at the lead's interest level 1, just after creation.
ACTIVITY_RATES = (0.30, 0.06, 0.08, 0.02, 0.05, 0.015)
LEAD_INTEREST_DECAY_DAYS = 60.0
LEAD_BASE_CONVERSION_HAZARD = 0.006  # per day at interest 1 and fit 1, just after creation


def _seasonality() -> np.ndarray:
    """Daily multiplicative order seasonality over the simulated window, mean 1.

    Weekly: busier weekends. Yearly: a late-November / December peak and a quiet February.
    """
    days = START + np.arange(N_DAYS)
    weekday = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    weekly = np.where(weekday >= 5, 1.25, 0.9)
    day_of_year = (days - days.astype("datetime64[Y]")).astype(int)
    yearly = (
        1.0
        + 0.15 * np.cos(2 * np.pi * (day_of_year - 355) / 365.25)
        + 0.6 * np.exp(-0.5 * ((day_of_year - 333) / 12.0) ** 2)
    )
    season = weekly * yearly
    return season / season.mean()


SEASONALITY = _seasonality()
# Cumulative intensity at the start of each day (length N_DAYS + 1), for inverse-CDF sampling.
SEASONALITY_CUMULATIVE = np.concatenate([[0.0], np.cumsum(SEASONALITY)])

# Events follow the weekly rhythm of the working week (more on weekdays) but no retail peak.
_EVENT_WEEKDAY = (START + np.arange(N_DAYS)).astype("datetime64[D]").view("int64")
EVENT_SEASONALITY = np.where((_EVENT_WEEKDAY - 4) % 7 >= 5, 0.8, 1.08)
EVENT_SEASONALITY = EVENT_SEASONALITY / EVENT_SEASONALITY.mean()
EVENT_SEASONALITY_CUMULATIVE = np.concatenate([[0.0], np.cumsum(EVENT_SEASONALITY)])

# Hour-of-day profile for timestamps (shared by orders and events).
HOUR_WEIGHTS = np.array(
    [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4.5, 5, 5.5, 5, 4.5, 4.5, 4.5, 5, 5.5, 6, 6.5, 6, 4, 2]
)
HOUR_WEIGHTS = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()


def day_index(date: np.datetime64) -> int:
    """Index of a calendar date in the simulated window (START is 0)."""
    return int((np.datetime64(date, "D") - START).astype(int))
