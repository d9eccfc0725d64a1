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
        behavior.* exclude (customer_id, as_of_date),  -- noqa: RF02
        event_mix.* exclude (customer_id, as_of_date)  -- noqa: RF02
    from rfm
    inner join behavior on rfm.customer_id = behavior.customer_id
    inner join event_mix on rfm.customer_id = event_mix.customer_id
)

select * from final  -- noqa: AM04
