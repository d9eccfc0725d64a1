{{ config(materialized="table") }}
{%- set raw_types = raw_column_types(source('shop', 'order_lines')) %}

-- The raw order lines whose id appears on more than one raw row (a small share of them; see macro
-- repeated_ids for the few others it may add), checked and ranked: among valid rows with one id,
-- the earliest wins (then every column in turn, so the choice is the same on every run).
-- base_shop__order_lines takes these rows from here and every other row straight from the raw file,
-- so only these few are sorted.
with

checked as (
    select * from {{ ref('base_shop__order_lines_checked') }}
),

repeated_ids as (
    {{ repeated_ids(source('shop', 'order_lines'), 'order_line_id', raw_types.get('order_line_id')) }}
),

repeated as (
    select checked.*
    from checked
    inner join repeated_ids on checked.id_key = repeated_ids.id_key
),

final as (
    select
        {%- for column in [
            'id_key', 'order_line_id', 'order_id', 'order_key', 'customer_id', 'ordered_at',
            'line_amount', 'product_category', 'quantity', 'quantity_issue', 'quantity_text',
            'status', 'raw_ordered_at', 'raw_line_amount', 'raw_quantity', 'invalid_reason'] %}
        {{ column }},
        {%- endfor %}
        row_number() over (
            partition by order_line_id, invalid_reason is null
            order by
                ordered_at, order_id, customer_id, line_amount, product_category, quantity,
                quantity_text, status
        ) as id_rank
    from repeated
)

select * from final
