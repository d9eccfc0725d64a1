-- Staged leads: one row per valid lead id.
with

base as (
    select * from {{ ref('base_crm__leads') }}
),

final as (
    select
        lead_id,
        created_at,
        company_name,
        company_size,
        industry,
        country,
        lead_source,
        converted_at,
        converted_at is not null as is_converted
    from base
    where rejection_reason is null
)

select * from final
