# Trains the segmentation model (or reuses the stored one when data and settings are unchanged)
# and stores its state as rows; the logic lives in audience/segmentation.
from audience.segmentation.state import build_model_state, load_features, settings_from_json


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        unique_key="model_version",
        incremental_strategy="delete+insert",
    )
    settings = settings_from_json(dbt.config.get("segmentation_settings"))
    features = load_features(dbt.ref("fct_customer_features"), settings)
    history = None
    if dbt.is_incremental:
        history = session.sql(f"select * from {dbt.this}").to_arrow_table().to_pandas()
    return build_model_state(features, history, settings)
