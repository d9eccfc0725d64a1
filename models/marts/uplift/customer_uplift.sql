-- One row per scored customer: predicted uplift of a campaign like the ones in the data, its
-- decile and the classic group, from the champion learner.
with

scores as (
    select * from {{ ref('customer_uplift_scores') }}
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

final as (
    select
        cast(scores.customer_id as varchar) as customer_id,
        cast(scores.uplift_score as double) as uplift_score,
        cast(scores.response_probability_control as double) as response_probability_control,
        cast(scores.response_probability_treated as double) as response_probability_treated,
        cast(scores.uplift_decile as integer) as uplift_decile,
        cast(scores.uplift_group as varchar) as uplift_group,
        cast(scores.learner as varchar) as learner,
        cast(scores.model_version as varchar) as model_version,
        as_of.as_of_date
    from scores
    cross join as_of
)

select * from final
