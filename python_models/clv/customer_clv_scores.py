# P(alive), expected purchases, expected order value and CLV per customer from the current fit;
# the logic lives in audience/clv.
from audience.clv.pipeline import read_inputs, score_customers, settings_from_json
from audience.progress import timed


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("clv_settings"))
    orders, as_of = read_inputs(dbt.ref("int_clv_purchases"), dbt.ref("int_as_of_date"))
    state = dbt.ref("clv_fit_state").to_arrow_table().to_pandas()
    with timed(print, "clv: customers scored") as step:
        scores = score_customers(orders, as_of, state, settings)
        step.add(f"{len(scores):,} buyers")
    return scores
