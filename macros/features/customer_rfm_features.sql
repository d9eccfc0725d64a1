{#- Recency, frequency, monetary value, tenure and order value for every customer who had signed
    up before each date in `dates` (a relation with an as_of_date column), reading only purchases
    placed before that date. One row per (customer_id, as_of_date). Used for the current features
    (one date) and the training snapshots (many), so both share one definition.

    Purchases (int_orders, one row per order) are aggregated per customer and date: one pass over
    the orders for the current features. -#}
{% macro customer_rfm_features(dates) -%}
{%- set categories = audience_setting('audience__product_categories') + ['other'] -%}
    with

    dates as (
        select distinct as_of_date from {{ dates }}
    ),

    customers as (
        select
            customer_id,
            signup_at
        from {{ ref('stg_shop__customers') }}
    ),

    purchases as (
        select
            customer_id,
            ordered_at,
            {%- for category in categories %}
            net_amount_{{ category }},
            {%- endfor %}
            net_amount
        from {{ ref('int_orders') }}
        where is_purchase
    ),

    population as (
        select
            customers.customer_id,
            customers.signup_at,
            dates.as_of_date
        from customers
        inner join dates on customers.signup_at < dates.as_of_date
    ),

    purchase_stats as (
        select
            purchases.customer_id,
            dates.as_of_date,
            min(purchases.ordered_at) as first_purchase_at,
            max(purchases.ordered_at) as last_purchase_at,
            cast(count(*) as integer) as frequency,
            {%- for category in categories %}
            sum(purchases.net_amount_{{ category }}) as net_amount_{{ category }},
            {%- endfor %}
            sum(purchases.net_amount) as monetary
        from purchases
        inner join dates on purchases.ordered_at < dates.as_of_date
        group by purchases.customer_id, dates.as_of_date
    ),

    final as (
        select
            population.customer_id,
            population.as_of_date,
            population.signup_at,
            {{ dbt.datediff('cast(population.signup_at as date)', 'population.as_of_date', 'day') }}
                as tenure_days,
            purchase_stats.first_purchase_at,
            purchase_stats.last_purchase_at,
            {{ dbt.datediff('cast(purchase_stats.last_purchase_at as date)', 'population.as_of_date', 'day') }}
                as recency_days,
            coalesce(purchase_stats.frequency, 0) as frequency,
            coalesce(purchase_stats.monetary, 0) as monetary,
            purchase_stats.monetary / purchase_stats.frequency as average_order_value,
            {%- for category in categories %}
            coalesce(purchase_stats.net_amount_{{ category }}, 0)
                as net_amount_{{ category }}{{ "," if not loop.last }}
            {%- endfor %}
        from population
        left join purchase_stats
            on population.customer_id = purchase_stats.customer_id
            and population.as_of_date = purchase_stats.as_of_date
    )

    select * from final
{%- endmacro %}
