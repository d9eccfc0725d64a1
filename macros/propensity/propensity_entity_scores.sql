{#- The SELECT of a one-entity score mart (customer_scores, lead_scores): the rows of
    entity_scores for that entity type, with the entity id named <entity>_id. -#}
{% macro propensity_entity_scores(entity) -%}
with

scores as (
    select * from {{ ref('entity_scores') }}
    where entity_type = '{{ entity }}'
),

final as (
    select
        entity_id as {{ entity }}_id,
        prediction,
        probability,
        score,
        model_log_odds,
        score_source,
        is_heuristic,
        percentile,
        score_rank,
        decile,
        band,
        algorithm,
        model_version,
        as_of_date,
        scored_at,
        {%- for n in range(1, 4) %}
        reason_{{ n }}_feature,
        reason_{{ n }}_direction,
        reason_{{ n }}_contribution{{ "," if not loop.last }}
        {%- endfor %}
    from scores
)

select * from final
{%- endmacro %}
