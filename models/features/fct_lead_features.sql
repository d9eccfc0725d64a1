-- Lead features as of the as-of date: firmographics, activity counts and recency.
with

features as (
    {{ lead_features(ref('int_as_of_date')) }}
),

final as (
    select * from features
)

select * from final
