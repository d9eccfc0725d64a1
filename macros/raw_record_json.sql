{#- A rejected row's values as one JSON text, so nothing is lost when a row is rejected. Each item
    is a column name, or "key := expression" to store an expression under another key. -#}
{% macro raw_record_json(columns) -%}
    {{ return(adapter.dispatch('raw_record_json', 'audience')(columns)) }}
{%- endmacro %}

{% macro default__raw_record_json(columns) -%}
    cast(to_json(struct_pack(
        {%- for column in columns %}
        {{ column if ':=' in column else column ~ ' := ' ~ column }}{{ "," if not loop.last }}
        {%- endfor %}
    )) as varchar)
{%- endmacro %}
