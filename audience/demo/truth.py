"""Ground truth planted by the generator, evaluated from the same formulas that drew the data.

No dbt model reads these files; tests and validation notebooks compare the project's outputs
with them:

- customer archetypes (what clustering should recover);
- true probabilities of the snapshot labels at the cutoffs the project validates on: churn_90d and
  purchase_30d for customers, converted_30d for open leads. A probability is conditional on the
  simulation's state at the cutoff (order rate, engagement, whether the lapse has started); what
  happens after the cutoff (a new lapse, the Poisson draws) is integrated out;
- each campaign exposure's true treatment effect on the probability of responding.

Label definitions (the SQL in models/features must match them): a customer *purchases* in a
window when an order that is not refunded in full has ``ordered_at`` in ``[cutoff, cutoff +
horizon)``; a lead *converts* when ``converted_at`` falls in that window.
"""

from __future__ import annotations

import numpy as np

from audience.demo import world
from audience.demo.leads import cumulative_hazard

PURCHASE_RATE_FACTOR = 1 - world.FULL_REFUND_RATE  # fully refunded orders are not purchases
CUSTOMER_LABELS = {"churn_90d": 90, "purchase_30d": 30}
LEAD_LABELS = {"converted_30d": 30}
TRUTH_CUTOFF_MONTHS = [np.datetime64(f"2025-{m:02d}-01") for m in range(1, 13)]


def customer_truth_cutoffs(horizon: int) -> list[np.datetime64]:
    """Month starts whose label window lies inside the data and misses every campaign window.

    Campaign windows are left out because treated customers' order rates change inside them,
    which a per-customer formula of the state at the cutoff does not capture.
    """
    cutoffs = []
    for cutoff in TRUTH_CUTOFF_MONTHS:
        start = world.day_index(cutoff)
        end = start + horizon
        clear = all(
            end <= world.day_index(date)
            or start
            >= world.day_index(date)
            + world.CAMPAIGN_EXPOSURE_SPREAD_DAYS
            + world.RESPONSE_WINDOW_DAYS
            for _, date in world.CAMPAIGNS
        )
        if end <= world.N_DAYS and clear:
            cutoffs.append(cutoff)
    return cutoffs


def lead_truth_cutoffs(horizon: int) -> list[np.datetime64]:
    return [c for c in TRUTH_CUTOFF_MONTHS if world.day_index(c) + horizon <= world.N_DAYS]


def _decayed_integral(start: int, horizon: int, offset: np.ndarray) -> np.ndarray:
    """Integral of season(t) * exp(-(t - start - offset) / k) over t in [start + offset, start +
    horizon), for each offset (days), with season piecewise constant by day (closed form)."""
    k = world.LAPSE_DECAY_DAYS
    days = np.arange(start, start + horizon)
    season = world.SEASONALITY[days]
    lo = np.maximum(days[None, :], start + offset[:, None])
    hi = np.maximum(days[None, :] + 1.0, lo)
    rel = start + offset[:, None]
    part = k * (np.exp(-(lo - rel) / k) - np.exp(-(hi - rel) / k))
    return (season[None, :] * part).sum(axis=1)


