{#- The expression staging deduplicates and joins a raw id on: the raw column itself when the file
    types it as an integer (no text conversion for every row), else the id as text (text_value).
    Equal keys are exactly equal ids either way. `raw_type` comes from raw_column_types. -#}
{% macro id_key(column, raw_type=none) -%}
    {%- if raw_type in audience_integer_types() -%}
        {{ column }}
    {%- else -%}
        {{ text_value(column, raw_type) }}
    {%- endif -%}
{%- endmacro %}
