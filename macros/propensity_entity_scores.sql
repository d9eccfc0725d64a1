{#- The SELECT of a propensity score mart (customer_scores, lead_scores): the rows of
    int_prediction_scores for one entity type's propensity predictions, with the entity id named
    <entity>_id and every column cast to its contracted type. -#}
{% macro propensity_entity_scores(entity) -%}
with

scores as (
    select * from {{ ref('int_prediction_scores') }}
    where entity_type = '{{ entity }}' and prediction_kind = 'propensity'
),

final as (
    select
        cast(entity_id as varchar) as {{ entity }}_id,
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
        {{ propensity_reason_casts() }}
    from scores
)

select * from final
{%- endmacro %}
