{#- The notes of a model-state table's rows (record = 'note') as one text, in their order
    (position), joined by `separator`: for the marts that show a model's notes. dbt's listagg, so
    each engine gets its own ordered string aggregate. -#}
{% macro audience_state_notes(separator) -%}
    {{ dbt.listagg('text_value', audience_string_literal(separator), 'order by position') }}
{%- endmacro %}
