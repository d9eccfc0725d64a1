{#- A list of values as a SQL list of string literals: ('a', 'b'). -#}
{% macro quoted_list(values) -%}
    ({%- for value in values -%}{{ audience_string_literal(value) }}{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}
