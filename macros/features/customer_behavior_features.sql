{#- Behavioural features for every customer who had signed up before each date in `dates`,
    reading only events before that date. One row per (customer_id, as_of_date): event counts per
    configured type over each window in var audience__event_windows_days, days since the last event
    / visit / login, the weekly login trend and feature adoption. (Spend shares per category come
    from the RFM features: see category_share_columns.)

    The staged events are aggregated per customer and date in one pass (plus one pass over the
    feature_use events): no per-day table. Each date reads its windows and the events since the
    previous date (see date_ranges), and the days since the last event come from the latest
    event of its range and the earlier ones, so many dates (the training snapshots) do not read all
    history each. Active days in a window are counted
    with a bit mask of the days with events (bit N = N days before the date), which is much cheaper
    than count(distinct day) per window; windows longer than 126 days, which do not fit the mask,
    fall back to count(distinct). Likewise the counts of one event type in up to three windows are
    one sum of packed window flags (see window_flags), not one count per window. Both packings are
    DuckDB SQL (HUGEINT and bit functions), chosen by audience_behavior_packing; on other engines
    the portable path (count(distinct), one count per window) runs. -#}
{% macro customer_behavior_features(dates) -%}
{%- set event_types = audience_setting('audience__event_types') -%}
{%- set visit_types = audience_setting('audience__visit_event_types') -%}
{%- set windows = audience_setting('audience__event_windows_days') -%}
{%- set longest_window = windows | max -%}
{%- set weeks = audience_setting('audience__login_trend_weeks') -%}
{%- set lookback = [longest_window, weeks * 7] | max -%}
{%- set packing = audience_behavior_packing(windows) -%}
{%- set use_day_mask = packing['day_mask'] -%}
{%- set use_packed_counts = packing['packed_counts'] -%}
{%- set field_bits = 126 // (windows | length) -%}
{%- set days_before = dbt.datediff('events.event_date', 'date_ranges.as_of_date', 'day') -%}
{%- set login_index = event_types.index('login') + 1 -%}
{%- set visit_indexes = [] -%}
{%- for event_type in event_types if event_type in visit_types -%}
    {%- do visit_indexes.append(event_types.index(event_type) + 1) -%}
{%- endfor -%}
    with

    dates as (
        select distinct as_of_date from {{ dates }}
    ),

    date_ranges as (
        -- The events each date reads in dated_events: its windows (the {{ lookback }} days before
        -- it) and everything since the previous date (all history for the first date), so that
        -- each event is read for a few dates, not for every later one.
        select
            as_of_date,
            case when previous_date is not null then least(
                previous_date, cast({{ dbt.dateadd('day', -lookback, 'as_of_date') }} as date)
            ) end as range_start
        from (
            select
                as_of_date,
                lag(as_of_date) over (order by as_of_date) as previous_date
            from dates
        ) as ordered_dates
    ),

    customers as (
        select
            customer_id,
            signup_at
        from {{ ref('stg_shop__customers') }}
    ),

    events as (
        select
            customer_id,
            event_type,
            cast(event_at as date) as event_date
        from {{ ref('stg_shop__events') }}
    ),

    population as (
        select
            customers.customer_id,
            dates.as_of_date
        from customers
        inner join dates on customers.signup_at < dates.as_of_date
    ),

    dated_events as (
        -- Each event with the dates whose range holds it (see date_ranges), and how many days
        -- before each date it falls. The type becomes its position in var audience__event_types
        -- (0 for others), so the many conditional counts below compare small integers.
        select
            events.customer_id,
            case events.event_type
                {%- for event_type in event_types %}
                when '{{ event_type }}' then {{ loop.index }}
                {%- endfor %}
                else 0
            end as event_type_index,
            date_ranges.as_of_date,
            events.event_date,
            {{ days_before }} as days_before
            {%- if use_packed_counts %},
            -- The windows the event falls in, packed: field i ({{ field_bits }} bits from bit
            -- {{ field_bits }} * i) is 1 when the event is in the i-th window of
            -- var audience__event_windows_days. Summing the flags counts all windows at once (one
            -- HUGEINT sum per type instead of one count per type and window: 2.1 s instead of 3.0 s
            -- at 48M events).
            case
                {%- for bound in windows | sort | unique %}
                {%- set flags = namespace(value=0) %}
                {%- for window in windows %}
                {%- if window >= bound %}
                {%- set flags.value = flags.value + 2 ** (field_bits * loop.index0) %}
                {%- endif %}
                {%- endfor %}
                when {{ days_before }} <= {{ bound }} then cast('{{ flags.value }}' as hugeint)
                {%- endfor %}
            end as window_flags
            {%- endif %}
        from events
        inner join date_ranges
            on events.event_date < date_ranges.as_of_date
            and (date_ranges.range_start is null or events.event_date >= date_ranges.range_start)
    ),

    event_stats as (
        select
            customer_id,
            as_of_date,
            {%- if use_packed_counts %}
            {%- for event_type in event_types %}
            sum(case when event_type_index = {{ loop.index }} then window_flags end) as {{ event_type }}_window_counts,
            {%- endfor %}
            sum(window_flags) as window_counts,
            {%- endif %}
            {%- for window in windows %}
            {%- if not use_packed_counts %}
            {%- for event_type in event_types %}
            cast(count(case when days_before <= {{ window }} and event_type_index = {{ loop.index }} then 1 end)
                as integer) as {{ event_type }}_events_{{ window }}d,
            {%- endfor %}
            cast(count(case when days_before <= {{ window }} then 1 end) as integer) as events_{{ window }}d,
            {%- endif %}
            {%- if not use_day_mask %}
            cast(count(distinct case when days_before <= {{ window }} then days_before end) as integer)
                as active_days_{{ window }}d,
            {%- endif %}
            {%- endfor %}
            {%- if use_day_mask %}
            bit_or(
                case when days_before <= {{ longest_window }} then cast(1 as hugeint) << cast(days_before as integer) end
            ) as active_day_mask,
            {%- endif %}
            max(event_date) as last_event_date,
            max(case when event_type_index in ({{ visit_indexes | join(', ') if visit_indexes else 'null' }}) then event_date end)
                as last_visit_date,
            max(case when event_type_index = {{ login_index }} then event_date end) as last_login_date,
            -- Least-squares slope of weekly logins over the last {{ weeks }} weeks (week 1 oldest,
            -- week {{ weeks }} the one just before the as-of date). Empty weeks count as zero, so
            -- the slope is sum((week - mean week) * logins) / sum((week - mean week)^2), and only
            -- logins contribute to the numerator.
            sum(
                case when days_before <= {{ weeks * 7 }} and event_type_index = {{ login_index }} then
                    {{ weeks }} - floor((days_before - 1) / 7) - {{ (weeks + 1) / 2 }}
                else 0 end
            ) / {{ (weeks * (weeks * weeks - 1) / 12) | float }} as login_trend_slope
        from dated_events
        group by customer_id, as_of_date
    ),

    last_activity as (
        -- The last event, visit and login day before each date: the latest in the ranges of this
        -- date and the earlier ones, which together hold every event before the date.
        select
            event_stats.customer_id,
            dates.as_of_date,
            {{ dbt.datediff('max(event_stats.last_event_date)', 'dates.as_of_date', 'day') }} as days_since_last_event,
            {{ dbt.datediff('max(event_stats.last_visit_date)', 'dates.as_of_date', 'day') }} as days_since_last_visit,
            {{ dbt.datediff('max(event_stats.last_login_date)', 'dates.as_of_date', 'day') }} as days_since_last_login
        from event_stats
        inner join dates on event_stats.as_of_date <= dates.as_of_date
        group by event_stats.customer_id, dates.as_of_date
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
        ) as first_use on dates.as_of_date > first_use.first_used_date
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
            {%- if use_packed_counts %}
            {#- The window's field of the packed sums (see window_flags). #}
            {%- set shift = field_bits * loop.index0 %}
            {%- set field = "cast('" ~ (2 ** field_bits - 1) ~ "' as hugeint)" %}
            {%- for event_type in event_types %}
            coalesce(cast((event_stats.{{ event_type }}_window_counts >> {{ shift }}) & {{ field }} as integer), 0)
                as {{ event_type }}_events_{{ window }}d,
            {%- endfor %}
            coalesce(cast((event_stats.window_counts >> {{ shift }}) & {{ field }} as integer), 0) as events_{{ window }}d,
            {%- else %}
            {%- for event_type in event_types %}
            coalesce(event_stats.{{ event_type }}_events_{{ window }}d, 0) as {{ event_type }}_events_{{ window }}d,
            {%- endfor %}
            coalesce(event_stats.events_{{ window }}d, 0) as events_{{ window }}d,
            {%- endif %}
            {%- if use_day_mask %}
            {#- Bits 1 .. window: the days inside the window. #}
            coalesce(
                cast(bit_count(event_stats.active_day_mask & cast('{{ 2 ** (window + 1) - 2 }}' as hugeint)) as integer),
                0
            ) as active_days_{{ window }}d,
            {%- else %}
            coalesce(event_stats.active_days_{{ window }}d, 0) as active_days_{{ window }}d,
            {%- endif %}
            {%- endfor %}
            last_activity.days_since_last_event,
            last_activity.days_since_last_visit,
            last_activity.days_since_last_login,
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
