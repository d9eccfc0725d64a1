-- The single date all current features are computed "as of" (exclusive: data on or after it is
-- not read). var audience__as_of_date pins it; by default it is the day after the last staged
-- order (or the build date when there are no orders at all).
with

orders as (
    -- The last staged order line (an order's lines may carry different times).
    select max(last_line_ordered_at) as last_ordered_at from {{ ref('int_orders') }}
),

final as (
    select
        {% if var('audience__as_of_date') -%}
        cast('{{ var("audience__as_of_date") }}' as date)
        {%- else -%}
        coalesce(
            cast({{ dbt.dateadd('day', 1, 'cast(last_ordered_at as date)') }} as date),
            cast('{{ run_started_at.strftime("%Y-%m-%d") }}' as date)
        )
        {%- endif %} as as_of_date
    from orders
)

select * from final
