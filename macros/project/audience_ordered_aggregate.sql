{#- `function(value)` over the rows of a group taken in the order of `order_by`: floating-point sums
    depend on the order rows arrive in, and a fixed order keeps every build's results identical to
    the last bit (the determinism test compares every table of two builds). -#}
{% macro audience_ordered_aggregate(function, value, order_by) -%}
    {%- if function not in ['avg', 'sum', 'stddev_pop', 'var_samp'] -%}
        {{ exceptions.raise_compiler_error("audience_ordered_aggregate: unsupported function " ~ function) }}
    {%- endif -%}
    {{ return(adapter.dispatch('audience_ordered_aggregate', 'audience')(function, value, order_by)) }}
{%- endmacro %}

{#- DuckDB sorts a group's rows for an aggregate with ORDER BY. -#}
{% macro duckdb__audience_ordered_aggregate(function, value, order_by) -%}
    {{ return(function ~ '(' ~ value ~ ' order by ' ~ order_by ~ ')') }}
{%- endmacro %}

{#- Engines without ordered aggregates: the plain aggregate (equal up to the last bits). -#}
{% macro default__audience_ordered_aggregate(function, value, order_by) -%}
    {{ return(function ~ '(' ~ value ~ ')') }}
{%- endmacro %}
