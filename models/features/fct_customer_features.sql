-- Every current customer feature in one row per customer: RFM, behaviour and engagement mix as of
-- the as-of date. The input the segmentation model is trained on and assigned from (a view: it
-- only joins tables that are already built).
{{ config(materialized='view') }}
with

rfm as (
    select * from {{ ref('fct_customer_rfm') }}
),

behavior as (
    select * from {{ ref('fct_customer_behavior') }}
),

event_mix as (
    select * from {{ ref('fct_customer_event_mix') }}
),

final as (
    select
        rfm.*,
        -- The month of the as-of date: what season the labels of a model trained on snapshots
        -- (where it is the cutoff's month) are predicted for.
        cast(extract(month from rfm.as_of_date) as integer) as season_month,
        -- the churn_90d population (not a feature: its YAML says feature: false)
        {{ is_churn_eligible('rfm.recency_days') }} as is_churn_eligible,
        behavior.* exclude (customer_id, as_of_date),  -- noqa: RF02
        event_mix.* exclude (customer_id, as_of_date)  -- noqa: RF02
    from rfm
    inner join behavior on rfm.customer_id = behavior.customer_id
    inner join event_mix on rfm.customer_id = event_mix.customer_id
)

select * from final  -- noqa: AM04
