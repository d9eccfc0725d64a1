{{ config(materialized="table") }}

-- Every raw order line, parsed, with the reason a check of the line itself rejects it (NULL when
-- it passes), duplicates included: a line whose id appears on more than one raw row is ranked in
-- base_shop__order_lines_repeated, every other line comes straight from the raw file. Checks
-- across the lines of one order come next, in base_shop__orders.
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
    select checked.*
    from checked
    left join repeated_ids on checked.id_key = repeated_ids.id_key
    where repeated_ids.id_key is null
),

ranked as (
    {%- set columns = [
        'order_line_id', 'order_id', 'order_key', 'customer_id', 'ordered_at', 'line_amount',
        'product_category', 'quantity', 'quantity_issue', 'quantity_text', 'status',
        'raw_ordered_at', 'raw_line_amount', 'raw_quantity', 'invalid_reason'] %}
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        1 as id_rank
    from single
    union all
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
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
        quantity_issue,
        quantity_text,
        status,
        raw_ordered_at,
        raw_line_amount,
        raw_quantity,
        case
            when invalid_reason is not null then invalid_reason
            when id_rank > 1 then 'duplicate_order_line_id'
        end as line_rejection_reason
    from ranked
)

select * from final
