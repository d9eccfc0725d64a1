# Refits the champion uplift learner on every exposure and scores every customer's current
# features; the logic lives in audience/uplift.
from audience.uplift.state import build_scores, load_exposures, settings_from_json


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("uplift_settings"))
    exposures = load_exposures(
        dbt.ref("fct_campaign_exposures"), dbt.ref("fct_customer_snapshots"), settings
    )
    state = dbt.ref("uplift_evaluation_state").to_arrow_table().to_pandas()
    columns = ", ".join(['"customer_id"', *(f'"{f}"' for f in settings.features)])
    customers = dbt.ref("fct_customer_features").project(columns).to_arrow_table().to_pandas()
    return build_scores(exposures, customers, state, settings)
