{#- The DuckDB types of a raw source's columns, as {column name: TYPE}, read when the model runs
    (the raw views exist by then: register_raw_sources made them). Staging uses them to skip parsing
    that a typed file does not need (a Parquet TIMESTAMP needs no try_cast, a BIGINT id no trim).
    Empty at parse time and when the relation does not exist yet: every value is then parsed. -#}
{% macro raw_column_types(relation) -%}
    {%- set types = {} -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do types.update({column.name | lower: column.dtype | upper}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(types) }}
{%- endmacro %}
