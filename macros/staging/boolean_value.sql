{#- A raw value as a BOOLEAN: true, t, yes, y, 1 are true and false, f, no, n, 0 are false, in any
    case and with surrounding blanks; anything else is NULL (staging then says the value did not
    parse). A BOOLEAN column is taken as it is; an integer column holds 1 or 0 (its text is
    compared). `raw_type` comes from raw_column_types. -#}
{% macro boolean_value(column, raw_type=none) -%}
    {%- if raw_type == 'BOOLEAN' -%}
        {{ column }}
    {%- else -%}
        {%- set text = 'lower(' ~ text_value(column, raw_type) ~ ')' -%}
        case
            when {{ text }} in ('true', 't', 'yes', 'y', '1') then true
            when {{ text }} in ('false', 'f', 'no', 'n', '0') then false
        end
    {%- endif -%}
{%- endmacro %}
