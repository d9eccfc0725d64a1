-- Staged events: valid, deduplicated events of known customers, of the configured types.
with

base as (
    select * from {{ ref('base_shop__events') }}
),

final as (
    select
        event_id,
        customer_id,
        event_at,
        event_type,
        platform,
        event_detail
    from base
    where rejection_reason is null
)

select * from final
