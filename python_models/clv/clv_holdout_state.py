# Predicted (calibration fit) vs actual repeat purchases in the holdout period; the logic lives
# in audience/clv.
from audience.clv.pipeline import holdout_validation, read_inputs, settings_from_json
from audience.progress import timed


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("clv_settings"))
    orders, as_of = read_inputs(dbt.ref("int_clv_purchases"), dbt.ref("int_as_of_date"))
    state = dbt.ref("clv_fit_state").to_arrow_table().to_pandas()
    with timed(print, "clv: holdout predicted vs actual") as step:
        validation = holdout_validation(orders, as_of, state, settings)
        step.add(f"{len(validation)} frequency buckets")
    return validation
