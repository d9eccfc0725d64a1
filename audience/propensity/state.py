"""What the dbt Python models of python_models/propensity do, without dbt.

``propensity_model_state`` trains every declared prediction and stores the outcome as rows
(record = setting | note | leakage | tuning | metric | lift | reliability | importance |
importance_std | linear_term | linear_model | validation_prediction | artifact), in the long shape
of audience.model_state.
``propensity_python_scores`` scores the rows of predictions whose champion is a tree model
(logistic champions and heuristic scores are scored by generated SQL, see
macros/propensity/propensity_scores_sql.sql).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import duckdb
import numpy as np
import pandas as pd

from audience.model_state import record_rows, state_columns, typed_state
from audience.propensity.candidates import check_tuning
from audience.propensity.data import ID, load_scoring_rows, resolve_features
from audience.propensity.explain import REASON_COUNT, contributions, top_reasons
from audience.propensity.settings import (
    PropensityConfigError,
    predictions_from_rows,
    training_settings_from_json,
)
from audience.propensity.training import decode_artifact, train_prediction
from audience.threads import cpu_threads

PYTHON_MODEL_DUCKDB_LIMIT = "1GB"
SCORING_CHUNK_ROWS = 100_000
STATE_COLUMNS = state_columns(
    [
        "prediction",
        "model_version",
        "record",
        "candidate",
        "name",
        "level",
        "position",
        "value",
        "text_value",
    ],
    prediction="object",
    model_version="object",
    candidate="object",
    level="object",
)
REASON_COLUMNS = {
    f"reason_{n}_{part}": kind
    for n in range(1, REASON_COUNT + 1)
    for part, kind in (("feature", "object"), ("direction", "object"), ("contribution", "float64"))
}
SCORE_COLUMNS = {
    "prediction": "object",
    "entity_id": "object",
    "probability": "float64",
    "model_log_odds": "float64",
    **REASON_COLUMNS,
}


@contextmanager
def duckdb_cache_limit(con, profile_limit: str, limit: str = PYTHON_MODEL_DUCKDB_LIMIT):
    """While Python holds the training or scoring frames, keep DuckDB's cache small (unless
    AUDIENCE_DUCKDB_MEMORY_LIMIT sets the limit explicitly), then restore `profile_limit`, the
    profile's memory_limit that the model's config passes in (target.settings). (Not the value
    read back before: DuckDB reports it rounded, e.g. 3GB as '2.7 GiB', so
    restoring that would shrink the limit a little with every model.)"""
    if os.environ.get("AUDIENCE_DUCKDB_MEMORY_LIMIT"):
        yield
        return
    con.execute(f"set memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute(f"set memory_limit = '{profile_limit}'")


def check_declarations_current(rows: list[dict], fingerprint: str | None) -> None:
    """Stops when propensity_declarations was built from other declarations than this run's vars
    (a selection such as `--select propensity_model_state+` leaves it out): training would
    silently use the old ones."""
    stale = [
        row["prediction"]
        for row in rows
        if fingerprint and row.get("declarations_fingerprint") != fingerprint
    ]
    if stale:
        raise PropensityConfigError(
            "propensity_declarations holds other declarations than vars audience__predictions /"
            " audience__lookalikes of this run (it was not rebuilt after they changed): build it"
            " too, e.g. `dbt build --select propensity_declarations+`"
        )


def stored_state(con, relation) -> pd.DataFrame | None:
    """propensity_model_state as the last build left it, or None when it does not exist yet."""
    try:
        return con.sql(f"select * from {relation}").to_arrow_table().to_pandas()
    except duckdb.CatalogException:
        return None


def build_state(
    con,
    declarations: list[tuple[str, str]],
    settings_json: str | None,
    log=print,
    stored: pd.DataFrame | None = None,
):
    """Rows of propensity_model_state for every declaration. `stored`: the table as the last
    build left it (None on a fresh warehouse), whose models a retrain policy may reuse."""
    settings = training_settings_from_json(settings_json)
    specs = predictions_from_rows(declarations)
    for spec in specs:  # every declaration is checked before the first one trains
        check_tuning(spec)
    frames = []
    for spec in specs:
        started = time.perf_counter()
        log(f"propensity: training {spec.name} ({spec.kind}, {spec.entity})")
        records = train_prediction(con, spec, settings, log, stored)
        frame = pd.DataFrame(records.rows)
        frame["model_version"] = records.model_version
        frames.append(frame)
        log(f"propensity: {spec.name} done in {time.perf_counter() - started:.1f}s")
    return typed_state(pd.concat(frames, ignore_index=True) if frames else None, STATE_COLUMNS)


def python_scores(con, declarations: list[tuple[str, str]], state: pd.DataFrame, log=print):
    """Scores of every prediction whose champion is not a logistic regression (tree models and
    blends)."""
    specs = {spec.name: spec for spec in predictions_from_rows(declarations)}
    frames = []
    artifacts = record_rows(state, "artifact")
    champions = artifacts[artifacts["candidate"] != "logistic_regression"]
    for _, row in champions.sort_values("prediction").iterrows():
        spec = specs.get(row["prediction"])
        if spec is None:
            continue
        started = time.perf_counter()
        artifact = decode_artifact(row["text_value"])
        candidate, calibrator = artifact["candidate"], artifact["calibrator"]
        rows = load_scoring_rows(con, spec, resolve_features(spec, con))
        log_odds, contributions = _score_in_chunks(candidate, rows, artifact["reason_columns"])
        frame = pd.DataFrame(
            {
                "prediction": spec.name,
                "entity_id": rows[ID].to_numpy(),
                "probability": calibrator.probability(log_odds),
                "model_log_odds": log_odds,
                **top_reasons(contributions, artifact["reason_columns"]),
            }
        )
        del rows
        frames.append(frame)
        log(
            f"propensity: scored {len(frame):,} rows of {spec.name} with {candidate.algorithm}"
            f" in {time.perf_counter() - started:.1f}s"
        )
    return typed_state(pd.concat(frames, ignore_index=True) if frames else None, SCORE_COLUMNS)


def _score_in_chunks(candidate, rows: pd.DataFrame, reason_columns: list[str]):
    """contributions over slices of SCORING_CHUNK_ROWS rows: a bounded working set (the
    model inputs of one slice, not of every row). Forests score their slices on parallel threads
    (each slice is computed exactly as alone, so the result does not depend on the threads);
    boosting is already parallel inside scikit-learn."""
    slices = [
        rows.iloc[start : start + SCORING_CHUNK_ROWS]
        for start in range(0, len(rows), SCORING_CHUNK_ROWS)
    ]
    if not slices:
        return np.zeros(0), np.zeros((0, len(reason_columns)))
    workers = cpu_threads() if candidate.algorithm == "random_forest" else 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(lambda part: contributions(candidate, part, reason_columns), slices))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
