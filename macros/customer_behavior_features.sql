{#- Behavioural features for every customer who had signed up before each date in `dates`,
    reading only events before that date. One row per (customer_id, as_of_date): event counts per
    configured type over each window in var audience__event_windows_days, days since the last event
    / visit / login, the weekly login trend and feature adoption. (Spend shares per category come
    from the RFM features: see category_share_columns.) -#}
{% macro customer_behavior_features(dates) -%}
{%- set event_types = var('audience__event_types') -%}
{%- set windows = var('audience__event_windows_days') -%}
{%- set longest_window = windows | max -%}
{%- set weeks = var('audience__login_trend_weeks') -%}
{%- set lookback = [longest_window, weeks * 7] | max -%}
    with

    dates as (
        select distinct as_of_date from {{ dates }}
    ),

    customers as (
        select
            customer_id,
            signup_at
        from {{ ref('stg_shop__customers') }}
    ),

    event_days as (
        select * from {{ ref('int_customer_events_daily') }}
    ),

    population as (
        select
            customers.customer_id,
            dates.as_of_date
        from customers
        inner join dates on customers.signup_at < dates.as_of_date
    ),

    recent_days as (
        -- Only the days inside the longest window (or the login-trend weeks) before each date.
        select
            event_days.*,
            dates.as_of_date,
            {{ dbt.datediff('event_days.event_date', 'dates.as_of_date', 'day') }} as days_before
        from event_days
        inner join dates
            on event_days.event_date < dates.as_of_date
            and event_days.event_date >= {{ dbt.dateadd('day', -lookback, 'dates.as_of_date') }}
    ),

    window_stats as (
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
            -- Least-squares slope of weekly logins over the last {{ weeks }} weeks (week 1 oldest,
            -- week {{ weeks }} the one just before the as-of date). Empty weeks count as zero, so
            -- the slope is sum((week - mean week) * logins) / sum((week - mean week)^2), and only
            -- days with logins contribute to the numerator.
            sum(
                case when days_before <= {{ weeks * 7 }} then
                    ({{ weeks }} - floor((days_before - 1) / 7) - {{ (weeks + 1) / 2 }}) * login_events
                else 0 end
            ) / {{ (weeks * (weeks * weeks - 1) / 12) | float }} as login_trend_slope
        from recent_days
        group by customer_id, as_of_date
    ),

    last_activity as (
        -- The customer's last event day before each date: event_date < D <= next_event_date.
        select
            event_days.customer_id,
            dates.as_of_date,
            {{ dbt.datediff('event_days.event_date', 'dates.as_of_date', 'day') }} as days_since_last_event,
            {{ dbt.datediff('event_days.last_visit_date', 'dates.as_of_date', 'day') }} as days_since_last_visit,
            {{ dbt.datediff('event_days.last_login_date', 'dates.as_of_date', 'day') }} as days_since_last_login
        from event_days
        inner join dates
            on event_days.event_date < dates.as_of_date
            and (event_days.next_event_date >= dates.as_of_date or event_days.next_event_date is null)
    ),

    feature_use as (
        select
            customer_id,
            event_detail,
            cast(event_at as date) as event_date
        from {{ ref('stg_shop__events') }}
        where event_type = 'feature_use' and event_detail is not null
    ),

    features_available as (
        -- Features anyone had used before the date: the denominator of the adoption rate.
        select
            dates.as_of_date,
            count(first_use.event_detail) as features_available
        from dates
        left join (
            select
                event_detail,
                min(event_date) as first_used_date
            from feature_use
            group by event_detail
        ) as first_use on first_use.first_used_date < dates.as_of_date
        group by dates.as_of_date
    ),

    feature_stats as (
        select
            feature_use.customer_id,
            dates.as_of_date,
            cast(count(distinct feature_use.event_detail) as integer) as features_used_{{ longest_window }}d
        from feature_use
        inner join dates
            on feature_use.event_date < dates.as_of_date
            and feature_use.event_date >= {{ dbt.dateadd('day', -longest_window, 'dates.as_of_date') }}
        group by feature_use.customer_id, dates.as_of_date
    ),

    final as (
        select
            population.customer_id,
            population.as_of_date,
            {%- for window in windows %}
            {%- for event_type in event_types %}
            coalesce(window_stats.{{ event_type }}_events_{{ window }}d, 0) as {{ event_type }}_events_{{ window }}d,
            {%- endfor %}
            coalesce(window_stats.events_{{ window }}d, 0) as events_{{ window }}d,
            coalesce(window_stats.active_days_{{ window }}d, 0) as active_days_{{ window }}d,
            {%- endfor %}
            last_activity.days_since_last_event,
            last_activity.days_since_last_visit,
            last_activity.days_since_last_login,
            coalesce(window_stats.login_trend_slope, 0) as login_trend_slope,
            coalesce(feature_stats.features_used_{{ longest_window }}d, 0) as features_used_{{ longest_window }}d,
            coalesce(
                cast(feature_stats.features_used_{{ longest_window }}d as double)
                / nullif(features_available.features_available, 0),
                0
            ) as feature_adoption_rate
        from population
        left join window_stats
            on population.customer_id = window_stats.customer_id
            and population.as_of_date = window_stats.as_of_date
        left join last_activity
            on population.customer_id = last_activity.customer_id
            and population.as_of_date = last_activity.as_of_date
        left join feature_stats
            on population.customer_id = feature_stats.customer_id
            and population.as_of_date = feature_stats.as_of_date
        left join features_available
            on population.as_of_date = features_available.as_of_date
    )

    select * from final
{%- endmacro %}
