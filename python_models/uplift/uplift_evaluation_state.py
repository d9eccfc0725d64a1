# Compares the uplift learners on a seeded holdout of the campaign exposures and stores the
# evaluation as rows; the logic lives in audience/uplift.
from audience.uplift.state import build_evaluation_state, load_exposures, settings_from_json


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("uplift_settings"))
    exposures = load_exposures(
        dbt.ref("fct_campaign_exposures"), dbt.ref("fct_customer_snapshots"), settings
    )
    return build_evaluation_state(exposures, settings)
