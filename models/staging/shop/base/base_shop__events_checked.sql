{{ config(materialized="ephemeral") }}
{%- set raw_types = raw_column_types(source('shop', 'events')) %}

-- Every raw event, parsed, with the reason a row-level check or the customer lookup rejects it
-- (NULL when it passes). Duplicate ids are decided in base_shop__events.
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
        {{ id_key('event_id', raw_types.get('event_id')) }} as id_key,
        {{ text_value('event_id', raw_types.get('event_id')) }} as event_id,
        {{ text_value('customer_id', raw_types.get('customer_id')) }} as customer_id,
        {{ timestamp_value('event_at', raw_types.get('event_at'), 'events') }} as event_at,
        lower({{ text_value('event_type', raw_types.get('event_type')) }}) as event_type,
        lower({{ text_value('platform', raw_types.get('platform')) }}) as platform,
        {{ text_value('event_detail', raw_types.get('event_detail')) }} as event_detail,
        event_at as raw_event_at
    from source
),

final as (
    select
        parsed.id_key,
        parsed.event_id,
        parsed.customer_id,
        parsed.event_at,
        parsed.event_type,
        parsed.platform,
        parsed.event_detail,
        parsed.raw_event_at,
        case
            when parsed.id_key is null then 'missing_event_id'
            when parsed.customer_id is null then 'missing_customer_id'
            {{- timestamp_rejections('parsed.raw_event_at', 'parsed.event_at', 'event_at') }}
            when parsed.event_type is null then 'missing_event_type'
            -- A CASE, not `not in (...)`: DuckDB turns an IN list this long into a join, which
            -- it repeated for every use of invalid_reason (about 1 s per 48M events).
            when case parsed.event_type
                    {%- for event_type in audience_setting('audience__event_types') %}
                    when {{ audience_string_literal(event_type) }} then false
                    {%- endfor %}
                    else true
                end then 'unknown_event_type'
            when customers.customer_id is null then 'unknown_customer'
        end as invalid_reason
    from parsed
    left join customers on parsed.customer_id = customers.customer_id
)

select * from final
