"""B2B side of the demo business: leads, their activities, and conversions.

A lead's interest decays after creation; activities and the conversion hazard are both
proportional to it, and the hazard also scales with firmographic fit. Everything is closed form,
so ``truth.py`` gets exact conversion probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from audience.demo import world
from audience.demo.sampling import to_timestamp_us


@dataclass
class LeadBlock:
    leads: pa.Table
    activities: pa.Table
    latent: dict[str, np.ndarray]  # lead_id, created, hazard scale (base * interest * fit)


def lead_ids(first: int, n: int) -> np.ndarray:
    return np.char.add("L", np.char.zfill(np.arange(first, first + n).astype(str), 7))


def size_fit(employees: np.ndarray) -> np.ndarray:
    """Larger companies convert more often (they have the problem the product solves)."""
    return 0.5 + 0.25 * np.log10(employees)


def cumulative_hazard(scale: np.ndarray, created: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Integrated conversion hazard from creation to time t (days)."""
    decay = world.LEAD_INTEREST_DECAY_DAYS
    return scale * decay * -np.expm1(-np.maximum(t - created, 0.0) / decay)


def simulate_leads(seed: int, block: int, first_lead: int, n: int) -> LeadBlock:
    rng = np.random.default_rng([seed, 2, block])
    ids = lead_ids(first_lead, n)
    u = rng.random(n)
    growth = np.log(2.0)
    created = np.log1p(u * np.expm1(growth)) / growth * world.N_DAYS
    industry = rng.choice(len(world.INDUSTRIES), n)
    source = rng.choice(len(world.LEAD_SOURCES), n, p=[0.15, 0.25, 0.25, 0.1, 0.15, 0.1])
    employees = np.maximum(np.round(rng.lognormal(np.log(120), 1.4, n)), 1).astype(np.int64)
    interest = rng.lognormal(-0.32, 0.8, n)
    fit = (
        np.array(world.INDUSTRY_FIT)[industry]
        * np.array(world.LEAD_SOURCE_FIT)[source]
        * size_fit(employees)
    )
    scale = world.LEAD_BASE_CONVERSION_HAZARD * interest * fit

    # Conversion: invert the cumulative hazard at an exponential draw.
    draw = rng.exponential(1.0, n)
    total = scale * world.LEAD_INTEREST_DECAY_DAYS
    converts = draw < total
    with np.errstate(divide="ignore", invalid="ignore"):
        converted = np.where(
            converts,
            created - world.LEAD_INTEREST_DECAY_DAYS * np.log1p(-draw / total),
            np.inf,
        )
    converted = np.where(converted < world.N_DAYS, converted, np.inf)

    activities = _activities(rng, ids, created, interest, first_lead)
    country = np.array(world.COUNTRIES)[
        rng.choice(len(world.COUNTRIES), n, p=world.COUNTRY_WEIGHTS)
    ]
    created_at = _as_text(to_timestamp_us(rng, created, reshape_hours=False))
    converted_at = np.where(
        np.isfinite(converted),
        _as_text(to_timestamp_us(rng, np.where(np.isfinite(converted), converted, 0.0), False)),
        "",
    )
    leads = pa.table(
        {
            "lead_id": ids,
            "created_at": created_at,
            "company_name": np.char.add("Company ", np.char.lstrip(ids, "L")),
            "company_size": employees.astype(str),
            "industry": np.array(world.INDUSTRIES)[industry],
            "country": country,
            "lead_source": np.array(world.LEAD_SOURCES)[source],
            "converted_at": converted_at,
        }
    )
    latent = {"lead_id": ids, "created": created, "scale": scale, "converted": converted}
    return LeadBlock(leads, activities, latent)


def _as_text(us: np.ndarray) -> np.ndarray:
    return np.char.replace(np.datetime_as_string(us.astype("datetime64[us]"), unit="s"), "T", " ")


def _activities(rng, ids, created, interest, first_lead):
    decay = world.LEAD_INTEREST_DECAY_DAYS
    horizon = -np.expm1(-(world.N_DAYS - created) / decay)  # share of interest mass inside data
    owners, times, types = [], [], []
    for j, rate in enumerate(world.ACTIVITY_RATES):
        counts = rng.poisson(rate * interest * decay * horizon)
        owner = np.repeat(np.arange(ids.shape[0]), counts)
        u = rng.random(owner.shape[0]) * horizon[owner]
        owners.append(owner)
        times.append(created[owner] - decay * np.log1p(-u))
        types.append(np.full(owner.shape[0], j, dtype=np.int32))
    owner = np.concatenate(owners)
    t = np.minimum(np.concatenate(times), world.N_DAYS - 1e-6)
    n = owner.shape[0]
    return pa.table(
        {
            "activity_id": first_lead * 1_000 + np.arange(n, dtype=np.int64),
            "lead_id": pa.DictionaryArray.from_arrays(
                pa.array(owner.astype(np.int32)), pa.array(ids)
            ),
            "activity_at": pa.array(
                to_timestamp_us(rng, t, reshape_hours=False), pa.timestamp("us")
            ),
            "activity_type": pa.DictionaryArray.from_arrays(
                pa.array(np.concatenate(types)), pa.array(list(world.ACTIVITY_TYPES))
            ),
        }
    )
