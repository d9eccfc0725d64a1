{#- The lead-conversion population, written once: a lead created in the var
    audience__lead_open_days before the date its features are computed at. fct_lead_snapshots keeps
    only such open leads, and fct_lead_features carries it for scoring (the lead_conversion_30d
    declaration's population). -#}
{% macro is_recent_lead(days_since_created) -%}
    coalesce({{ days_since_created }} <= {{ audience_setting('audience__lead_open_days') }}, false)
{%- endmacro %}
