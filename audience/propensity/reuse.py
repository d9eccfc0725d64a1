"""When a prediction's stored model is reused instead of refitted (its `retrain` policy).

Training a prediction costs seconds to minutes; a daily build on the same labeled history would
refit the same model. Before training, two keys are computed and stored with the model as
settings rows:

- declaration_key: the declaration (without relation names), the audience__propensity_* settings
  and the scikit-learn version (a pickled model is only read back by the version that wrote it);
- training_inputs_key: that, plus the feature columns found and the labeled rows, positives and
  negatives per cutoff and test-set membership (label_summary). The label windows make a cutoff's
  labels appear all at once when its window completes, so this key changes when a new cutoff
  becomes labeled, when data of the labeled history changes, or when a column is added or removed.

Policies: on_new_cutoff (default) reuses the stored model while training_inputs_key is the same;
never reuses it while declaration_key is the same (whatever the data); always refits. A reused
model is the stored rows unchanged (same model version, metrics and artifact); scoring still runs
on the current features. Only trained models are reused: a cold-start heuristic is recomputed
(it costs one query).
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import sklearn

from audience.propensity.data import FeatureColumns
from audience.propensity.records import Records
from audience.propensity.settings import PredictionSpec, TrainingSettings

DECLARATION_KEY = "declaration_key"
TRAINING_INPUTS_KEY = "training_inputs_key"


def training_keys(
    spec: PredictionSpec,
    settings: TrainingSettings,
    features: FeatureColumns,
    summary: pd.DataFrame,
) -> dict[str, str]:
    declaration = hashlib.sha256()
    for part in (spec.fingerprint_json(), settings.to_json(), sklearn.__version__):
        declaration.update(part.encode() + b"\0")
    inputs = declaration.copy()
    inputs.update(json.dumps([features.numeric, features.categorical]).encode() + b"\0")
    inputs.update(summary.to_csv(index=False, date_format="%Y-%m-%d").encode())
    return {
        DECLARATION_KEY: declaration.hexdigest()[:16],
        TRAINING_INPUTS_KEY: inputs.hexdigest()[:16],
    }


def reused_records(
    spec: PredictionSpec, keys: dict[str, str], stored: pd.DataFrame | None, log
) -> Records | None:
    """The stored rows of this prediction when its policy allows reusing them, else None.
    `stored`: the rows of the previous propensity_model_state (None on a fresh warehouse)."""
    if spec.retrain == "always" or stored is None:
        return None
    rows = stored[stored["prediction"] == spec.name]
    if rows.empty:
        return None
    settings = rows[rows["record"] == "setting"].set_index("name")["text_value"]
    key = DECLARATION_KEY if spec.retrain == "never" else TRAINING_INPUTS_KEY
    if settings.get("status") != "trained" or settings.get(key) != keys[key]:
        return None
    versions = rows["model_version"].unique()
    if len(versions) != 1:
        return None
    log(
        f"  {spec.name}: reusing the stored model {versions[0]} (retrain: {spec.retrain};"
        f" {'declaration and settings' if key == DECLARATION_KEY else 'training inputs'} unchanged)"
    )
    kept = rows.drop(columns="model_version").astype(object).where(rows.notna(), None)
    return Records(spec.name, kept.to_dict("records"), model_version=str(versions[0]))
