"""What the dbt Python models of python_models/uplift do, without dbt.

``uplift_evaluation_state`` compares the learners on a holdout and stores the evaluation as rows
(record = setting | note | metric | decile | curve | holdout_prediction).
``customer_uplift_scores`` refits the champion on every exposure and scores every customer's
current features. When the exposures cannot train a model (none, one arm, too few responders),
the evaluation holds a note saying why and no customer is scored: the build goes on. The rows
have the long shape of audience.model_state.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

from audience.model_state import record_rows, state_columns, typed_state
from audience.progress import timed
from audience.settings import SettingsReader
from audience.uplift.learners import LEARNERS
from audience.uplift.training import (
    UpliftInputError,
    UpliftSettings,
    evaluate_learners,
    fit_champion,
    score,
)

STATE_DTYPES = state_columns(
    ["model_version", "record", "learner", "name", "position", "value", "text_value"],
    model_version="object",
    learner="object",
)
STATE_COLUMNS = list(STATE_DTYPES)
SCORE_COLUMNS = {
    "customer_id": "str",
    "uplift_score": "float64",
    "response_probability_control": "float64",
    "response_probability_treated": "float64",
    "uplift_decile": "int64",
    "uplift_group": "str",
    "learner": "str",
    "model_version": "str",
}


class UpliftSettingsError(ValueError):
    """An audience__uplift_* var has a value the models cannot use."""


def settings_from_json(text: str) -> UpliftSettings:
    read = SettingsReader.from_json(text, "audience__uplift_", UpliftSettingsError)
    defaults = UpliftSettings(features=())
    features = read.names("features")
    if not features:
        read.fail("features", "must list at least one column")
    learners = read.names("learners", LEARNERS)
    unknown = [learner for learner in learners if learner not in LEARNERS]
    if unknown:
        read.fail(
            "learners", f"has unknown learner(s) {', '.join(unknown)}; use {', '.join(LEARNERS)}"
        )
    return UpliftSettings(
        features=features,
        learners=learners,
        holdout_share=read.share("holdout_share", defaults.holdout_share),
        seed=read.integer("seed", defaults.seed),
        min_effect=read.number("min_effect", defaults.min_effect),
        sure_thing_probability=read.number(
            "sure_thing_probability", defaults.sure_thing_probability
        ),
        min_arm_responders=read.integer("min_arm_responders", defaults.min_arm_responders),
    )


def load_exposures(exposures, snapshots, settings: UpliftSettings, log=print) -> pd.DataFrame:
    """Completed exposures with the features of their snapshot cutoff (DuckDB relations in).
    An exposure without a snapshot row (the customer signed up after the cutoff, or the exposure
    is older than every cutoff) is kept with has_no_snapshot = true; see usable_exposures."""
    missing = [f for f in settings.features if f not in [c.lower() for c in snapshots.columns]]
    if missing:
        raise UpliftInputError(
            f"fct_customer_snapshots has no column(s) {', '.join(missing)} "
            f"(named in var audience__uplift_features)"
        )
    features = ", ".join(f's."{f}"' for f in settings.features)
    joined = (
        exposures.set_alias("e")
        .filter("e.is_response_window_complete")
        .join(
            snapshots.set_alias("s"),
            "e.customer_id = s.customer_id and e.cutoff_date = s.cutoff_date",
            how="left",  # kept, to be counted: see usable_exposures
        )
        .project(
            "e.exposure_id, e.campaign_id, e.customer_id, e.is_treated, e.responded, "
            f"s.customer_id is null as has_no_snapshot, {features}"
        )
    )
    with timed(log, "uplift: exposures read") as step:
        frame = joined.to_arrow_table().to_pandas()
        step.add(f"{len(frame):,} completed exposures")
    return frame


def usable_exposures(exposures: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The exposures with a snapshot row, and how many had none. (Training on the others with
    missing features lowered the holdout Qini from 0.020-0.026 to 0.011-0.017 on 20,000 demo
    customers: they carry no information about the customer.)"""
    if "has_no_snapshot" not in exposures:
        return exposures, 0
    missing = exposures["has_no_snapshot"].astype(bool)
    return exposures[~missing].drop(columns="has_no_snapshot"), int(missing.sum())


def model_version(exposures: pd.DataFrame, settings: UpliftSettings) -> str:
    digest = hashlib.sha256(json.dumps(settings.__dict__, default=list, sort_keys=True).encode())
    ordered = exposures.sort_values("exposure_id", kind="stable")
    digest.update(pd.util.hash_pandas_object(ordered, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def build_evaluation_state(
    exposures: pd.DataFrame, settings: UpliftSettings, log=print
) -> pd.DataFrame:
    version = model_version(exposures, settings)
    rows: list[tuple] = []

    def add(record, learner=None, name=None, position=None, value=None, text=None):
        value = None if value is None or (isinstance(value, float) and np.isnan(value)) else value
        rows.append((version, record, learner, name, position, value, text))

    exposures, skipped = usable_exposures(exposures)
    add("setting", name="exposures", value=float(len(exposures)))
    for learner in settings.learners:  # every compared learner has a row in uplift_evaluation
        add("setting", learner, "learner")
    if skipped:
        add(
            "note",
            position=0,
            text=f"{skipped} exposures skipped: the customer signed up after the last snapshot "
            "cutoff before the exposure, so no point-in-time features exist",
        )
    try:
        evaluation = evaluate_learners(exposures, settings, log)
    except UpliftInputError as error:
        log(f"uplift: model not trained: {error}")
        add("note", position=1, text=f"uplift model not trained: {error}")
        return typed_state(pd.DataFrame(rows, columns=STATE_COLUMNS), STATE_DTYPES)
    log(f"uplift: champion {evaluation.champion} (highest holdout Qini)")
    add("setting", name="champion", text=evaluation.champion)
    add("setting", name="training_rows", value=float(evaluation.training_rows))
    add("setting", name="holdout_rows", value=float(evaluation.holdout_rows))
    for result in evaluation.evaluations:
        for name, value in result.metrics.items():
            add("metric", result.learner, name, value=float(value))
        for _, decile in result.deciles.iterrows():
            for name, value in decile.items():
                if name != "decile":
                    add("decile", result.learner, name, int(decile["decile"]), float(value))
        for position, point in result.curve.iterrows():
            for name, value in point.items():
                add("curve", result.learner, name, int(position), float(value))
        for exposure_id, value in result.holdout_predictions.itertuples(index=False):
            add("holdout_prediction", result.learner, str(exposure_id), value=float(value))
    return typed_state(pd.DataFrame(rows, columns=STATE_COLUMNS), STATE_DTYPES)


def build_scores(
    exposures: pd.DataFrame, customers: pd.DataFrame, state: pd.DataFrame, settings, log=print
) -> pd.DataFrame:
    settings_rows = record_rows(state, "setting")
    champion = settings_rows.loc[settings_rows["name"] == "champion", "text_value"]
    if champion.empty:
        log("uplift: no champion (see the notes in uplift_evaluation_state): nobody scored")
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in SCORE_COLUMNS.items()})
    learner = str(champion.iloc[0])
    usable = usable_exposures(exposures)[0]
    with timed(log, f"uplift: {learner} refitted on {len(usable):,} exposures"):
        model = fit_champion(usable, settings, learner)
    with timed(log, f"uplift: {len(customers):,} customers scored"):
        scores = score(model, customers, settings)
    scores["learner"] = learner
    scores["model_version"] = str(state["model_version"].iloc[0])
    return scores
