-- One row per customer with a purchase before the as-of date: probability alive, expected
-- purchases and order value, and CLV over var audience__clv_horizon_days discounted at
-- var audience__clv_discount_rate a year.
with

scores as (
    select * from {{ ref('customer_clv_scores') }}
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

final as (
    select
        cast(scores.customer_id as varchar) as customer_id,
        cast(scores.frequency as bigint) as frequency,
        cast(scores.recency as double) as recency,
        cast(scores.t as double) as customer_age,  -- BG/NBD's T (DuckDB names are case-insensitive)
        cast(scores.monetary_value as double) as monetary_value,
        cast(scores.probability_alive as double) as probability_alive,
        cast(scores.expected_purchases_30d as double) as expected_purchases_30d,
        cast(scores.expected_purchases_90d as double) as expected_purchases_90d,
        cast(scores.expected_purchases_365d as double) as expected_purchases_365d,
        cast(scores.expected_average_order_value as double) as expected_average_order_value,
        cast(scores.clv as double) as clv,
        as_of.as_of_date
    from scores
    cross join as_of
)

select * from final
