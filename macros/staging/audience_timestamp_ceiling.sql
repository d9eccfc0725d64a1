{#- Latest valid timestamp (UTC): later ones are "in the future" and rejected in staging. The var
    audience__max_valid_timestamp pins it (for reproducible rebuilds of old data); by default it is
    the moment the dbt invocation started (dbt's run_started_at is in UTC). -#}
{% macro audience_timestamp_ceiling() -%}
    {%- set pinned = audience_setting('audience__max_valid_timestamp') -%}
    cast({{ audience_string_literal(pinned or run_started_at.strftime("%Y-%m-%d %H:%M:%S")) }} as timestamp)
{%- endmacro %}
