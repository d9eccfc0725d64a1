{#- The reason_<1..3>_feature / _direction / _contribution columns from the list that
    audience_ranked_reasons builds (largest contribution first). DuckDB: list indexing and struct
    fields; other engines need their own implementation (issue 19). -#}
{% macro audience_reason_columns(reasons) -%}
    {{ return(adapter.dispatch('audience_reason_columns', 'audience')(reasons)) }}
{%- endmacro %}

{% macro duckdb__audience_reason_columns(reasons) -%}
    {%- for n in range(1, 4) %}
    {{ reasons }}[{{ n }}].feature as reason_{{ n }}_feature,
    case
        when {{ reasons }}[{{ n }}].contribution > 0 then 'raises'
        when {{ reasons }}[{{ n }}].contribution < 0 then 'lowers'
    end as reason_{{ n }}_direction,
    {{ reasons }}[{{ n }}].contribution as reason_{{ n }}_contribution{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
