# Scores the rows of every prediction whose champion is a tree model, with reason codes (logistic
# champions and heuristic scores are scored in SQL); the logic lives in audience/propensity.
from audience.propensity.state import duckdb_cache_limit, python_scores


def model(dbt, session):
    declarations = dbt.ref("propensity_declarations").to_arrow_table().to_pylist()
    rows = [(row["prediction"], row["declaration_json"]) for row in declarations]
    state = dbt.ref("propensity_model_state").to_arrow_table().to_pandas()
    with duckdb_cache_limit(session, dbt.config.get("profile_memory_limit")):
        scores = python_scores(session, rows, state)
    return scores
