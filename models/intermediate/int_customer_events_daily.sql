{{ config(materialized="table") }}

-- Events rolled up to one row per customer and day, with a count per configured event type. Window
-- counts, recency and trends as of any date are sums and maxima over these rows.
{%- set event_types = var('audience__event_types') %}
with

events as (
    select * from {{ ref('stg_shop__events') }}
),

final as (
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
)

select * from final
