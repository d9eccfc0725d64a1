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

-- The lines that pass their own checks, aggregated to orders once (counting distinct orders over
-- lines is what dominates RFM cost otherwise), with the reason the order is rejected when its
-- lines disagree: lines of one order carrying different customers (order_customer_conflict: which
-- customer placed it cannot be told, so every line of the order is rejected), or lines adding up
-- to 10^16 or more, beyond what an order amount is stored in (order_amount_overflow).
-- int_orders reads the orders kept; base_shop__order_lines rejects the lines of the others.
{%- set categories = audience_setting('audience__product_categories') %}
with

order_lines as (
    select
        order_key,
        order_id,
        customer_id,
        ordered_at,
        line_amount,
        status = 'refunded' as is_refunded,
        -- Where the line's net amount goes: its position in var audience__product_categories,
        -- 0 for any other category (or none), NULL when refunded. One CASE per line, so the sums
        -- below compare small integers rather than text.
        case
            when status = 'refunded' then null
            {%- for category in categories %}
            when product_category = {{ audience_string_literal(category) }} then {{ loop.index }}
            {%- endfor %}
            else 0
        end as net_category_index
    from {{ ref('base_shop__order_lines_deduped') }}
    where line_rejection_reason is null
),

aggregated as (
    -- Grouped on order_key, the order id as the raw file types it: an integer id is turned into
    -- text once per order below, not once per line (0.2 s at 20M lines).
    select
        order_key,
        min(customer_id) as customer_id,
        max(customer_id) as last_customer_id,
        min(ordered_at) as ordered_at,
        max(ordered_at) as last_line_ordered_at,
        sum(line_amount) as gross_amount,
        sum(case when is_refunded then line_amount else 0 end) as refunded_amount,
        {%- for category in categories %}
        sum(case when net_category_index = {{ loop.index }} then line_amount else 0 end) as net_amount_{{ category }},
        {%- endfor %}
        count(*) as line_count,
        count(case when not is_refunded then 1 end) as kept_line_count
    from order_lines
    group by order_key
),

checked as (
    select
        *,
        case
            when customer_id <> last_customer_id then 'order_customer_conflict'
            when gross_amount >= 10000000000000000 then 'order_amount_overflow'
        end as order_rejection_reason
    from aggregated
),

final as (
    -- Amounts are stored as DECIMAL(18, 2), below 10^16: as wide as a line amount, and about a
    -- second cheaper to write and sum at 8.6M orders than the DECIMAL(38, 2) of a sum. Staged
    -- line amounts are not negative, so every amount of an order is at most its gross amount:
    -- that one check (above) covers them all. Rejected orders keep NULL amounts.
    select
        order_key,
        cast(order_key as varchar) as order_id,
        customer_id,
        ordered_at,
        last_line_ordered_at,
        line_count,
        {%- set kept = 'order_rejection_reason is null' %}
        {%- set amount = audience_amount_type() %}
        case when {{ kept }} then cast(gross_amount as {{ amount }}) end as gross_amount,
        case when {{ kept }} then cast(refunded_amount as {{ amount }}) end as refunded_amount,
        case when {{ kept }} then cast(gross_amount - refunded_amount as {{ amount }}) end as net_amount,
        -- A purchase is an order with a line that was not refunded: refunded in full, it is not;
        -- free items (amount 0) count.
        kept_line_count > 0 as is_purchase,
        {%- for category in categories %}
        case when {{ kept }} then cast(net_amount_{{ category }} as {{ amount }}) end
            as net_amount_{{ category }},
        {%- endfor %}
        -- Lines in no listed category: what is left of the net amount (one conditional sum
        -- fewer over the lines).
        {%- set listed = [] %}
        {%- for category in categories %}{% do listed.append(' - net_amount_' ~ category) %}{% endfor %}
        case when {{ kept }} then cast(gross_amount - refunded_amount{{ listed | join('') }} as {{ amount }}) end
            as net_amount_other,
        order_rejection_reason
    from checked
)

select * from final
