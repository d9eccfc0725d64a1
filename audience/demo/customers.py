"""B2C side of the demo business: customers, order lines, events and campaign exposures.

One call simulates one block of customers with its own seeded random stream, so the data set is
the same whatever order blocks are written in. Latent parameters (archetype, order rate, lapse
onset, campaign lift) are returned beside the raw tables for ``truth.py``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from audience.demo import world
from audience.demo.sampling import poisson_times, thin_by_engagement, to_timestamp_us

# Calibrated so that 1M customers give about 20M order lines and 50M events.
ORDER_RATE_SCALE = 1.5
EVENT_RATE_SCALE = 0.2
MEAN_EXTRA_LINES = 1.4  # lines per order = 1 + Poisson(MEAN_EXTRA_LINES)
SIGNUP_GROWTH = np.log(2.5)  # signups per day grow 2.5x over the window
# Marketing consent: about 85% gave it, 10% refused, 5% unknown (an empty value).
CONSENT_SHARES = (0.85, 0.10)
# Phones: about 60% of customers give one, in the forms a CRM exports (see demo_phones).
PHONE_SHARE = 0.6
CALLING_CODES = {
    "US": "1",
    "GB": "44",
    "DE": "49",
    "FR": "33",
    "NL": "31",
    "ES": "34",
    "CA": "1",
    "AU": "61",
}


@dataclass
class CustomerBlock:
    """Raw tables and latent state of one block of customers."""

    customers: pa.Table
    order_lines: pa.Table
    events: pa.Table
    exposures: pa.Table
    latent: dict[str, np.ndarray]  # per customer: id, archetype, signup, order_rate, lapse_onset
    exposure_latent: dict[str, np.ndarray]  # per exposure: customer index, time, lift, treated


def customer_ids(first: int, n: int) -> np.ndarray:
    return np.char.add("C", np.char.zfill(np.arange(first, first + n).astype(str), 7))


def simulate_block(seed: int, block: int, first_customer: int, n: int) -> CustomerBlock:
    rng = np.random.default_rng([seed, 1, block])
    ids = customer_ids(first_customer, n)
    arche = world.ARCHETYPES
    kind = rng.choice(len(arche), size=n, p=[a.share for a in arche])

    # Signup times: density grows exponentially over the window.
    u = rng.random(n)
    signup = np.log1p(u * np.expm1(SIGNUP_GROWTH)) / SIGNUP_GROWTH * world.N_DAYS

    def per_kind(attr: str) -> np.ndarray:
        return np.array([getattr(a, attr) for a in arche])[kind]

    order_rate = ORDER_RATE_SCALE * per_kind("order_rate") * rng.gamma(4.0, 0.25, n)
    lapse_onset = signup + rng.exponential(1.0 / per_kind("lapse_hazard"))
    order_value = per_kind("mean_order_value") * rng.lognormal(-0.125, 0.5, n)
    # Engagement with the site tracks appetite for buying, so order rates can be read off events.
    relative_rate = order_rate / (ORDER_RATE_SCALE * per_kind("order_rate"))
    engagement_level = EVENT_RATE_SCALE * relative_rate**0.6 * rng.lognormal(-0.02, 0.2, n)
    category_pref = np.vstack(
        [rng.dirichlet(np.array(arche[k].category_mix) * 30 + 0.05) for k in kind]
    )

    exposures, exposure_latent = _campaign_exposures(rng, ids, kind, signup)
    orders = _orders(
        rng, n, signup, order_rate, lapse_onset, per_kind("first_order_prob"), exposure_latent
    )
    order_lines = _order_lines(rng, ids, orders, order_value, category_pref, first_customer, signup)
    events = _events(rng, ids, kind, signup, lapse_onset, engagement_level, first_customer)
    customers = _customer_table(rng, ids, kind, signup)
    latent = {
        "customer_id": ids,
        "archetype": kind,
        "signup": signup,
        "order_rate": order_rate,
        "lapse_onset": lapse_onset,
        "lapse_hazard": per_kind("lapse_hazard"),
    }
    return CustomerBlock(customers, order_lines, events, exposures, latent, exposure_latent)


def _campaign_exposures(rng, ids, kind, signup):
    latent = {"customer": [], "time": [], "lift": [], "treated": [], "campaign": []}
    for campaign_id, date in world.CAMPAIGNS:
        day = world.day_index(date)
        eligible = np.flatnonzero(signup < day)
        exposed = eligible[rng.random(eligible.shape[0]) < world.CAMPAIGN_EXPOSURE_SHARE]
        treated = rng.random(exposed.shape[0]) < 0.5
        t = day + rng.random(exposed.shape[0]) * world.CAMPAIGN_EXPOSURE_SPREAD_DAYS
        base_lift = np.array([a.campaign_lift for a in world.ARCHETYPES])[kind[exposed]]
        # Heterogeneous within an archetype too: the archetype's lift times a lognormal draw.
        lift = np.maximum(base_lift * rng.lognormal(-0.045, 0.3, exposed.shape[0]), -1.0)
        latent["customer"].append(exposed)
        latent["time"].append(t)
        latent["lift"].append(lift)
        latent["treated"].append(treated)
        latent["campaign"].append(np.full(exposed.shape[0], campaign_id))
    latent = {k: np.concatenate(v) for k, v in latent.items()}
    n = latent["customer"].shape[0]
    exposure_ids = np.char.add(
        np.char.add(latent["campaign"].astype(str), "-"), ids[latent["customer"]]
    )
    table = pa.table(
        {
            "exposure_id": exposure_ids,
            "campaign_id": latent["campaign"],
            "customer_id": ids[latent["customer"]],
            "exposed_at": pa.array(
                to_timestamp_us(rng, latent["time"], reshape_hours=False), pa.timestamp("us")
            ),
            "treatment_group": np.where(latent["treated"], "treatment", "control"),
            "channel": rng.choice(["email", "push", "sms"], size=n, p=[0.6, 0.3, 0.1]),
        }
    )
    latent["exposure_id"] = exposure_ids
    return table, latent


def _orders(rng, n, signup, order_rate, lapse_onset, first_order_prob, exposures):
    """Order times (days) and owners. Campaign lift applies to treated exposures' windows."""
    end = float(world.N_DAYS)
    owner, t = poisson_times(rng, order_rate, signup, end, world.SEASONALITY_CUMULATIVE)
    keep = thin_by_engagement(rng, owner, t, lapse_onset)
    owner, t = owner[keep], t[keep]

    # Campaign effect. Positive lift: extra orders at rate lift * base in the window.
    # Negative lift: orders in the window dropped with probability -lift.
    treated = exposures["treated"]
    x_owner = exposures["customer"][treated]
    x_time = exposures["time"][treated]
    x_lift = exposures["lift"][treated]
    window = world.RESPONSE_WINDOW_DAYS
    up = x_lift > 0
    e_owner, e_t = poisson_times(
        rng,
        order_rate[x_owner[up]] * x_lift[up],
        x_time[up],
        x_time[up] + window,
        world.SEASONALITY_CUMULATIVE,
    )
    e_owner = x_owner[up][e_owner]
    keep = thin_by_engagement(rng, e_owner, e_t, lapse_onset)
    drop = np.zeros(t.shape[0], dtype=bool)
    for campaign_id, _ in world.CAMPAIGNS:
        # Each customer has at most one exposure per campaign: index windows by owner.
        mine = (exposures["campaign"][treated] == campaign_id) & ~up
        start_of = np.full(n, np.inf)
        lift_of = np.zeros(n)
        start_of[x_owner[mine]] = x_time[mine]
        lift_of[x_owner[mine]] = x_lift[mine]
        in_window = (t >= start_of[owner]) & (t < start_of[owner] + window)
        drop |= in_window & (rng.random(t.shape[0]) < -lift_of[owner])
    owner = np.concatenate([owner[~drop], e_owner[keep]])
    t = np.concatenate([t[~drop], e_t[keep]])

    # A first order at signup for most customers (not part of the Poisson process).
    first = rng.random(n) < first_order_prob
    owner = np.concatenate([np.flatnonzero(first), owner])
    # (kept inside the simulated window, so no order falls after END)
    first_at = np.minimum(signup[first] + rng.random(first.sum()) * 0.02, world.N_DAYS - 1e-6)
    t = np.concatenate([first_at, t])
    order = np.lexsort((t, owner))
    return owner[order], t[order]


