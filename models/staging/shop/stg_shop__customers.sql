-- Staged customers: one row per valid customer id.
with

base as (
    select * from {{ ref('base_shop__customers') }}
),

final as (
    select
        customer_id,
        signup_at,
        email,
        country,
        acquisition_channel,
        birth_year,
        gender,
        marketing_consent,
        phone
    from base
    where rejection_reason is null
)

select * from final
