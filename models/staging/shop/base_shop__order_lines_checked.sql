{{ config(materialized="ephemeral") }}
{%- set raw_types = raw_column_types(source('shop', 'order_lines')) %}

-- Every raw order line, parsed, with the reason a row-level check or the customer lookup rejects
-- it (NULL when it passes). Duplicate ids are decided in base_shop__order_lines.
with

source as (
    select * from {{ source('shop', 'order_lines') }}
),

customers as (
    select customer_id from {{ ref('stg_shop__customers') }}
),

parsed as (
    -- Each value is parsed once; raw_ columns keep source values that parsing can lose.
    select
        {{ id_key('order_line_id', raw_types.get('order_line_id')) }} as id_key,
        {{ text_value('order_line_id', raw_types.get('order_line_id')) }} as order_line_id,
        {{ text_value('order_id', raw_types.get('order_id')) }} as order_id,
        {{ id_key('order_id', raw_types.get('order_id')) }} as order_key,
        {{ text_value('customer_id', raw_types.get('customer_id')) }} as customer_id,
        {{ timestamp_value('ordered_at', raw_types.get('ordered_at')) }} as ordered_at,
        try_cast(line_amount as decimal(18, 2)) as line_amount,
        lower({{ text_value('product_category', raw_types.get('product_category')) }}) as product_category,
        -- Optional quantity: missing or unparseable counts as one unit.
        coalesce(try_cast(quantity as integer), 1) as quantity,
        coalesce(lower({{ text_value('status', raw_types.get('status')) }}), 'completed') as status,
        ordered_at as raw_ordered_at,
        line_amount as raw_line_amount,
        quantity as raw_quantity
    from source
),

final as (
    select
        parsed.id_key,
        parsed.order_line_id,
        parsed.order_id,
        parsed.order_key,
        parsed.customer_id,
        parsed.ordered_at,
        parsed.line_amount,
        parsed.product_category,
        parsed.quantity,
        parsed.status,
        parsed.raw_ordered_at,
        parsed.raw_line_amount,
        parsed.raw_quantity,
        case
            when parsed.id_key is null then 'missing_order_line_id'
            when parsed.order_id is null then 'missing_order_id'
            when parsed.customer_id is null then 'missing_customer_id'
            {{- timestamp_rejections('parsed.raw_ordered_at', 'parsed.ordered_at', 'ordered_at') }}
            when parsed.raw_line_amount is null then 'missing_line_amount'
            when parsed.line_amount is null then 'unparseable_line_amount'
            when parsed.line_amount <= 0 then 'nonpositive_line_amount'
            when parsed.status not in ('completed', 'refunded') then 'unknown_status'
            when customers.customer_id is null then 'unknown_customer'
        end as invalid_reason
    from parsed
    left join customers on parsed.customer_id = customers.customer_id
)

select * from final
