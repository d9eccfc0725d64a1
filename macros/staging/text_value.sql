{#- A raw value as text: trimmed, with empty strings as NULL. A column that is not text in the raw
    file (say, a BIGINT id) only needs a cast. `raw_type` comes from raw_column_types.

    trim() is costly on tens of millions of rows and almost never changes a value: it only removes
    Unicode space separators, and an all-ASCII value (as many bytes as characters) without a space
    has none to remove. Such values skip it; the result is the same. (One search for a space costs
    about half of testing both ends: 0.3 s less per 48M values.) That test uses DuckDB's strlen
    (bytes) and contains, so it is DuckDB's implementation; elsewhere every value is trimmed. -#}
{% macro text_value(column, raw_type=none) -%}
    {{ return(adapter.dispatch('text_value', 'audience')(column, raw_type)) }}
{%- endmacro %}

{% macro default__text_value(column, raw_type=none) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{% macro duckdb__text_value(column, raw_type=none) -%}
    {%- if raw_type and raw_type != 'VARCHAR' -%}
        cast({{ column }} as varchar)
    {%- elif raw_type == 'VARCHAR' -%}
        case
            when contains({{ column }}, ' ') or strlen({{ column }}) != length({{ column }})
                then nullif(trim({{ column }}), '')
            else nullif({{ column }}, '')
        end
    {%- else -%}
        nullif(trim(cast({{ column }} as varchar)), '')
    {%- endif -%}
{%- endmacro %}
