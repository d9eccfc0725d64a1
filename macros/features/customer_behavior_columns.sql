{#- Names of the feature columns customer_behavior_features returns (besides customer_id and
    as_of_date), in order. They follow the vars, so models can list them without hard-coding. -#}
{% macro customer_behavior_columns() -%}
    {%- set columns = [] -%}
    {%- for window in audience_setting('audience__event_windows_days') -%}
        {%- for event_type in audience_setting('audience__event_types') -%}
            {%- do columns.append(event_type ~ '_events_' ~ window ~ 'd') -%}
        {%- endfor -%}
        {%- do columns.append('events_' ~ window ~ 'd') -%}
        {%- do columns.append('active_days_' ~ window ~ 'd') -%}
    {%- endfor -%}
    {%- do columns.extend([
        'days_since_last_event', 'days_since_last_visit', 'days_since_last_login',
        'login_trend_slope', 'features_used_' ~ (audience_setting('audience__event_windows_days') | max) ~ 'd',
        'feature_adoption_rate']) -%}
    {{ return(columns) }}
{%- endmacro %}
