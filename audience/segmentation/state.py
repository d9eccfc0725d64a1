"""What the dbt Python model segment_model_state does, without dbt: load, train or reuse, emit rows.

The state table keeps every model version ever trained (an incremental model keyed on
model_version). A run whose data and settings give an existing version reuses that version's
rows (no refit, so identical results); otherwise it trains a new one, matching its segment ids to
the latest model. Either way the version used by this run gets the highest model_sequence, which
is how downstream models find the current model. With var audience__segment_retrain: never, a
run keeps the latest stored model whatever the data (the SQL assigns new customers with it).
"""

from __future__ import annotations

import json

import pandas as pd

from audience.progress import timed
from audience.segmentation.model import SegmentModel
from audience.segmentation.naming import TRAITS
from audience.segmentation.settings import SegmentationSettings
from audience.segmentation.training import (
    SegmentationInputError,
    model_version,
    train_segment_model,
)

KEY_COLUMNS = ["customer_id", "as_of_date", "tenure_days"]
DESCRIPTOR_COLUMNS = ["monetary", "frequency", "days_since_last_event"] + [
    column for columns in TRAITS.values() for column in columns
]


def settings_from_json(text: str) -> SegmentationSettings:
    """Settings from the JSON the model's config carries (see _segmentation__models.yml)."""
    values = json.loads(text) if text else {}
    return SegmentationSettings.from_config(values.get)


def load_features(relation, settings: SegmentationSettings, log=print) -> pd.DataFrame:
    """The columns training needs, read from a DuckDB relation over fct_customer_features."""
    available = [column.lower() for column in relation.columns]
    missing = [spec.column for spec in settings.features if spec.column not in available]
    for column in ("customer_id", "as_of_date"):
        if column not in available:
            missing.append(column)
    if missing:
        raise SegmentationInputError(
            f"fct_customer_features has no column(s) {', '.join(missing)} "
            f"(named in var audience__segment_features or required). "
            f"Available: {', '.join(sorted(available))}"
        )
    wanted = [c for c in KEY_COLUMNS if c in available]
    wanted += [spec.column for spec in settings.features if spec.column not in wanted]
    wanted += [c for c in DESCRIPTOR_COLUMNS if c in available and c not in wanted]
    projection = ", ".join(f'"{column}"' for column in wanted)
    with timed(log, "segmentation: features loaded") as step:
        frame = relation.project(projection).to_arrow_table().to_pandas()
        step.add(f"{len(frame):,} customers x {len(wanted)} columns")
    return frame


def build_model_state(
    features: pd.DataFrame,
    history: pd.DataFrame | None,
    settings: SegmentationSettings,
    log=print,
) -> pd.DataFrame:
    """Rows of segment_model_state for the model this run uses."""
    features = features.sort_values("customer_id", kind="stable").reset_index(drop=True)
    as_of_date = features["as_of_date"].iloc[0] if len(features) else None
    version = model_version(features, settings, as_of_date)
    history = history if history is not None and len(history) else None
    latest_sequence = int(history["model_sequence"].max()) if history is not None else 0
    if history is not None and settings.retrain == "never":
        log("segmentation: retrain = never, keeping the latest stored model")
        return history[history["model_sequence"] == latest_sequence].reset_index(drop=True)
    if history is not None and version in set(history["model_version"]):
        log(f"segmentation: data and settings unchanged, reusing model {version}")
        rows = history[history["model_version"] == version].copy()
        if int(rows["model_sequence"].iloc[0]) != latest_sequence:
            rows["model_sequence"] = latest_sequence + 1
        return rows.reset_index(drop=True)
    previous = None
    if history is not None:
        latest = history[history["model_sequence"] == latest_sequence]
        previous = SegmentModel.from_state_frame(latest)
    with timed(log, f"segmentation: model {version} trained") as step:
        model = train_segment_model(features, settings, previous, latest_sequence + 1, log)
        step.add(f"{settings.algorithm}, k = {model.k} ({model.chosen_by})")
    return model.to_state_frame()


def current_model(state: pd.DataFrame) -> SegmentModel:
    """The model with the highest model_sequence in a segment_model_state frame."""
    latest = state[state["model_sequence"] == state["model_sequence"].max()]
    return SegmentModel.from_state_frame(latest)
