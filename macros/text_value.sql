{#- A text column trimmed, with empty strings as NULL. -#}
{% macro text_value(column) -%}
    nullif(trim(cast({{ column }} as varchar)), '')
{%- endmacro %}
