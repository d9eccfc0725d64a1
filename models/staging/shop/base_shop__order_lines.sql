-- Every raw order line, parsed, with the reason it is rejected (NULL when it is staged). A view:
-- the staged lines are read once by the model that aggregates them to orders, not copied.
with

checked as (
    select * from {{ ref('base_shop__order_lines_checked') }}
),

repeated_ids as (
    select distinct id_key from {{ ref('base_shop__order_lines_repeated') }}
),

repeated as (
    select * from {{ ref('base_shop__order_lines_repeated') }}
),

single as (
    -- Rows whose id appears only once in the raw file: nothing to deduplicate.
    select
        checked.order_line_id,
        checked.order_id,
        checked.order_key,
        checked.customer_id,
        checked.ordered_at,
        checked.line_amount,
        checked.product_category,
        checked.quantity,
        checked.status,
        checked.raw_ordered_at,
        checked.raw_line_amount,
        checked.raw_quantity,
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
        order_line_id,
        order_id,
        order_key,
        customer_id,
        ordered_at,
        line_amount,
        product_category,
        quantity,
        status,
        raw_ordered_at,
        raw_line_amount,
        raw_quantity,
        invalid_reason,
        id_rank
    from repeated
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
