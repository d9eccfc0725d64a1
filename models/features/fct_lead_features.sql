-- Lead features as of the as-of date: firmographics, activity counts and recency.
with

features as (
    {{ lead_features(ref('int_as_of_date')) }}
),

final as (
    select
        *,
        -- the lead_conversion_30d population (not a feature: its YAML says feature: false)
        {{ is_recent_lead('days_since_created') }} as is_recent_lead
    from features
)

select * from final
