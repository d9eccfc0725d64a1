-- One row per entity and declared prediction, for every entity type (customer, lead, or any
-- name a declaration gives): calibrated probability (or the flagged heuristic score where no
-- model could be trained), its rank, band and top 3 reasons. customer_scores and lead_scores
-- are this table filtered to one entity type.
with

scores as (
    select * from {{ ref('int_prediction_scores') }}
    where prediction_kind = 'propensity'
),

final as (
    select
        cast(entity_type as varchar) as entity_type,
        cast(entity_id as varchar) as entity_id,
        cast(prediction as varchar) as prediction,
        cast(probability as double) as probability,
        cast(score as double) as score,
        cast(model_log_odds as double) as model_log_odds,
        cast(score_source as varchar) as score_source,
        cast(score_source = 'heuristic' as boolean) as is_heuristic,
        cast(percentile as double) as percentile,
        cast(score_rank as bigint) as score_rank,
        cast(decile as integer) as decile,
        cast(band as varchar) as band,
        cast(algorithm as varchar) as algorithm,
        cast(model_version as varchar) as model_version,
        cast(as_of_date as date) as as_of_date,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as scored_at,
        {{ propensity_reason_casts() }}
    from scores
)

select * from final
