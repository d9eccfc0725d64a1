-- The calibration fit's predicted repeat purchases in the holdout period next to the actual
-- ones, in total (bucket_order 0) and per calibration-period frequency bucket.
with

state as (
    select * from {{ ref('clv_holdout_state') }}
),

final as (
    select
        cast(frequency_bucket as varchar) as frequency_bucket,
        cast(bucket_order as integer) as bucket_order,
        cast(customers as bigint) as customers,
        cast(predicted_repeat_purchases as double) as predicted_repeat_purchases,
        cast(actual_repeat_purchases as double) as actual_repeat_purchases,
        cast(predicted_repeat_purchases as double)
        / nullif(cast(actual_repeat_purchases as double), 0) as predicted_to_actual_ratio,
        cast(calibration_end_date as date) as calibration_end_date,
        cast(holdout_end_date as date) as holdout_end_date
    from state
)

select * from final