def _dictionary(indices: np.ndarray, values: np.ndarray, mask: np.ndarray | None = None):
    """A dictionary-encoded string column: cheap to build and to write for millions of rows."""
    return pa.DictionaryArray.from_arrays(
        pa.array(indices.astype(np.int32), mask=mask), pa.array(values.astype(str))
    )


def _order_lines(rng, ids, orders, order_value, category_pref, first_customer, signup):
    owner, t = orders
    n_orders = owner.shape[0]
    block_base = first_customer * 1_000  # ids stay unique across blocks of customers
    order_id = block_base + np.arange(n_orders, dtype=np.int64)
    n_lines = 1 + rng.poisson(MEAN_EXTRA_LINES, n_orders)
    line_order = np.repeat(np.arange(n_orders), n_lines)
    line_owner = owner[line_order]
    n = line_order.shape[0]
    line_number = np.arange(n) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)

    full_refund = rng.random(n_orders) < world.FULL_REFUND_RATE
    partial = (~full_refund) & (n_lines >= 2) & (rng.random(n_orders) < world.PARTIAL_REFUND_RATE)
    is_last_line = line_number == (n_lines[line_order] - 1)
    refunded = full_refund[line_order] | (partial[line_order] & is_last_line)

    cum_pref = np.cumsum(category_pref, axis=1)
    category = (cum_pref[line_owner] < rng.random(n)[:, None]).sum(axis=1)
    category = np.minimum(category, len(world.PRODUCT_CATEGORIES) - 1)
    quantity = 1 + rng.poisson(0.25, n)
    unit_price = (
        order_value[line_owner] / (1 + MEAN_EXTRA_LINES) / 1.25 * rng.lognormal(-0.32, 0.8, n)
    )
    amount = np.maximum(np.round(quantity * unit_price, 2), 0.5)
    # Redrawn hours never put an order before its customer's signup, nor past the end of its day.
    start_us = world.START.astype("datetime64[us]").astype(np.int64)
    day_end_us = start_us + (np.floor(t).astype(np.int64) + 1) * world.DAY_SECONDS * 1_000_000 - 1
    ordered_at = np.minimum(
        np.maximum(
            to_timestamp_us(rng, t, reshape_hours=True),
            to_timestamp_us(rng, signup[owner], reshape_hours=False) + 60_000_000,
        ),
        day_end_us,
    )[line_order]
    return pa.table(
        {
            "order_line_id": block_base * 3 + np.arange(n, dtype=np.int64),
            "order_id": order_id[line_order],
            "customer_id": _dictionary(line_owner, ids),
            "ordered_at": pa.array(ordered_at, pa.timestamp("us")),
            "product_category": _dictionary(category, np.array(world.PRODUCT_CATEGORIES)),
            "quantity": quantity.astype(np.int32),
            "line_amount": amount,
            "status": _dictionary(refunded.astype(np.int32), np.array(["completed", "refunded"])),
        }
    )


