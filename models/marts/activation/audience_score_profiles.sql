-- For every declared audience and every score of its entity (each prediction's probability; for
-- customers also CLV, P(alive) and the uplift score): the mean over its members, over the treated
-- and the held-out members, and over the whole entity population at the as-of date (each mean
-- over the rows in id order, so that it is the same to the last bit on every build).
{%- set columns = {'customer': [], 'lead': []} %}
{%- for entity in ['customer', 'lead'] %}
{%- for prediction in audience_entity_predictions(entity) %}
{%- do columns[entity].append(prediction ~ '_probability') %}
{%- endfor %}
{%- endfor %}
{%- do columns['customer'].extend(['clv', 'probability_alive', 'uplift_score']) %}
with

members as (
    select * from {{ ref('audience_members') }}
),

customer_attributes as (
    select * from {{ ref('audience_customer_attributes') }}
),

lead_attributes as (
    select * from {{ ref('audience_lead_attributes') }}
),

scores as (
    {%- set parts = [] %}
    {%- for entity in ['customer', 'lead'] %}
    {%- for column in columns[entity] %}
    {%- do parts.append((entity, column)) %}
    {%- endfor %}
    {%- endfor %}
    {%- for entity, column in parts %}
    select
        {{ audience_string_literal(entity) }} as entity_type,
        cast({{ entity }}_id as varchar) as entity_id,
        {{ audience_string_literal(column) }} as score,
        cast({{ adapter.quote(column) }} as double) as score_value
    from {{ entity }}_attributes
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

population as (
    select
        entity_type,
        score,
        {{ audience_ordered_aggregate('avg', 'score_value', 'entity_id') }} as population_mean
    from scores
    group by entity_type, score
),

final as (
    select
        cast(members.audience as varchar) as audience,
        cast(scores.score as varchar) as score,
        cast({{ audience_ordered_aggregate(
            'avg', 'scores.score_value', 'scores.entity_id'
        ) }} as double) as member_mean,
        cast({{ audience_ordered_aggregate(
            'avg', 'case when not members.is_holdout then scores.score_value end', 'scores.entity_id'
        ) }} as double) as treated_mean,
        cast({{ audience_ordered_aggregate(
            'avg', 'case when members.is_holdout then scores.score_value end', 'scores.entity_id'
        ) }} as double) as holdout_mean,
        cast(max(population.population_mean) as double) as population_mean,
        cast(count(scores.score_value) as bigint) as scored_members
    from members
    inner join scores
        on members.entity_type = scores.entity_type and members.entity_id = scores.entity_id
    inner join population
        on scores.entity_type = population.entity_type and scores.score = population.score
    group by members.audience, scores.score
)

select * from final
