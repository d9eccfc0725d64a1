"""Lifetime value in the warehouse: fits converge on the demo data, the holdout check predicts
total repeat purchases within 10%, every buyer is scored, and bad data gives notes, not errors."""

from __future__ import annotations

import pandas as pd
import pytest

from audience.clv.pipeline import (
    ClvSettings,
    fit_state,
    fits,
    holdout_validation,
    score_customers,
)


def _read(result, query):
    with result.connect() as con:
        return con.sql(query).to_arrow_table().to_pandas()


def test_fits_converge_and_report_the_independence_check(built):
    params = _read(built, "select * from marts.clv_model_params")
    assert len(params) == 4 and params["converged"].all(), params["message"].tolist()
    spend = params[params["model"] == "gamma_gamma"]
    assert spend["frequency_monetary_correlation"].notna().all()


def test_holdout_repeat_purchases_are_predicted_within_ten_percent(built):
    holdout = _read(built, "select * from marts.clv_holdout_validation order by bucket_order")
    total = holdout[holdout["frequency_bucket"] == "total"].iloc[0]
    print(holdout[["frequency_bucket", "customers", "predicted_repeat_purchases",
                   "actual_repeat_purchases", "predicted_to_actual_ratio"]])  # fmt: skip
    assert abs(total["predicted_to_actual_ratio"] - 1) <= 0.10
    buckets = holdout[holdout["frequency_bucket"] != "total"]
    assert buckets["customers"].sum() == total["customers"]
    assert buckets["actual_repeat_purchases"].sum() == total["actual_repeat_purchases"]


def test_every_buyer_is_scored(built):
    clv = _read(built, "select * from marts.customer_clv")
    buyers = _read(
        built, "select count(*) as n from features.fct_customer_rfm where frequency > 0"
    )["n"].iloc[0]
    assert len(clv) == buyers
    assert clv["clv"].notna().all() and (clv["clv"] >= 0).all()
    # more expected purchases over a longer horizon
    assert (clv["expected_purchases_90d"] >= clv["expected_purchases_30d"]).all()
    assert (clv["expected_purchases_365d"] >= clv["expected_purchases_90d"]).all()


@pytest.mark.parametrize(
    ("orders", "message"),
    [
        (pd.DataFrame({"customer_id": [], "ordered_at": [], "amount": []}), "not fitted"),
        (
            pd.DataFrame(
                {
                    "customer_id": [f"C{i}" for i in range(50)],
                    "ordered_at": pd.Timestamp("2025-01-01"),
                    "amount": 10.0,
                }
            ),
            "not fitted",
        ),
    ],
    ids=["no purchases", "only one-time buyers"],
)
def test_bad_data_gives_a_note_and_no_scores(orders, message):
    settings = ClvSettings()
    state = fit_state(orders, "2026-01-01", settings)
    fitted = fits(state)
    assert len(fitted) == 4 and not fitted["converged"].any()
    assert fitted["message"].str.contains(message).all()
    assert not (state["record"] == "parameter").any()
    assert score_customers(orders, "2026-01-01", state, settings).empty
    assert holdout_validation(orders, "2026-01-01", state, settings).empty


def test_a_calibration_end_after_the_as_of_date_names_the_var():
    from audience.clv.errors import ClvInputError

    orders = pd.DataFrame(
        {"customer_id": ["C1"], "ordered_at": pd.Timestamp("2025-01-01"), "amount": [10.0]}
    )
    with pytest.raises(ClvInputError, match="audience__clv_calibration_end_date"):
        fit_state(orders, "2026-01-01", ClvSettings(calibration_end_date="2026-03-01"))