PAGES = np.array(
    ["/", "/shop", "/sale", "/new", "/account", "/help", "/blog", "/search", "/cart", "/checkout"]
)
CONTENT = np.array([f"guide_{i:02d}" for i in range(1, 21)])
FEATURE_BREADTH = {"app_regular": 0.65, "loyal_big_spender": 0.35}


def _events(rng, ids, kind, signup, lapse_onset, engagement_level, first_customer):
    arche = world.ARCHETYPES
    rates = np.array([a.event_rates for a in arche])[kind]  # (n, event types)
    app_share = np.array([a.app_share for a in arche])[kind]
    breadth = 1 + rng.binomial(
        len(world.FEATURES) - 1,
        np.array([FEATURE_BREADTH.get(a.name, 0.1) for a in arche])[kind],
    )
    owner, t, etype = _event_times(rng, signup, lapse_onset, engagement_level, rates)
    n = owner.shape[0]
    detail, has_detail, detail_values = _event_details(rng, owner, etype, breadth)

    platform = (rng.random(n) < app_share[owner]).astype(np.int32)
    return pa.table(
        {
            "event_id": first_customer * 3_000 + np.arange(n, dtype=np.int64),
            "customer_id": _dictionary(owner, ids),
            "event_at": pa.array(
                np.maximum(
                    to_timestamp_us(rng, t, reshape_hours=True),
                    to_timestamp_us(rng, signup[owner], reshape_hours=False),
                ),
                pa.timestamp("us"),
            ),
            "event_type": _dictionary(etype, np.array(world.EVENT_TYPES)),
            "platform": _dictionary(platform, np.array(["web", "app"])),
            "event_detail": _dictionary(detail, detail_values, mask=~has_detail),
        }
    )


def _event_times(rng, signup, lapse_onset, engagement_level, rates):
    """Owner, time (days) and type index of every event, one event type after another."""
    owners, times, types = [], [], []
    for j, _ in enumerate(world.EVENT_TYPES):
        owner, t = poisson_times(
            rng,
            engagement_level * rates[:, j],
            signup,
            float(world.N_DAYS),
            world.EVENT_SEASONALITY_CUMULATIVE,
        )
        keep = thin_by_engagement(rng, owner, t, lapse_onset)
        owners.append(owner[keep])
        times.append(t[keep])
        types.append(np.full(keep.sum(), j, dtype=np.int32))
    return np.concatenate(owners), np.concatenate(times), np.concatenate(types)


