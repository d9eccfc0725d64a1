# Trains every declared prediction and lookalike (split, leakage guard, time-aware tuning,
# calibration, out-of-time evaluation, champion), or reuses its stored model when its retrain
# policy allows, and stores the outcome as rows; the logic lives in audience/propensity.
from audience.propensity.state import (
    build_state,
    check_declarations_current,
    duckdb_cache_limit,
    stored_state,
)


def model(dbt, session):
    declarations = dbt.ref("propensity_declarations").to_arrow_table().to_pylist()
    check_declarations_current(declarations, dbt.config.get("declarations_fingerprint"))
    rows = [
        (row["prediction"], row["declaration_json"])
        for row in sorted(declarations, key=lambda row: row["declaration_order"])
    ]
    with duckdb_cache_limit(session, dbt.config.get("profile_memory_limit")):
        stored = stored_state(session, dbt.this)  # models a retrain policy may reuse
        state = build_state(session, rows, dbt.config.get("propensity_settings"), stored=stored)
    return state
