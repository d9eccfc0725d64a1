# Fits BG/NBD and Gamma-Gamma on the purchases before the as-of date and before the calibration
# end; the logic lives in audience/clv.
from audience.clv.pipeline import fit_state, settings_from_json


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("clv_settings"))
    orders = dbt.ref("int_clv_purchases").to_arrow_table().to_pandas()
    as_of = dbt.ref("int_as_of_date").to_arrow_table().to_pandas()["as_of_date"].iloc[0]
    return fit_state(orders, as_of, settings)
