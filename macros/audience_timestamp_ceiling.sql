{#- Latest valid timestamp: later ones are "in the future" and rejected in staging. The var
    audience__max_valid_timestamp pins it (for reproducible rebuilds of old data); by default it is
    the moment the dbt invocation started. -#}
{% macro audience_timestamp_ceiling() -%}
    {%- set pinned = var("audience__max_valid_timestamp") -%}
    {%- if pinned -%}
        cast('{{ pinned }}' as timestamp)
    {%- else -%}
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
    {%- endif -%}
{%- endmacro %}
