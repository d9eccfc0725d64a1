{{ config(materialized="table") }}

-- Every raw event, parsed, with the reason it is rejected (NULL when it is staged).
with

source as (
    select * from {{ source('shop', 'events') }}
),

customers as (
    select customer_id from {{ ref('stg_shop__customers') }}
),

checked as (
    select
        source.*,
        case
            when {{ text_value('event_id') }} is null then 'missing_event_id'
            when {{ text_value('source.customer_id') }} is null then 'missing_customer_id'
            {{- timestamp_rejections('event_at', 'try_cast(event_at as timestamp)', 'event_at') }}
            when {{ text_value('event_type') }} is null then 'missing_event_type'
            when lower({{ text_value('event_type') }}) not in {{ quoted_list(var('audience__event_types')) }}
                then 'unknown_event_type'
            when customers.customer_id is null then 'unknown_customer'
        end as invalid_reason
    from source
    left join customers
        on {{ text_value('source.customer_id') }} = customers.customer_id
),

parsed as (
    select
        {{ text_value('event_id') }} as event_id,
        {{ text_value('customer_id') }} as customer_id,
        try_cast(event_at as timestamp) as event_at,
        lower({{ text_value('event_type') }}) as event_type,
        lower({{ text_value('platform') }}) as platform,
        {{ text_value('event_detail') }} as event_detail,
        invalid_reason,
        case when invalid_reason is not null then {{ raw_record_json(
            ['event_id', 'customer_id', 'event_at', 'event_type', 'platform', 'event_detail']
        ) }} end as raw_record
    from checked
),

ranked as (
    select
        *,
        row_number() over (
            partition by event_id, invalid_reason is null
            order by event_at, customer_id, event_type, platform, event_detail
        ) as id_rank
    from parsed
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
        case
            when invalid_reason is not null then raw_record
            when id_rank > 1 then {{ raw_record_json(
                ['event_id', 'customer_id', 'event_at', 'event_type', 'platform', 'event_detail']
            ) }}
        end as raw_record
    from ranked
)

select * from final
