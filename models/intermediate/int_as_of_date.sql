-- The single date all current features are computed "as of" (exclusive: data on or after it is
-- not read). var audience__as_of_date pins it; by default it is the day after the last staged
-- order (or event, or the build date when there is neither).
--
-- A pinned date far from the data gives plausible-looking nonsense (every customer a lapsed
-- "Champion" years later), so the build stops when it lies more than
-- var audience__max_as_of_gap_days after the last staged order or event, or on or before the
-- first staged order.
{%- set pinned = audience_setting('audience__as_of_date') %}
{%- set max_gap = audience_setting('audience__max_as_of_gap_days') %}
{%- set gap_days = dbt.datediff('last_data_date', 'as_of_date', 'day') %}
with

orders as (
    -- The first and last staged order lines (an order's lines may carry different times).
    select
        cast(min(ordered_at) as date) as first_order_date,
        cast(max(last_line_ordered_at) as date) as last_order_date
    from {{ ref('int_orders') }}
),

events as (
    select cast(max(event_at) as date) as last_event_date
    from {{ ref('stg_shop__events') }}
),

data_range as (
    select
        orders.first_order_date,
        orders.last_order_date,
        -- greatest() ignores NULLs in DuckDB but not on every engine: coalesce first.
        greatest(
            coalesce(orders.last_order_date, events.last_event_date),
            coalesce(events.last_event_date, orders.last_order_date)
        ) as last_data_date
    from orders
    cross join events
),

chosen as (
    select
        data_range.*,
        {% if pinned -%}
        cast({{ audience_string_literal(pinned) }} as date)
        {%- else -%}
        coalesce(
            cast({{ dbt.dateadd('day', 1, 'last_order_date') }} as date),
            cast({{ dbt.dateadd('day', 1, 'last_data_date') }} as date),
            cast({{ audience_string_literal(run_started_at.strftime("%Y-%m-%d")) }} as date)
        )
        {%- endif %} as as_of_date
    from data_range
),

final as (
    select
        case
            when {{ gap_days }} > {{ max_gap }}
                then cast({{ audience_fail(
                    "'int_as_of_date: the as-of date ' || cast(as_of_date as varchar)"
                    ~ " || ' is ' || cast(" ~ gap_days ~ " as varchar)"
                    ~ " || ' days after the last staged order or event (' || cast(last_data_date as varchar)"
                    ~ " || '), more than var audience__max_as_of_gap_days (" ~ max_gap ~ ") allows:"
                    ~ " features would describe customers long after the data ends'"
                ) }} as date)
            when as_of_date <= first_order_date and {{ 'true' if pinned else 'false' }}
                then cast({{ audience_fail(
                    "'int_as_of_date: the as-of date ' || cast(as_of_date as varchar)"
                    ~ " || ' is on or before the first staged order (' || cast(first_order_date as varchar)"
                    ~ " || '): there would be no purchase history to compute features from'"
                ) }} as date)
            else as_of_date
        end as as_of_date
    from chosen
)

select * from final
