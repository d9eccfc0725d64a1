{%- set raw_types = raw_column_types(source('shop', 'order_lines')) %}

-- Every raw order line, parsed, with the reason it is rejected (NULL when it is staged): a check
-- of the line itself or its id (base_shop__order_lines_deduped), or of its order
-- (base_shop__orders); and every line of an order lines CSV that could not be read. A view over
-- those tables.
with

lines as (
    select * from {{ ref('base_shop__order_lines_deduped') }}
),

rejected_orders as (
    select
        order_key,
        order_rejection_reason
    from {{ ref('base_shop__orders') }}
    where order_rejection_reason is not null
),

checked as (
    select
        lines.*,
        coalesce(lines.line_rejection_reason, rejected_orders.order_rejection_reason) as rejection_reason
    from lines
    left join rejected_orders
        on lines.line_rejection_reason is null
            and lines.order_key = rejected_orders.order_key
),

final as (
    select
        order_line_id,
        order_id,
        order_key,
        customer_id,
        ordered_at,
        line_amount,
        product_category,
        quantity,
        status,
        rejection_reason,
        case when rejection_reason is not null then {{ raw_record_json(
            ['order_line_id', 'order_id', 'customer_id', 'ordered_at := raw_ordered_at',
             'line_amount := raw_line_amount', 'product_category', 'quantity := raw_quantity', 'status'],
            raw_types
        ) }} end as raw_record,
        quantity_issue,
        quantity_text
    from checked
    union all
    {{ malformed_line_rows('order_lines', [
        ('order_line_id', 'varchar'), ('order_id', 'varchar'),
        ('order_key', raw_types.get('order_id') if raw_types.get('order_id') in audience_integer_types() else 'varchar'),
        ('customer_id', 'varchar'), ('ordered_at', 'timestamp'), ('line_amount', audience_amount_type()),
        ('product_category', 'varchar'), ('quantity', 'integer'), ('status', 'varchar'),
        ('rejection_reason', none), ('raw_record', none), ('quantity_issue', 'varchar'),
        ('quantity_text', 'varchar')]) }}
)

select * from final
