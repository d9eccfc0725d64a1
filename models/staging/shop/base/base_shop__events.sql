{{ config(materialized="table") }}
{%- set raw_types = raw_column_types(source('shop', 'events')) %}

-- Every raw event, parsed, with the reason it is rejected (NULL when it is staged), and every line
-- of an events CSV that could not be read. A table, so the tens of millions of raw events are
-- parsed once per build, not by every model and test that reads them.
with

checked as (
    select * from {{ ref('base_shop__events_checked') }}
),

repeated_ids as (
    select distinct id_key from {{ ref('base_shop__events_repeated') }}
),

repeated as (
    select * from {{ ref('base_shop__events_repeated') }}
),

single as (
    -- Rows whose id appears only once in the raw file: nothing to deduplicate.
    select
        checked.event_id,
        checked.customer_id,
        checked.event_at,
        checked.event_type,
        checked.platform,
        checked.event_detail,
        checked.raw_event_at,
        checked.invalid_reason,
        1 as id_rank
    from checked
    left join repeated_ids on checked.id_key = repeated_ids.id_key
    where repeated_ids.id_key is null
),

ranked as (
    select * from single
    union all
    select
        event_id,
        customer_id,
        event_at,
        event_type,
        platform,
        event_detail,
        raw_event_at,
        invalid_reason,
        id_rank
    from repeated
),

final as (
    select
        event_id,
        customer_id,
        event_at,
        event_type,
        platform,
        event_detail,
        case
            when invalid_reason is not null then invalid_reason
            when id_rank > 1 then 'duplicate_event_id'
        end as rejection_reason,
        case when invalid_reason is not null or id_rank > 1 then {{ raw_record_json(
            ['event_id', 'customer_id', 'event_at := raw_event_at', 'event_type', 'platform', 'event_detail'],
            raw_types
        ) }} end as raw_record
    from ranked
    union all
    {{ malformed_line_rows('events', [
        ('event_id', 'varchar'), ('customer_id', 'varchar'), ('event_at', 'timestamp'),
        ('event_type', 'varchar'), ('platform', 'varchar'), ('event_detail', 'varchar'),
        ('rejection_reason', none), ('raw_record', none)]) }}
)

select * from final
