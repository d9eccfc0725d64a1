# Fits BG/NBD and Gamma-Gamma on the purchases before the as-of date and before the calibration
# end; the logic lives in audience/clv.
from audience.clv.pipeline import fit_state, read_inputs, settings_from_json


def model(dbt, session):
    settings = settings_from_json(dbt.config.get("clv_settings"))
    orders, as_of = read_inputs(dbt.ref("int_clv_purchases"), dbt.ref("int_as_of_date"))
    return fit_state(orders, as_of, settings)
