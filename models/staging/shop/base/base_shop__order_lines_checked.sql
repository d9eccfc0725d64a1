{{ config(materialized="ephemeral") }}
{%- set raw_types = raw_column_types(source('shop', 'order_lines')) %}
{%- set max_line_amount = audience_setting('audience__max_line_amount') %}
{%- set exact_amount = amount_exact_value('line_amount', raw_types.get('line_amount')) %}

-- Every raw order line, parsed, with the reason a row-level check or the customer lookup rejects
-- it (NULL when it passes). Duplicate ids are decided in base_shop__order_lines_deduped, checks
-- across the lines of an order in base_shop__orders.
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
        {{ timestamp_value('ordered_at', raw_types.get('ordered_at'), 'order_lines') }} as ordered_at,
        {{ exact_amount }} as exact_line_amount,
        lower({{ text_value('product_category', raw_types.get('product_category')) }}) as product_category,
        {{ text_value('quantity', raw_types.get('quantity')) }} as quantity_text,
        {{ integer_value('quantity', raw_types.get('quantity')) }} as parsed_quantity,
        coalesce(lower({{ text_value('status', raw_types.get('status')) }}), 'completed') as status,
        {{ amount_has_extra_decimals('line_amount', exact_amount, raw_types.get('line_amount')) }}
            as has_extra_decimals,
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
        case
            when parsed.exact_line_amount between 0 and {{ max_line_amount }}
                then cast(parsed.exact_line_amount as {{ audience_amount_type() }})
        end as line_amount,
        parsed.product_category,
        -- Optional quantity: missing counts as one unit; a value that does not parse or is not a
        -- positive whole number becomes NULL (staging.rejected_values keeps it).
        case
            when parsed.quantity_text is null then 1
            when parsed.parsed_quantity >= 1 then parsed.parsed_quantity
        end as quantity,
        case
            when parsed.quantity_text is not null and parsed.parsed_quantity is null then 'unparseable_quantity'
            when parsed.parsed_quantity < 1 then 'quantity_out_of_range'
        end as quantity_issue,
        parsed.quantity_text,
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
            when parsed.exact_line_amount is null then 'unparseable_line_amount'
            when parsed.exact_line_amount < 0 then 'negative_line_amount'
            when parsed.exact_line_amount > {{ max_line_amount }} then 'implausible_line_amount'
            when parsed.has_extra_decimals then 'line_amount_precision'
            when parsed.status not in ('completed', 'refunded') then 'unknown_status'
            when customers.customer_id is null then 'unknown_customer'
        end as invalid_reason
    from parsed
    left join customers on parsed.customer_id = customers.customer_id
)

select * from final
