{{ config(materialized="table") }}
{%- set raw_types = raw_column_types(source('shop', 'events')) %}

-- The raw events whose id appears on more than one raw row (a small share of them; see macro
-- repeated_ids for the few others it may add), checked and ranked: among valid rows with one id,
-- the earliest wins (then every column in turn, so the choice is the same on every run).
-- base_shop__events takes these rows from here and every other row straight from the raw file, so
-- only these few are sorted.
with

checked as (
    select * from {{ ref('base_shop__events_checked') }}
),

repeated_ids as (
    {{ repeated_ids(source('shop', 'events'), 'event_id', raw_types.get('event_id')) }}
),

repeated as (
    select checked.*
    from checked
    inner join repeated_ids on checked.id_key = repeated_ids.id_key
),

final as (
    select
        id_key,
        event_id,
        customer_id,
        event_at,
        event_type,
        platform,
        event_detail,
        raw_event_at,
        invalid_reason,
        row_number() over (
            partition by event_id, invalid_reason is null
            order by event_at, customer_id, event_type, platform, event_detail
        ) as id_rank
    from repeated
)

select * from final
