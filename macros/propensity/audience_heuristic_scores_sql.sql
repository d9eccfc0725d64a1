{#- The branch of propensity_scores_sql for a prediction without a model and with a declared
    heuristic: the mean percent rank over the heuristic columns (audience/propensity/heuristic.py),
    a NULL value counting as 0.5, with the columns as reason codes. -#}
{% macro audience_heuristic_scores_sql(declaration, model) -%}
{%- set id_column = declaration.get('id_column') or (declaration['entity'] ~ '_id') -%}
{%- set terms = declaration.get('heuristic', {}) | dictsort -%}
{%- set count = terms | length -%}
{%- set contributions = [] -%}
{%- for column, direction in terms -%}
    {%- do contributions.append((column, '(rank_' ~ loop.index ~ ' - 0.5) / ' ~ count)) -%}
{%- endfor -%}
select
    {{ audience_score_branch_columns(declaration, 'heuristic', none, model['version']) }},
    {{ audience_reason_columns('reasons') }}
from (
    select
        entity_id,
        ({%- for column, direction in terms %}rank_{{ loop.index }}{{ " + " if not loop.last }}{%- endfor %}) / {{ count }} as score,
        {{ audience_ranked_reasons(contributions) }} as reasons
    from (
        select
            cast("{{ id_column | replace('"', '""') }}" as varchar) as entity_id,
            {%- for column, direction in terms %}
            {%- set value = 'cast("' ~ (column | replace('"', '""')) ~ '" as double)' %}
            case
                when {{ value }} is null or isnan({{ value }}) then 0.5
                else percent_rank() over (
                    partition by ({{ value }} is null or isnan({{ value }}))
                    order by {{ value }} {{ "asc" if direction == "up" else "desc" }}
                )
            end as rank_{{ loop.index }}{{ "," if not loop.last }}
            {%- endfor %}
        {{ audience_scoring_rows(declaration) }}
    ) as ranked
) as scored
{%- endmacro %}
