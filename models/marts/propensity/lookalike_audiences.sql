-- The top 1% and 5% of each lookalike audience's candidate pool by similarity to the seed (a
-- seed-vs-pool model's calibrated probability), with the reasons. audience_tier says which cut a
-- row makes: top_1pct rows are also in the top 5%.
with

scores as (
    select * from {{ ref('int_prediction_scores') }}
    where prediction_kind = 'lookalike' and top_share <= 0.05
),

final as (
    select
        cast(prediction as varchar) as lookalike,
        cast(entity_type as varchar) as entity_type,
        cast(entity_id as varchar) as entity_id,
        cast(score as double) as similarity_score,
        cast(rank() over (partition by prediction order by score desc) as integer) as similarity_rank,
        cast(top_share as double) as top_share,
        cast(case when top_share <= 0.01 then 'top_1pct' else 'top_5pct' end as varchar) as audience_tier,
        cast(algorithm as varchar) as algorithm,
        cast(model_version as varchar) as model_version,
        cast(as_of_date as date) as as_of_date,
        {{ propensity_reason_casts() }}
    from scores
)

select * from final