def prob_no_purchase(latent: dict[str, np.ndarray], cutoff: np.datetime64, horizon: int):
    """P(no purchase in [cutoff, cutoff + horizon)) for customers who signed up before cutoff.

    Returns (customer index, probability).
    """
    t0 = world.day_index(cutoff)
    idx = np.flatnonzero(latent["signup"] < t0)
    rate = latent["order_rate"][idx] * PURCHASE_RATE_FACTOR
    onset = latent["lapse_onset"][idx]
    hazard = latent["lapse_hazard"][idx]
    cum = world.SEASONALITY_CUMULATIVE

    # Lapse already started: intensity decays from its level at the cutoff.
    decayed_from_cutoff = _decayed_integral(t0, horizon, np.array([0.0]))[0]
    level = np.exp(-np.maximum(t0 - onset, 0.0) / world.LAPSE_DECAY_DAYS)
    p_lapsed = np.exp(-rate * level * decayed_from_cutoff)

    # Lapse not started: it starts after an exponential wait (memoryless). Discretise the onset at
    # day midpoints; intensity is full before it and decays after it.
    j = np.arange(horizon)
    mid = j + 0.5
    full_before = np.interp(t0 + mid, np.arange(cum.shape[0]), cum) - cum[t0]
    integral_j = full_before + _decayed_integral(t0, horizon, mid)  # (horizon,)
    integral_never = cum[t0 + horizon] - cum[t0]
    p_onset_j = np.exp(-hazard[:, None] * j) - np.exp(-hazard[:, None] * (j + 1))
    p_no_onset = np.exp(-hazard * horizon)
    p_active = (p_onset_j * np.exp(-rate[:, None] * integral_j[None, :])).sum(axis=1) + (
        p_no_onset * np.exp(-rate * integral_never)
    )
    return idx, np.where(onset <= t0, p_lapsed, p_active)


def customer_label_truth(latent: dict[str, np.ndarray]) -> dict[str, list]:
    rows = {"entity_id": [], "label": [], "cutoff_date": [], "true_probability": []}
    for label, horizon in CUSTOMER_LABELS.items():
        for cutoff in customer_truth_cutoffs(horizon):
            idx, p_none = prob_no_purchase(latent, cutoff, horizon)
            p = p_none if label.startswith("churn") else 1.0 - p_none
            rows["entity_id"].append(latent["customer_id"][idx])
            rows["label"].append(np.full(idx.shape[0], label))
            rows["cutoff_date"].append(np.full(idx.shape[0], cutoff))
            rows["true_probability"].append(p)
    return rows


def lead_label_truth(latent: dict[str, np.ndarray]) -> dict[str, list]:
    """P(converted in [cutoff, cutoff + 30d)) for leads created before and still open at cutoff."""
    rows = {"entity_id": [], "label": [], "cutoff_date": [], "true_probability": []}
    for label, horizon in LEAD_LABELS.items():
        for cutoff in lead_truth_cutoffs(horizon):
            t0 = float(world.day_index(cutoff))
            idx = np.flatnonzero((latent["created"] < t0) & (latent["converted"] >= t0))
            created, scale = latent["created"][idx], latent["scale"][idx]
            gained = cumulative_hazard(scale, created, np.full(idx.shape, t0 + horizon))
            gained -= cumulative_hazard(scale, created, np.full(idx.shape, t0))
            rows["entity_id"].append(latent["lead_id"][idx])
            rows["label"].append(np.full(idx.shape[0], label))
            rows["cutoff_date"].append(np.full(idx.shape[0], cutoff))
            rows["true_probability"].append(-np.expm1(-gained))
    return rows


def treatment_effects(latent: dict[str, np.ndarray], exposures: dict[str, np.ndarray]):
    """True effect of treatment on P(purchase within the response window) per exposure.

    effect = P(respond | treated) - P(respond | control), both evaluated for the exposure's
    customer and time, whichever group the customer was actually randomised to.
    """
    who = exposures["customer"]
    start = exposures["time"]
    steps = 280  # midpoint rule on 0.05-day steps; season is piecewise constant by day
    width = world.RESPONSE_WINDOW_DAYS / steps
    t = start[:, None] + (np.arange(steps) + 0.5) * width
    season = world.SEASONALITY[np.minimum(t.astype(np.int64), world.N_DAYS - 1)]
    level = np.exp(
        -np.maximum(t - latent["lapse_onset"][who][:, None], 0.0) / world.LAPSE_DECAY_DAYS
    )
    base = latent["order_rate"][who] * PURCHASE_RATE_FACTOR * (season * level).sum(axis=1) * width
    p_control = -np.expm1(-base)
    p_treated = -np.expm1(-base * (1.0 + exposures["lift"]))
    return p_treated - p_control, p_control