def _event_details(rng, owner, etype, breadth):
    """Detail: page for page views, category for product views, feature, content id.

    Returns each event's index into the detail values, whether it has a detail, and the values.
    """
    n = owner.shape[0]
    names = list(world.EVENT_TYPES)
    detail_values = np.concatenate(
        [PAGES, np.array(world.PRODUCT_CATEGORIES), np.array(world.FEATURES), CONTENT]
    )
    offsets = np.cumsum([0, len(PAGES), len(world.PRODUCT_CATEGORIES), len(world.FEATURES)])
    detail = np.zeros(n, dtype=np.int64)
    has_detail = np.zeros(n, dtype=bool)
    for name, offset, size in (
        ("page_view", offsets[0], len(PAGES)),
        ("product_view", offsets[1], len(world.PRODUCT_CATEGORIES)),
        ("content_download", offsets[3], len(CONTENT)),
    ):
        m = etype == names.index(name)
        detail[m] = offset + rng.integers(0, size, m.sum())
        has_detail |= m
    m = etype == names.index("feature_use")
    detail[m] = offsets[2] + (rng.random(m.sum()) * breadth[owner[m]]).astype(np.int64)
    has_detail |= m
    return detail, has_detail, detail_values


def _customer_table(rng, ids, kind, signup):
    n = ids.shape[0]
    signup_us = to_timestamp_us(rng, signup, reshape_hours=False)
    signup_at = np.datetime_as_string(signup_us.astype("datetime64[us]"), unit="s")
    signup_at = np.char.replace(signup_at, "T", " ")
    email = np.char.add(np.char.add("user", np.char.lstrip(ids, "C")), "@example.com")
    messy = rng.random(n) < 0.02  # upper case and padding, cleaned (not rejected) by staging
    email = np.where(messy, np.char.add("  ", np.char.upper(email)), email)
    channel_mix = np.array([a.channel_mix for a in world.ARCHETYPES])[kind]
    channel = (np.cumsum(channel_mix, axis=1) < rng.random(n)[:, None]).sum(axis=1)
    channel = np.minimum(channel, len(world.CHANNELS) - 1)
    birth_year = np.clip(np.round(rng.normal(1984, 13, n)), 1935, 2007).astype(int)
    birth_year = np.where(rng.random(n) < 0.06, "", birth_year.astype(str))
    gender = np.array(world.GENDERS)[rng.choice(len(world.GENDERS), n, p=world.GENDER_WEIGHTS)]
    gender = np.where(rng.random(n) < 0.03, "", gender)
    country = np.array(world.COUNTRIES)[
        rng.choice(len(world.COUNTRIES), n, p=world.COUNTRY_WEIGHTS)
    ]
    return pa.table(
        {
            "customer_id": ids,
            "signup_at": signup_at,
            "email": email,
            "country": country,
            "acquisition_channel": np.array(world.CHANNELS)[channel],
            "birth_year": birth_year,
            "gender": gender,
            "marketing_consent": marketing_consent(ids),
            "phone": demo_phones(ids, country),
        }
    )


def marketing_consent(ids: np.ndarray) -> np.ndarray:
    """Each customer's marketing consent as the CRM exports it: "true", "false" or "" (unknown),
    from the md5 of the customer id (its first 8 hex digits as a share of the 2^32 values), not
    from the block's random stream, so that every other generated value is the same as without
    it."""
    share = np.array(
        [int(hashlib.md5(str(i).encode()).hexdigest()[:8], 16) for i in ids], dtype=np.float64
    ) / float(2**32)
    given, refused = CONSENT_SHARES
    return np.where(share < given, "true", np.where(share < given + refused, "false", ""))


def demo_phones(ids: np.ndarray, country: np.ndarray) -> np.ndarray:
    """About PHONE_SHARE of the customers' phones, from the md5 of the id (not the random stream,
    as marketing_consent): mostly international with separators ("+49 688 321 670"), some
    with 00 for +, and one in ten in local form without a country code, which staging cannot
    make E.164 and keeps in rejected_values instead."""
    phones = []
    for customer, code in zip(ids, country, strict=True):
        digest = hashlib.md5(f"phone:{customer}".encode()).hexdigest()
        share = int(digest[:8], 16) / 2**32
        if share >= PHONE_SHARE:
            phones.append("")
            continue
        number = f"{int(digest[8:16], 16) % 900_000_000 + 100_000_000}"
        style = int(digest[16:18], 16) % 10
        calling = CALLING_CODES.get(str(code), "1")
        if style == 0:
            phones.append(f"0{number[:3]} {number[3:]}")  # local: no country code
        elif style == 1:
            phones.append(f"00{calling} {number}")
        else:
            phones.append(f"+{calling} {number[:3]} {number[3:6]} {number[6:]}")
    return np.array(phones)
