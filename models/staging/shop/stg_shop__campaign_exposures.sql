-- Staged campaign exposures: valid, deduplicated exposures of known customers.
with

base as (
    select * from {{ ref('base_shop__campaign_exposures') }}
),

final as (
    select
        exposure_id,
        campaign_id,
        customer_id,
        exposed_at,
        treatment_group,
        treatment_group = 'treatment' as is_treated,
        channel
    from base
    where rejection_reason is null
)

select * from final
