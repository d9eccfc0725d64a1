{#- DuckDB integer types, as raw_column_types spells them. -#}
{% macro audience_integer_types() -%}
    {{ return(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT']) }}
{%- endmacro %}
