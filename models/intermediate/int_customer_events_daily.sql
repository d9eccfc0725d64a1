{{ config(materialized="table") }}

-- Events rolled up to one row per customer and day, with a count per configured event type, the
-- customer's next event day, and their last visit and login days up to and including this one.
-- Window counts as of a date D sum the rows of the days before D; recency as of D reads the single
-- row with event_date < D <= next_event_date (see customer_behavior_features).
{%- set event_types = var('audience__event_types') %}
with

events as (
    select * from {{ ref('stg_shop__events') }}
),

daily as (
    select
        customer_id,
        cast(event_at as date) as event_date,
        cast(count(*) as integer) as events,
        {%- for event_type in event_types %}
        cast(sum(case when event_type = '{{ event_type }}' then 1 else 0 end) as integer)
            as {{ event_type }}_events,
        {%- endfor %}
        cast(
            sum(case when event_type in {{ quoted_list(var('audience__visit_event_types')) }} then 1 else 0 end)
            as integer
        ) as visit_events
    from events
    group by customer_id, cast(event_at as date)
),

final as (
    select
        *,
        lead(event_date) over customer_days as next_event_date,
        max(case when visit_events > 0 then event_date end) over customer_days as last_visit_date,
        max(case when login_events > 0 then event_date end) over customer_days as last_login_date
    from daily
    window customer_days as (
        partition by customer_id
        order by event_date
        rows between unbounded preceding and current row
    )
)

select * from final
