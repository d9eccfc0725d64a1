{#- The post-hook of score_history: deletes the as-of dates more than var
    audience__score_history_days before the newest date kept (not the build's own date, so a
    backtest pinned to an earlier date never deletes later history). -#}
{% macro audience_score_history_retention() -%}
    {%- set days = audience_setting('audience__score_history_days') | int -%}
delete from {{ this }}
where as_of_date < (
    select {{ dbt.dateadd('day', -days, 'max(as_of_date)') }}
    from {{ this }}
)
{%- endmacro %}
