-- Staged order lines: valid, deduplicated lines of known customers whose order is consistent.
-- Refunded lines are kept (status = 'refunded'), and free ones (amount 0, is_free); net amounts
-- are computed downstream.
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
        status = 'refunded' as is_refunded,
        line_amount = 0 as is_free
    from base
    where rejection_reason is null
)

select * from final
