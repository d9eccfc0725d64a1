{#- Earliest valid timestamp: earlier ones are rejected in staging (var audience__min_valid_date). -#}
{% macro audience_timestamp_floor() -%}
    cast({{ audience_string_literal(audience_setting('audience__min_valid_date')) }} as timestamp)
{%- endmacro %}
