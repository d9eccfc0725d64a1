{#- The branch of propensity_scores_sql for a tree or blend champion: the rows that
    propensity_python_scores computed in Python. -#}
{% macro audience_python_scores_sql(declaration, model, python_scores) -%}
select
    {{ audience_score_branch_columns(declaration, 'model', model['champion'], model['version']) }},
    {%- for n in range(1, 4) %}
    reason_{{ n }}_feature,
    reason_{{ n }}_direction,
    reason_{{ n }}_contribution{{ "," if not loop.last }}
    {%- endfor %}
from {{ python_scores }}
where prediction = '{{ declaration["name"] }}'
{%- endmacro %}
