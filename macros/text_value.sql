{#- A raw value as text: trimmed, with empty strings as NULL. A column that is not text in the raw
    file (say, a BIGINT id) only needs a cast. `raw_type` comes from raw_column_types. -#}
{% macro text_value(column, raw_type=none) -%}
    {%- if raw_type and raw_type != 'VARCHAR' -%}
        cast({{ column }} as varchar)
    {%- else -%}
        nullif(trim(cast({{ column }} as varchar)), '')
    {%- endif -%}
{%- endmacro %}
