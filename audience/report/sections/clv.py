"""CLV: the holdout check by frequency bucket, the P(alive) distribution, CLV by segment."""

from __future__ import annotations

import altair as alt
import pandas as pd

from audience.report.charts import WIDTH, figure, grouped_bars, histogram
from audience.report.page import Facts, Note, Section
from audience.report.sections import missing_note, rows_or_note
from audience.report.warehouse import ReportDatabase

ALIVE_BINS = 20

GUIDE = (
    "Lifetime value predicts what each buyer will spend over the coming year (discounted), from "
    "how often and how recently they bought and how much they spend per order. Before trusting "
    "it, look at the holdout check: the model was also fitted on the data up to a cut-off half "
    "a year back and asked to predict the repeat purchases since then; bars of similar height "
    "in every frequency bucket mean it knows your customers (a predicted-to-actual ratio near "
    "1.0 overall). P(alive) is the chance a customer is still an active buyer: a large pile near "
    "0 is your lapsed base, near 1 your active one. The last chart says which behavioural "
    "segments hold the future value, in total and per customer: the ones to invest in."
)


def build(db: ReportDatabase) -> Section:
    note = missing_note(db, "marts.clv_model_params")
    if note:
        return Section("clv", "Lifetime value (CLV)", GUIDE, [note])
    params = db.frame(
        "select * from marts.clv_model_params order by fit_period desc, model"
    )  # 'current' before 'calibration'
    blocks: list = [_facts(params)]
    current = params[(params["fit_period"] == "current") & (params["model"] == "bgnbd")]
    if current.empty or not bool(current["converged"].iloc[0]):
        why = current["message"].iloc[0] if len(current) else "no current fit row"
        blocks.append(
            Note(
                f"No customer has a lifetime value: the purchase model (BG/NBD) was "
                f"not fitted ({why})."
            )
        )
    blocks += _holdout(db)
    blocks += _alive(db)
    blocks += _by_segment(db)
    return Section("clv", "Lifetime value (CLV)", GUIDE, blocks)


def _facts(params: pd.DataFrame) -> Facts:
    items = []
    for row in params.itertuples():
        names = ("r", "alpha", "a", "b") if row.model == "bgnbd" else ("p", "q", "v")
        model = "BG/NBD" if row.model == "bgnbd" else "Gamma-Gamma"
        if row.converged:
            values = ", ".join(f"{n} = {getattr(row, n):.4g}" for n in names)
            text = f"converged on {row.customers:,} customers: {values}"
        else:
            text = f"not fitted: {row.message}"
        items.append((f"{model}, {row.fit_period} fit (as of {row.fitted_as_of_date})", text))
    return Facts(items)


def _holdout(db: ReportDatabase) -> list:
    holdout, note = rows_or_note(
        db,
        "marts.clv_holdout_validation",
        "select frequency_bucket, bucket_order, customers, predicted_repeat_purchases,"
        " actual_repeat_purchases, predicted_to_actual_ratio, calibration_end_date,"
        " holdout_end_date from marts.clv_holdout_validation order by bucket_order",
        empty="No holdout check: the calibration fit (up to the holdout start) did not "
        "converge, or there were no purchases before it.",
    )
    if note:
        return [note]
    total = holdout[holdout["frequency_bucket"] == "total"]
    buckets = holdout[holdout["frequency_bucket"] != "total"]
    long = buckets.melt(
        ["frequency_bucket", "bucket_order"],
        ["predicted_repeat_purchases", "actual_repeat_purchases"],
        "measure",
        "purchases",
    )
    long["measure"] = long["measure"].str.replace("_repeat_purchases", "")
    chart = grouped_bars(
        long,
        "frequency_bucket",
        "purchases",
        "measure",
        category_order=list(buckets["frequency_bucket"]),
        value_title="repeat purchases in the holdout",
        category_title="repeat purchases before the holdout",
    )
    first = holdout.iloc[0]
    title = (
        f"Holdout {first['calibration_end_date']} to {first['holdout_end_date']}: predicted "
        "vs actual repeat purchases"
    )
    if len(total) and pd.notna(total["predicted_to_actual_ratio"].iloc[0]):
        title += f" (overall ratio {total['predicted_to_actual_ratio'].iloc[0]:.2f})"
    return [figure("clv-holdout", title, chart)]


def _alive(db: ReportDatabase) -> list:
    bins, note = rows_or_note(
        db,
        "marts.customer_clv",
        """
        select least(floor(probability_alive * ?), ? - 1) / ? as bin_start,
            (least(floor(probability_alive * ?), ? - 1) + 1) / ? as bin_end,
            count(*) as customers
        from marts.customer_clv where probability_alive is not null
        group by all order by bin_start
        """,
        [ALIVE_BINS] * 6,
        empty="marts.customer_clv is empty: no buyer was scored.",
    )
    if note:
        return [note]
    chart = histogram(bins, "bin_start", "bin_end", "customers", x_title="P(alive)")
    return [figure("clv-alive", "P(alive): chance each buyer is still active", chart)]


def _by_segment(db: ReportDatabase) -> list:
    note = missing_note(db, "marts.customer_clv", "marts.customer_segments")
    if note:
        return [note]
    segments = db.frame(
        """
        select s.segment_id::varchar || ' · ' || s.segment_name as segment, s.segment_id,
            count(*) as buyers, sum(c.clv) as total_clv, avg(c.clv) as average_clv
        from marts.customer_clv as c
        join marts.customer_segments as s on c.customer_id = s.customer_id
        where c.clv is not null
        group by all order by s.segment_id
        """
    )
    if segments.empty:
        return [
            Note(
                "No lifetime value per segment: the spend model (Gamma-Gamma) was not "
                "fitted, so CLV is empty, or no buyer has a segment."
            )
        ]
    order = list(segments["segment"])
    base = alt.Chart(segments).encode(y=alt.Y("segment:N", sort=order, title=None))
    total = base.mark_bar().encode(
        x=alt.X("total_clv:Q", title="total CLV", axis=alt.Axis(format="~s"))
    )
    average = base.mark_bar(color="#009E73").encode(
        x=alt.X("average_clv:Q", title="average CLV per buyer", axis=alt.Axis(format="~s")),
        y=alt.Y("segment:N", sort=order, axis=None),
    )
    chart = alt.hconcat(total.properties(width=WIDTH // 2), average.properties(width=WIDTH // 2))
    return [figure("clv-segments", "Lifetime value by behavioural segment", chart)]
