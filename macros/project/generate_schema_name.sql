{#- Custom schemas are used as named (staging, features, marts, ...) rather than prefixed with
    the target schema, so the warehouse reads the same in every environment. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
