{#- Behavioural features for every customer who had signed up before each date in `dates`,
    reading only events and purchases before that date. One row per (customer_id, as_of_date):
    event counts per configured type over each window in var audience__event_windows_days, days
    since the last event / visit / login, the weekly login trend and feature adoption. (Spend shares
    per category come from the RFM features: see category_share_columns.) -#}
{% macro customer_behavior_features(dates) -%}
{%- set event_types = var('audience__event_types') -%}
{%- set windows = var('audience__event_windows_days') -%}
{%- set longest_window = windows | max -%}
{%- set weeks = var('audience__login_trend_weeks') -%}
    with

    dates as (
        select distinct as_of_date from {{ dates }}
    ),

    customers as (
        select customer_id, signup_at from {{ ref('stg_shop__customers') }}
    ),

    population as (
        select customers.customer_id, dates.as_of_date
        from customers
        inner join dates on customers.signup_at < dates.as_of_date
    ),

    event_days as (
        select
            event_days.*,
            dates.as_of_date,
            {{ dbt.datediff('event_days.event_date', 'dates.as_of_date', 'day') }} as days_before
        from {{ ref('int_customer_events_daily') }} as event_days
        inner join dates on event_days.event_date < dates.as_of_date
    ),

    event_stats as (
        select
            customer_id,
            as_of_date,
            {%- for window in windows %}
            {%- for event_type in event_types %}
            cast(sum(case when days_before <= {{ window }} then {{ event_type }}_events else 0 end) as integer)
                as {{ event_type }}_events_{{ window }}d,
            {%- endfor %}
            cast(sum(case when days_before <= {{ window }} then events else 0 end) as integer)
                as events_{{ window }}d,
            cast(count(case when days_before <= {{ window }} then 1 end) as integer)
                as active_days_{{ window }}d,
            {%- endfor %}
            min(days_before) as days_since_last_event,
            min(case when visit_events > 0 then days_before end) as days_since_last_visit,
            min(case when login_events > 0 then days_before end) as days_since_last_login,
            -- Least-squares slope of weekly logins over the last {{ weeks }} weeks (week 1 oldest,
            -- week {{ weeks }} the one just before the as-of date). Empty weeks count as zero, so
            -- the slope is sum((week - mean week) * logins) / sum((week - mean week)^2), and only
            -- days with logins contribute to the numerator.
            sum(
                case when days_before <= {{ weeks * 7 }} then
                    ({{ weeks }} - floor((days_before - 1) / 7) - {{ (weeks + 1) / 2 }}) * login_events
                else 0 end
            ) / {{ (weeks * (weeks * weeks - 1) / 12) | float }} as login_trend_slope
        from event_days
        group by customer_id, as_of_date
    ),

    feature_use as (
        select
            events.customer_id,
            events.event_detail,
            dates.as_of_date,
            {{ dbt.datediff('cast(events.event_at as date)', 'dates.as_of_date', 'day') }} as days_before
        from {{ ref('stg_shop__events') }} as events
        inner join dates on events.event_at < dates.as_of_date
        where events.event_type = 'feature_use' and events.event_detail is not null
    ),

    features_available as (
        -- Features anyone had used before the date: the denominator of the adoption rate.
        select as_of_date, count(distinct event_detail) as features_available
        from feature_use
        group by as_of_date
    ),

    feature_stats as (
        select
            customer_id,
            as_of_date,
            cast(count(distinct case when days_before <= {{ longest_window }} then event_detail end) as integer)
                as features_used_{{ longest_window }}d
        from feature_use
        group by customer_id, as_of_date
    ),

    final as (
        select
            population.customer_id,
            population.as_of_date,
            {%- for window in windows %}
            {%- for event_type in event_types %}
            coalesce(event_stats.{{ event_type }}_events_{{ window }}d, 0) as {{ event_type }}_events_{{ window }}d,
            {%- endfor %}
            coalesce(event_stats.events_{{ window }}d, 0) as events_{{ window }}d,
            coalesce(event_stats.active_days_{{ window }}d, 0) as active_days_{{ window }}d,
            {%- endfor %}
            event_stats.days_since_last_event,
            event_stats.days_since_last_visit,
            event_stats.days_since_last_login,
            coalesce(event_stats.login_trend_slope, 0) as login_trend_slope,
            coalesce(feature_stats.features_used_{{ longest_window }}d, 0) as features_used_{{ longest_window }}d,
            coalesce(
                cast(feature_stats.features_used_{{ longest_window }}d as double)
                / nullif(features_available.features_available, 0),
                0
            ) as feature_adoption_rate
        from population
        left join event_stats
            on population.customer_id = event_stats.customer_id
            and population.as_of_date = event_stats.as_of_date
        left join feature_stats
            on population.customer_id = feature_stats.customer_id
            and population.as_of_date = feature_stats.as_of_date
        left join features_available
            on population.as_of_date = features_available.as_of_date
    )

    select * from final
{%- endmacro %}
