"""Human-readable segment names derived from each segment's profile.

A name has up to three parts, each from how far the segment's mean sits from everyone's mean
(a z-score: difference in means over the standard deviation across customers):

* value: "High-value" (net spend z >= 0.5), "Low-value" (z <= -0.4), else "Mid-value";
* what stands out in their behaviour: the strongest of app use, email response, research
  (page views and content downloads) and product use (logins and feature use) with z >= 0.5;
  one-time buyers (mean orders below 1.5) and frequent buyers (orders z >= 0.5) otherwise;
* activity: ", lapsing" when the days since the last event are high (z >= 0.5), ", active"
  when they are low (z <= -0.3).

For example "High-value app users, active" or "Low-value one-time buyers, lapsing". Names are
made unique by appending the segment id. Users override any name in
seeds/segment_name_overrides.csv.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# trait name -> columns whose sum describes it (any that the feature table lacks are skipped)
TRAITS = {
    "app users": ["app_event_share"],
    "email responders": ["email_open_event_share", "email_click_event_share"],
    "researchers": ["page_view_event_share", "content_download_event_share"],
    "product users": ["login_event_share", "feature_use_event_share"],
}
TRAIT_Z = 0.5
HIGH_VALUE_Z, LOW_VALUE_Z = 0.5, -0.4
LAPSING_Z, ACTIVE_Z = 0.5, -0.3


def name_segments(rows: pd.DataFrame, labels: np.ndarray, segment_ids: list[int]) -> list[str]:
    """One name per segment id, from the rows (customers) labelled with it."""
    descriptors = _descriptors(rows)
    mean = descriptors.mean()
    sd = descriptors.std(ddof=0).replace(0, np.nan)
    names = []
    for segment_id in segment_ids:
        members = descriptors[labels == segment_id]
        if members.empty:
            names.append(f"Segment {segment_id}")
            continue
        z = ((members.mean() - mean) / sd).fillna(0.0)
        names.append(_name(z, members.mean()))
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    return [
        f"{name} ({segment_id})" if seen[name] > 1 else name
        for name, segment_id in zip(names, segment_ids, strict=True)
    ]


def _descriptors(rows: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=rows.index)
    for column in ("monetary", "frequency", "days_since_last_event"):
        if column in rows:
            out[column] = pd.to_numeric(rows[column], errors="coerce").astype(float)
    if "days_since_last_event" in out:  # never active: as long ago as the signup
        tenure = pd.to_numeric(rows.get("tenure_days"), errors="coerce")
        out["days_since_last_event"] = out["days_since_last_event"].fillna(tenure)
    for trait, columns in TRAITS.items():
        present = [c for c in columns if c in rows]
        if present:
            out[trait] = rows[present].apply(pd.to_numeric, errors="coerce").sum(axis=1)
    return out.fillna(0.0)


def _name(z: pd.Series, means: pd.Series) -> str:
    value = "Mid-value"
    if z.get("monetary", 0) >= HIGH_VALUE_Z:
        value = "High-value"
    elif z.get("monetary", 0) <= LOW_VALUE_Z:
        value = "Low-value"
    traits = z[[t for t in TRAITS if t in z]]
    if len(traits) and traits.max() >= TRAIT_Z:
        trait = str(traits.idxmax())
    elif "frequency" in means and means["frequency"] < 1.5:
        trait = "one-time buyers"
    elif z.get("frequency", 0) >= TRAIT_Z:
        trait = "frequent buyers"
    else:
        trait = "customers"
    activity = ""
    if z.get("days_since_last_event", 0) >= LAPSING_Z:
        activity = ", lapsing"
    elif z.get("days_since_last_event", 0) <= ACTIVE_Z:
        activity = ", active"
    return f"{value} {trait}{activity}"
