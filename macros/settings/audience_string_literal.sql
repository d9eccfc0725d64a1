{#- `value` as a SQL text literal, escaped for the adapter. -#}
{% macro audience_string_literal(value) -%}
    {{ return(adapter.dispatch('audience_string_literal', 'audience')(value)) }}
{%- endmacro %}

{% macro default__audience_string_literal(value) -%}
    {{ return("'" ~ (value | string | replace("'", "''")) ~ "'") }}
{%- endmacro %}

{#- Spark reads a backslash in a literal as an escape character. -#}
{% macro spark__audience_string_literal(value) -%}
    {{ return("'" ~ (value | string | replace("\\", "\\\\") | replace("'", "\\'")) ~ "'") }}
{%- endmacro %}
