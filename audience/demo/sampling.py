"""Vectorised point-process sampling used by the demo generator.

Times are floats in days since ``world.START``. Intensities are piecewise constant per day
(a seasonality curve) times a per-owner rate, optionally thinned by the owner's engagement.
"""

from __future__ import annotations

import numpy as np

from audience.demo import world


def poisson_times(
    rng: np.random.Generator,
    rates: np.ndarray,
    start: np.ndarray,
    end: np.ndarray | float,
    cumulative: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample an inhomogeneous Poisson process for every owner.

    Owner ``i`` has intensity ``rates[i] * season(t)`` on ``[start[i], end[i])`` where ``season``
    is the daily curve whose running sum is ``cumulative`` (length days + 1).
    Returns ``(owner_index, time)`` arrays, one entry per sampled point.
    """
    end = np.broadcast_to(np.asarray(end, dtype=float), start.shape)
    c_start = _cumulative_at(cumulative, start)
    c_end = _cumulative_at(cumulative, np.maximum(end, start))
    counts = rng.poisson(np.maximum(rates * (c_end - c_start), 0.0))
    owner = np.repeat(np.arange(start.shape[0]), counts)
    u = c_start[owner] + rng.random(owner.shape[0]) * (c_end - c_start)[owner]
    return owner, _inverse_cumulative(cumulative, u)


def engagement(t: np.ndarray, lapse_onset: np.ndarray) -> np.ndarray:
    """Engagement level in [0, 1]: 1 before the lapse onset, exponential decay after it."""
    return np.exp(-np.maximum(t - lapse_onset, 0.0) / world.LAPSE_DECAY_DAYS)


def thin_by_engagement(
    rng: np.random.Generator, owner: np.ndarray, t: np.ndarray, lapse_onset: np.ndarray
) -> np.ndarray:
    """Boolean mask keeping each point with probability equal to its owner's engagement."""
    return rng.random(t.shape[0]) < engagement(t, lapse_onset[owner])


def _cumulative_at(cumulative: np.ndarray, t: np.ndarray) -> np.ndarray:
    days = cumulative.shape[0] - 1
    t = np.clip(t, 0.0, float(days))
    day = np.minimum(np.floor(t).astype(np.int64), days - 1)
    return cumulative[day] + (t - day) * (cumulative[day + 1] - cumulative[day])


def _inverse_cumulative(cumulative: np.ndarray, u: np.ndarray) -> np.ndarray:
    day = np.clip(np.searchsorted(cumulative, u, side="right") - 1, 0, cumulative.shape[0] - 2)
    width = cumulative[day + 1] - cumulative[day]
    return day + (u - cumulative[day]) / width


def to_timestamp_us(rng: np.random.Generator, t: np.ndarray, reshape_hours: bool) -> np.ndarray:
    """Days-since-START floats to epoch microseconds.

    With ``reshape_hours`` the time of day is redrawn from the hour-of-day profile (the day is
    kept), so timestamps show a realistic daily rhythm.
    """
    day = np.floor(t)
    if reshape_hours:
        hour = rng.choice(24, size=t.shape[0], p=world.HOUR_WEIGHTS)
        frac = (hour + rng.random(t.shape[0])) / 24.0
    else:
        frac = t - day
    start_us = world.START.astype("datetime64[us]").astype(np.int64)
    seconds = np.floor((day + frac) * world.DAY_SECONDS)
    return start_us + seconds.astype(np.int64) * 1_000_000
