{#- Names of the activity feature columns lead_features returns, in order (they follow the vars). -#}
{% macro lead_feature_columns() -%}
    {%- set columns = ['activities_total'] -%}
    {%- for activity_type in audience_setting('audience__activity_types') -%}
        {%- do columns.append(activity_type ~ '_activities') -%}
    {%- endfor -%}
    {%- for window in audience_setting('audience__event_windows_days') -%}
        {%- do columns.append('activities_' ~ window ~ 'd') -%}
    {%- endfor -%}
    {%- do columns.append('days_since_last_activity') -%}
    {{ return(columns) }}
{%- endmacro %}
