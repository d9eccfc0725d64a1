{{ config(materialized="table") }}
{%- set raw_types = raw_column_types(source('shop', 'order_lines')) %}

-- Every raw order line, parsed, with the reason it is rejected (NULL when it is staged).
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
        {{ text_value('order_line_id', raw_types.get('order_line_id')) }} as order_line_id,
        {{ text_value('order_id', raw_types.get('order_id')) }} as order_id,
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

checked as (
    select
        parsed.*,
        case
            when parsed.order_line_id is null then 'missing_order_line_id'
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
),

ranked as (
    select
        *,
        -- Among valid rows with one id, the earliest wins (then every column in turn, so the
        -- choice is the same on every run).
        row_number() over (
            partition by order_line_id, invalid_reason is null
            order by ordered_at, order_id, customer_id, line_amount, product_category, quantity, status
        ) as id_rank
    from checked
),

final as (
    select
        order_line_id,
        order_id,
        customer_id,
        ordered_at,
        line_amount,
        product_category,
        quantity,
        status,
        case
            when invalid_reason is not null then invalid_reason
            when id_rank > 1 then 'duplicate_order_line_id'
        end as rejection_reason,
        case when invalid_reason is not null or id_rank > 1 then {{ raw_record_json(
            ['order_line_id', 'order_id', 'customer_id', 'ordered_at := raw_ordered_at',
             'line_amount := raw_line_amount', 'product_category', 'quantity := raw_quantity', 'status']
        ) }} end as raw_record
    from ranked
)

select * from final
