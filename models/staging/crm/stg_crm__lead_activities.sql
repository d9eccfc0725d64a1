-- Staged lead activities: valid, deduplicated activities of known leads.
with

base as (
    select * from {{ ref('base_crm__lead_activities') }}
),

final as (
    select
        activity_id,
        lead_id,
        activity_at,
        activity_type
    from base
    where rejection_reason is null
)

select * from final
