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
        cast(reason_1_feature as varchar) as reason_1_feature,
        cast(reason_1_direction as varchar) as reason_1_direction,
        cast(reason_1_contribution as double) as reason_1_contribution,
        cast(reason_2_feature as varchar) as reason_2_feature,
        cast(reason_2_direction as varchar) as reason_2_direction,
        cast(reason_2_contribution as double) as reason_2_contribution,
        cast(reason_3_feature as varchar) as reason_3_feature,
        cast(reason_3_direction as varchar) as reason_3_direction,
        cast(reason_3_contribution as double) as reason_3_contribution
    from scores
)

select * from final
