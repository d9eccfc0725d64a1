{#- A SQL expression that stops the query with `message` (a SQL text expression) when evaluated:
    for a problem the build must not carry on from (a setting that contradicts the data). Rows
    with bad values are rejected in staging instead; this is for what no row can fix. -#}
{% macro audience_fail(message) -%}
    {{ return(adapter.dispatch('audience_fail', 'audience')(message)) }}
{%- endmacro %}

{% macro duckdb__audience_fail(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro spark__audience_fail(message) -%}
    raise_error({{ message }})
{%- endmacro %}
