{#- A rejected row's values as one JSON text, so nothing is lost when a row is rejected. Each item
    is a column name, or "key := expression" to store an expression under another key.
    `raw_types` (from raw_column_types) marks floating-point columns, whose NaN and infinities are
    stored as text ("NaN", "inf"): JSON has no literal for them. -#}
{% macro raw_record_json(columns, raw_types={}) -%}
    {{ return(adapter.dispatch('raw_record_json', 'audience')(columns, raw_types)) }}
{%- endmacro %}

{% macro duckdb__raw_record_json(columns, raw_types={}) -%}
    cast(to_json(struct_pack(
        {%- for column in columns %}
        {%- set key = (column.split(':=')[0] | trim) if ':=' in column else column %}
        {%- set expression = (column.split(':=')[1] | trim) if ':=' in column else column %}
        {%- if (raw_types.get(key) or '') in ['FLOAT', 'DOUBLE', 'REAL'] %}
        {{ key }} := case
            when isfinite({{ expression }}) or {{ expression }} is null then to_json({{ expression }})
            else to_json(cast({{ expression }} as varchar))
        end
        {%- else %}
        {{ key }} := {{ expression }}
        {%- endif %}{{ "," if not loop.last }}
        {%- endfor %}
    )) as varchar)
{%- endmacro %}
