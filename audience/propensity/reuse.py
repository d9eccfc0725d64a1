"""When a prediction's stored model is reused instead of refitted (its `retrain` policy).

Training a prediction costs seconds to minutes; a daily build on the same labeled history would
refit the same model. A trained model is stored with its declaration_key (a hash of the
declaration without relation names, the audience__propensity_* settings and the scikit-learn
version, since a pickled model is only read back by the version that wrote it) and its model
version (a hash of the declaration, the settings and every row the model saw or was measured
on: training.py's _version).

Policies, for the next build:
- on_new_cutoff (default): reuse while the declaration_key is the same and the rows it would train
  on give the same model version. Labels appear a whole cutoff at a time, when its label window
  completes, so this refits when a cutoff becomes labeled, and also when labeled history, a
  feature's values or the columns change. The rows are read (the split), not trained on.
- never: reuse while the declaration_key is the same, whatever the data (nothing is read).
- always: refit on every build.

A reused model is the stored rows unchanged (same model version, metrics and artifact); scoring
still runs on the current features. Only trained models are reused: a cold-start heuristic is
recomputed (it costs one query).
"""

from __future__ import annotations

import hashlib

import pandas as pd
import sklearn

from audience.model_state import record_rows
from audience.propensity.records import Records
from audience.propensity.settings import PredictionSpec, TrainingSettings

DECLARATION_KEY = "declaration_key"


def declaration_key(spec: PredictionSpec, settings: TrainingSettings) -> str:
    digest = hashlib.sha256()
    for part in (spec.fingerprint_json(), settings.to_json(), sklearn.__version__):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:16]


def reused_records(
    spec: PredictionSpec,
    settings: TrainingSettings,
    version: str | None,
    stored: pd.DataFrame | None,
    log,
) -> Records | None:
    """The stored rows of this prediction when its policy allows reusing them, else None.
    `version`: the model version the rows read now would give (None before they are read: only
    `never` can decide then). `stored`: the previous propensity_model_state (None when fresh)."""
    if spec.retrain == "always" or stored is None:
        return None
    rows = stored[stored["prediction"] == spec.name]
    versions = rows["model_version"].unique()
    if len(versions) != 1:
        return None
    settings_rows = record_rows(rows, "setting").set_index("name")["text_value"]
    if settings_rows.get("status") != "trained":
        return None
    if settings_rows.get(DECLARATION_KEY) != declaration_key(spec, settings):
        return None
    if spec.retrain == "never":
        why = "declaration and settings unchanged"
    elif version is not None and version == versions[0]:
        why = "the rows it would train on are unchanged"
    else:
        return None
    log(f"  {spec.name}: reusing the stored model {versions[0]} (retrain: {spec.retrain}; {why})")
    kept = rows.drop(columns="model_version").astype(object).where(rows.notna(), None)
    return Records(spec.name, kept.to_dict("records"), model_version=str(versions[0]))
