{#- A float as a SQL double literal that parses back to exactly the same value: the shortest
    round-trip repr, always with an exponent (so engines read it as a double, not a decimal). -#}
{% macro segment_sql_number(value) -%}
    {%- set text = value | string -%}
    {%- if value is none -%}
        cast(null as double)
    {%- elif 'e' in text or 'E' in text -%}
        {{ text }}
    {%- elif text in ('nan', 'inf', '-inf') -%}
        {{ exceptions.raise_compiler_error("segment model parameter is not finite: " ~ text) }}
    {%- else -%}
        {{ text }}e0
    {%- endif -%}
{%- endmacro %}
