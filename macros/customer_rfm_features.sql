{#- Recency, frequency, monetary value, tenure and order value for every customer who had signed
    up before each date in `dates` (a relation with an as_of_date column), reading only purchases
    placed before that date. One row per (customer_id, as_of_date). Used for the current features
    (one date) and the training snapshots (many), so both share one definition.

    Each customer's state at date D is the running-total row of their last purchase before D (see
    int_customer_purchases_running): ordered_at < D <= next_purchase_at. -#}
{% macro customer_rfm_features(dates) -%}
{%- set categories = var('audience__product_categories') + ['other'] -%}
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

    running as (
        select * from {{ ref('int_customer_purchases_running') }}
    ),

    population as (
        select
            customers.customer_id,
            customers.signup_at,
            dates.as_of_date
        from customers
        inner join dates on customers.signup_at < dates.as_of_date
    ),

    purchase_state as (
        select
            running.*,
            dates.as_of_date
        from running
        inner join dates
            on running.ordered_at < dates.as_of_date
            and (running.next_purchase_at >= dates.as_of_date or running.next_purchase_at is null)
    ),

    final as (
        select
            population.customer_id,
            population.as_of_date,
            population.signup_at,
            {{ dbt.datediff('cast(population.signup_at as date)', 'population.as_of_date', 'day') }}
                as tenure_days,
            purchase_state.first_purchase_at,
            purchase_state.ordered_at as last_purchase_at,
            {{ dbt.datediff('cast(purchase_state.ordered_at as date)', 'population.as_of_date', 'day') }}
                as recency_days,
            coalesce(purchase_state.running_frequency, 0) as frequency,
            coalesce(purchase_state.running_monetary, 0) as monetary,
            purchase_state.running_monetary / purchase_state.running_frequency as average_order_value,
            {%- for category in categories %}
            coalesce(purchase_state.running_net_amount_{{ category }}, 0)
                as net_amount_{{ category }}{{ "," if not loop.last }}
            {%- endfor %}
        from population
        left join purchase_state
            on population.customer_id = purchase_state.customer_id
            and population.as_of_date = purchase_state.as_of_date
    )

    select * from final
{%- endmacro %}
