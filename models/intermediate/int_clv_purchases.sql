-- Purchases (orders not refunded in full) before the as-of date with their net amount: the
-- input of the lifetime-value models.
with

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

orders as (
    select * from {{ ref('int_orders') }}
),

final as (
    select
        orders.customer_id,
        orders.ordered_at,
        cast(orders.net_amount as double) as amount
    from orders
    cross join as_of
    where orders.is_purchase and orders.ordered_at < as_of.as_of_date
)

select * from final
