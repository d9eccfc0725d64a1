{#- A raw value as a timestamp: NULL when it does not parse. A column that is already a TIMESTAMP
    or DATE in the raw file is cast directly. `raw_type` comes from raw_column_types. -#}
{% macro timestamp_value(column, raw_type=none) -%}
    {%- if raw_type and (raw_type.startswith('TIMESTAMP') or raw_type == 'DATE') -%}
        cast({{ column }} as timestamp)
    {%- else -%}
        try_cast({{ column }} as timestamp)
    {%- endif -%}
{%- endmacro %}
