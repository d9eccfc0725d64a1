-- Staged order lines: valid, deduplicated lines of known customers. Refunded lines are kept
-- (status = 'refunded'); net amounts are computed downstream.
with

base as (
    select * from {{ ref('base_shop__order_lines') }}
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
        status = 'refunded' as is_refunded
    from base
    where rejection_reason is null
)

select * from final
