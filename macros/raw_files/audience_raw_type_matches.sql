{#- Whether a DuckDB column type can hold values of a contract type. Text can hold anything: its
    values are parsed in staging, and rows that do not parse are rejected with a reason. -#}
{% macro audience_raw_type_matches(kind, actual_type) -%}
    {%- set is_text = actual_type == 'VARCHAR' -%}
    {%- set is_integer = actual_type in ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'] -%}
    {%- set is_number = is_integer or actual_type in ['FLOAT', 'DOUBLE', 'REAL'] or actual_type.startswith('DECIMAL') -%}
    {%- set is_time = actual_type.startswith('TIMESTAMP') or actual_type == 'DATE' -%}
    {%- if kind == 'id' -%}{{ return(is_text or is_integer) }}
    {%- elif kind == 'timestamp' -%}{{ return(is_text or is_time) }}
    {%- elif kind == 'number' -%}{{ return(is_text or is_number) }}
    {%- elif kind == 'integer' -%}{{ return(is_text or is_number) }}
    {%- elif kind == 'boolean' -%}{{ return(is_text or is_integer or actual_type == 'BOOLEAN') }}
    {%- else -%}{{ return(is_text or is_number or actual_type == 'BOOLEAN') }}
    {%- endif -%}
{%- endmacro %}
