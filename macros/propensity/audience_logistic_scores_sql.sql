{#- The branch of propensity_scores_sql for a logistic-regression champion: its linear terms
    written out as SQL (see propensity_scores_sql for the arithmetic), with reason codes. -#}
{% macro audience_logistic_scores_sql(declaration, model) -%}
{%- set id_column = declaration.get('id_column') or (declaration['entity'] ~ '_id') -%}
{%- set numeric = [] -%}
{%- set categorical = {} -%}
{%- for term in model['terms'] -%}
    {%- if term['level'] is none -%}
        {%- do numeric.append(term) -%}
    {%- else -%}
        {%- do categorical.setdefault(term['column'], []).append(term) -%}
    {%- endif -%}
{%- endfor -%}
{%- set contributions = [] -%}
{%- for term in numeric -%}
    {%- do contributions.append((term['column'], segment_sql_number(term['coefficient']) ~ ' * (input_' ~ loop.index ~ ' - ' ~ segment_sql_number(term['preparation']['reference_input']) ~ ')')) -%}
{%- endfor -%}
{%- for column, terms in categorical.items() -%}
    {%- set reference_level = terms[0]['preparation']['reference_level'] -%}
    {%- set ns = namespace(reference_coefficient=0.0) -%}
    {%- for term in terms if term['level'] == reference_level -%}{%- set ns.reference_coefficient = term['coefficient'] -%}{%- endfor -%}
    {%- do contributions.append((column, 'level_' ~ loop.index ~ ' - ' ~ segment_sql_number(ns.reference_coefficient))) -%}
{%- endfor -%}
select
    {{ audience_score_branch_columns(declaration, 'model', 'logistic_regression', model['version']) }},
    {{ audience_reason_columns('reasons') }}
from (
    select
        entity_id,
        log_odds as model_log_odds,
        {%- set floor = segment_sql_number(model.get('probability_floor') or 0.0) %}
        least(1.0 - {{ floor }}, greatest({{ floor }}, 1.0 / (1.0 + exp(-greatest(-700.0, least(700.0,
            {{ segment_sql_number(model['calibration_slope']) }} * log_odds
            + {{ segment_sql_number(model['calibration_intercept']) }}
        )))))) as probability,
        {{ audience_ranked_reasons(contributions) }} as reasons
    from (
        select
            prepared.*,
            {{ segment_sql_number(model['intercept']) }}
            {%- for term in numeric %}
            + {{ segment_sql_number(term['coefficient']) }} * input_{{ loop.index }}
            {%- endfor %}
            {%- for column in categorical %}
            + level_{{ loop.index }}
            {%- endfor %} as log_odds
        from (
            select
                {%- for term in numeric %}
                {%- set prep = term['preparation'] %}
                {%- set value = 'cast("' ~ (term['column'] | replace('"', '""')) ~ '" as double)' %}
                {%- set filled = 'case when isnan(' ~ value ~ ') then ' ~ segment_sql_number(prep['fill']) ~ ' else coalesce(' ~ value ~ ', ' ~ segment_sql_number(prep['fill']) ~ ') end' %}
                ({{ 'ln(1 + greatest(' ~ filled ~ ', 0))' if prep['transform'] == 'log1p' else filled }}
                    - {{ segment_sql_number(prep['mean']) }}) / {{ segment_sql_number(prep['scale']) }} as input_{{ loop.index }},
                {%- endfor %}
                {%- for column, terms in categorical.items() %}
                case coalesce(cast("{{ column | replace('"', '""') }}" as varchar), '(missing)')
                    {%- for term in terms %}
                    when {{ audience_string_literal(term["level"]) }} then {{ segment_sql_number(term['coefficient']) }}
                    {%- endfor %}
                    else 0.0
                end as level_{{ loop.index }},
                {%- endfor %}
                cast("{{ id_column | replace('"', '""') }}" as varchar) as entity_id
            {{ audience_scoring_rows(declaration) }}
        ) as prepared
    ) as linear
) as scored
{%- endmacro %}
