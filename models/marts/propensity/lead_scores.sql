-- One row per lead and declared lead prediction: calibrated probability (or the flagged
-- heuristic score where no model could be trained), its rank, band and top 3 reasons.
with

scores as (
    select * from {{ ref('int_prediction_scores') }}
    where entity_type = 'lead' and prediction_kind = 'propensity'
),

final as (
    select
        cast(entity_id as varchar) as lead_id,
        cast(prediction as varchar) as prediction,
        cast(probability as double) as probability,
        cast(score as double) as score,
        cast(score_source as varchar) as score_source,
        cast(score_source = 'heuristic' as boolean) as is_heuristic,
        cast(percentile as double) as percentile,
        cast(decile as integer) as decile,
        cast(band as varchar) as band,
        cast(algorithm as varchar) as algorithm,
        cast(model_version as varchar) as model_version,
        cast(as_of_date as date) as as_of_date,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as scored_at,
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
