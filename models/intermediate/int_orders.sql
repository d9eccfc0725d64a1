{#- About 8.6M orders per 20M lines: DuckDB's default text compression (dictionary + FSST) takes
    about as long to write this table's two text columns as the aggregation itself (measured
    2 s per column against 0.5 s uncompressed) and saves little on unique order ids, so this
    table, read whole by a few models, stores its text uncompressed. The hooks set it for this
    model only. -#}
{{ config(
    materialized="table",
    pre_hook="set disabled_compression_methods = 'fsst,dict_fsst'",
    post_hook="reset disabled_compression_methods",
) }}

-- Order lines aggregated to orders once (counting distinct orders over lines is what dominates
-- RFM cost otherwise). An order is a purchase unless it was refunded in full.
{%- set categories = var('audience__product_categories') %}
with

order_lines as (
    select
        order_key,
        customer_id,
        ordered_at,
        line_amount,
        is_refunded,
        -- Where the line's net amount goes: its position in var audience__product_categories,
        -- 0 for any other category (or none), NULL when refunded. One CASE per line, so the sums
        -- below compare small integers rather than text.
        case
            when is_refunded then null
            {%- for category in categories %}
            when product_category = '{{ category }}' then {{ loop.index }}
            {%- endfor %}
            else 0
        end as net_category_index
    from {{ ref('stg_shop__order_lines') }}
),

aggregated as (
    -- Grouped on order_key, the order id as the raw file types it: an integer id is turned into
    -- text once per order below, not once per line (0.2 s at 20M lines).
    select
        order_key,
        min(customer_id) as customer_id,
        min(ordered_at) as ordered_at,
        max(ordered_at) as last_line_ordered_at,
        sum(line_amount) as gross_amount,
        sum(case when is_refunded then line_amount else 0 end) as refunded_amount,
        {%- for category in categories %}
        sum(case when net_category_index = {{ loop.index }} then line_amount else 0 end) as net_amount_{{ category }},
        {%- endfor %}
        count(*) as line_count
    from order_lines
    group by order_key
),

final as (
    -- Amounts are stored as DECIMAL(18, 2), below 10^16: as wide as a line amount, and about a
    -- second cheaper to write and sum at 8.6M orders than the DECIMAL(38, 2) of a sum. Staged
    -- line amounts are positive, so every amount of an order is at most its gross amount: that
    -- one check covers them all, and stops the build naming the order if it fails.
    select
        cast(order_key as varchar) as order_id,
        customer_id,
        ordered_at,
        last_line_ordered_at,
        line_count,
        case
            when gross_amount < 10000000000000000 then cast(gross_amount as decimal(18, 2))
            else error(
                    'int_orders: order ' || order_key || ' has a gross amount of ' || gross_amount
                    || ', beyond the 10^16 order amounts are stored up to (DECIMAL(18, 2))'
                )
        end as gross_amount,
        cast(refunded_amount as decimal(18, 2)) as refunded_amount,
        cast(gross_amount - refunded_amount as decimal(18, 2)) as net_amount,
        gross_amount - refunded_amount > 0 as is_purchase,
        {%- for category in categories %}
        cast(net_amount_{{ category }} as decimal(18, 2)) as net_amount_{{ category }},
        {%- endfor %}
        -- Lines in no listed category: what is left of the net amount (one conditional sum
        -- fewer over the lines).
        cast(
            gross_amount
            - refunded_amount
            {%- for category in categories %}
            - net_amount_{{ category }}
            {%- endfor %}
            as decimal(18, 2)
        ) as net_amount_other
    from aggregated
)

select * from final
