-- Behavioural features per customer as of the as-of date: event counts per type and window,
-- recency of visits and logins, login trend, feature adoption and category spend shares.
with

behavior as (
    {{ customer_behavior_features(ref('int_as_of_date')) }}
),

rfm as (
    select * from {{ ref('fct_customer_rfm') }}
),

final as (
    select
        behavior.*,
        {{ category_share_columns('rfm') }}
    from behavior
    inner join rfm
        on behavior.customer_id = rfm.customer_id
            and behavior.as_of_date = rfm.as_of_date
)

select * from final
