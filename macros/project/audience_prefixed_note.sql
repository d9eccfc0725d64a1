{#- SQL: `prefix` and `text` joined by `separator`, either alone when the other is NULL (NULL when
    both are): how the marts put the absent-sources note in front of their own notes. -#}
{% macro audience_prefixed_note(prefix, text, separator) -%}
    case
        when {{ prefix }} is null then {{ text }}
        when {{ text }} is null then {{ prefix }}
        else {{ prefix }} || {{ audience_string_literal(separator) }} || {{ text }}
    end
{%- endmacro %}
