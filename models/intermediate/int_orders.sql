-- Orders (staged order lines aggregated once, in base_shop__orders) whose lines agree on the
-- customer and fit the stored amounts: the purchases every feature reads. An order is a purchase
-- unless it was refunded in full.
-- Built after base_shop__order_lines, so that its checks (the share of rejected lines) run, and
-- stop the build when they fail, before any feature reads the orders:
-- depends_on: {{ ref('base_shop__order_lines') }}
{%- set categories = audience_setting('audience__product_categories') %}
with

orders as (
    select * from {{ ref('base_shop__orders') }}
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        last_line_ordered_at,
        line_count,
        gross_amount,
        refunded_amount,
        net_amount,
        is_purchase,
        {%- for category in categories %}
        net_amount_{{ category }},
        {%- endfor %}
        net_amount_other
    from orders
    where order_rejection_reason is null
)

select * from final
