{#- A list of values as a SQL list of string literals: ('a', 'b'). -#}
{% macro quoted_list(values) -%}
    ({%- for value in values -%}'{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}
