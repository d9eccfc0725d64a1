{#- A raw value as an INTEGER, NULL when it is not a whole number (2.5 or '2.5' is not rounded to
    an integer, as a plain cast would) or does not fit. pandas writes an integer column with
    missing values as DOUBLE, so whole numbers in a float column count. -#}
{% macro integer_value(column, raw_type=none) -%}
    {%- if raw_type in audience_integer_types() -%}
        try_cast({{ column }} as integer)
    {%- else -%}
        {%- set exact = amount_exact_value(column, raw_type) -%}
        case when {{ exact }} = trunc({{ exact }}) then try_cast({{ exact }} as integer) end
    {%- endif -%}
{%- endmacro %}
