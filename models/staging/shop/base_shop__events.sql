{{ config(materialized="table") }}
{%- set raw_types = raw_column_types(source('shop', 'events')) %}

-- Every raw event, parsed, with the reason it is rejected (NULL when it is staged).
with

source as (
    select * from {{ source('shop', 'events') }}
),

customers as (
    select customer_id from {{ ref('stg_shop__customers') }}
),

parsed as (
    -- Each value is parsed once; raw_ columns keep source values that parsing can lose.
    select
        {{ text_value('event_id', raw_types.get('event_id')) }} as event_id,
        {{ text_value('customer_id', raw_types.get('customer_id')) }} as customer_id,
        {{ timestamp_value('event_at', raw_types.get('event_at')) }} as event_at,
        lower({{ text_value('event_type', raw_types.get('event_type')) }}) as event_type,
        lower({{ text_value('platform', raw_types.get('platform')) }}) as platform,
        {{ text_value('event_detail', raw_types.get('event_detail')) }} as event_detail,
        event_at as raw_event_at
    from source
),

checked as (
    select
        parsed.*,
        case
            when parsed.event_id is null then 'missing_event_id'
            when parsed.customer_id is null then 'missing_customer_id'
            {{- timestamp_rejections('parsed.raw_event_at', 'parsed.event_at', 'event_at') }}
            when parsed.event_type is null then 'missing_event_type'
            when parsed.event_type not in {{ quoted_list(var('audience__event_types')) }}
                then 'unknown_event_type'
            when customers.customer_id is null then 'unknown_customer'
        end as invalid_reason
    from parsed
    left join customers on parsed.customer_id = customers.customer_id
),

ranked as (
    select
        *,
        -- Among valid rows with one id, the earliest wins (then every column in turn, so the
        -- choice is the same on every run).
        row_number() over (
            partition by event_id, invalid_reason is null
            order by event_at, customer_id, event_type, platform, event_detail
        ) as id_rank
    from checked
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
            ['event_id', 'customer_id', 'event_at := raw_event_at', 'event_type', 'platform', 'event_detail']
        ) }} end as raw_record
    from ranked
)

select * from final
