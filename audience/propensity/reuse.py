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
A declaration's pinned_version overrides the policy: the stored model of that version is kept
(nothing is read or refitted) until the pin is removed; a pin naming any other version stops the
build, since only the published model is stored.

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
from audience.propensity.settings import PredictionSpec, PropensityConfigError, TrainingSettings

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
    rows = stored[stored["prediction"] == spec.name] if stored is not None else None
    versions = rows["model_version"].unique() if rows is not None else []
    if spec.pinned_version is not None:
        return _pinned_records(spec, rows, versions, log)
    if spec.retrain == "always" or stored is None:
        return None
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
    return _stored_records(spec, rows, str(versions[0]))


def _pinned_records(spec: PredictionSpec, rows, versions, log) -> Records:
    """The stored rows of the pinned version; a clear error when they are not the stored model."""
    stored_version = str(versions[0]) if len(versions) == 1 else None
    if stored_version != spec.pinned_version:
        found = f"the published model is {stored_version}" if stored_version else "none is stored"
        raise PropensityConfigError(
            f"prediction '{spec.name}': pinned_version {spec.pinned_version} is not the published"
            f" model ({found}); a pin keeps the model that is published when it is set (see"
            " model_registry.is_published): pin that version, or remove pinned_version"
        )
    log(f"  {spec.name}: keeping the pinned model {stored_version} (retrain: not applied)")
    return _stored_records(spec, rows, stored_version)


def _stored_records(spec: PredictionSpec, rows: pd.DataFrame, version: str) -> Records:
    kept = rows.drop(columns="model_version").astype(object).where(rows.notna(), None)
    return Records(spec.name, kept.to_dict("records"), model_version=version)
