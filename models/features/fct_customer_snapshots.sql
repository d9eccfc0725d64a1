{#- 24 cutoffs x every customer: far more rows in flight than the current features. Unless
    AUDIENCE_DUCKDB_MEMORY_LIMIT is set, this model alone may use up to half the machine's memory
    (the profile's default keeps the current features lean but is too little here); the
    post-hook restores the profile's limit (target.settings). -#}
{%- if not env_var('AUDIENCE_DUCKDB_MEMORY_LIMIT', '') %}
{{ config(
    pre_hook="set memory_limit = '50%'",
    post_hook="set memory_limit = '" ~ target.settings.memory_limit ~ "'",
) }}
{%- endif %}
-- Point-in-time training rows: the customer features as of each snapshot cutoff (reading only
-- data before it) with labels observed only after it.
--   purchase_30d: 1 if the customer made a purchase in [cutoff, cutoff + 30 days), else 0.
--   churn_90d:    among customers with a purchase in the var audience__churn_active_days before
--                 the cutoff, 1 if they made no purchase in [cutoff, cutoff + 90 days), else 0.
-- A label is NULL when its window is not complete before the as-of date (or, for churn_90d, when
-- the customer is not in its population).
with

cutoffs as (
    select
        cutoff_date as as_of_date,
        days_observed_after_cutoff
    from {{ ref('int_snapshot_cutoffs') }}
),

rfm as (
    {{ customer_rfm_features('cutoffs') }}
),

scored as (
    {{ rfm_scores('rfm') }}
),

behavior as (
    {{ customer_behavior_features('cutoffs') }}
),

purchases as (
    select
        customer_id,
        ordered_at
    from {{ ref('int_orders') }}
    where is_purchase
),

future_purchases as (
    -- The only place that reads after the cutoff: purchases in the label windows.
    select
        scored.customer_id,
        scored.as_of_date,
        cast(
            count(case when purchases.ordered_at < {{ dbt.dateadd('day', 30, 'scored.as_of_date') }} then 1 end)
            as integer
        ) as purchases_next_30d,
        cast(count(*) as integer) as purchases_next_90d
    from scored
    inner join purchases
        on scored.customer_id = purchases.customer_id
            and scored.as_of_date <= purchases.ordered_at
            and purchases.ordered_at < {{ dbt.dateadd('day', 90, 'scored.as_of_date') }}
    group by scored.customer_id, scored.as_of_date
),

final as (
    select
        scored.customer_id,
        scored.as_of_date as cutoff_date,
        cast(extract(month from scored.as_of_date) as integer) as season_month,
        scored.tenure_days,
        scored.recency_days,
        scored.frequency,
        scored.monetary,
        scored.average_order_value,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        {%- for column in customer_behavior_columns() %}
        behavior.{{ column }},
        {%- endfor %}
        {{ category_share_columns('scored') }},
        coalesce(
            scored.recency_days <= {{ audience_setting('audience__churn_active_days') }}, false
        ) as is_churn_eligible,
        case when cutoffs.days_observed_after_cutoff >= 30
                then case when coalesce(future_purchases.purchases_next_30d, 0) > 0 then 1 else 0 end
        end as purchase_30d,
        case when cutoffs.days_observed_after_cutoff >= 90
                and scored.recency_days <= {{ audience_setting('audience__churn_active_days') }}
                then case when coalesce(future_purchases.purchases_next_90d, 0) = 0 then 1 else 0 end
        end as churn_90d
    from scored
    inner join cutoffs on scored.as_of_date = cutoffs.as_of_date
    inner join behavior
        on scored.customer_id = behavior.customer_id
            and scored.as_of_date = behavior.as_of_date
    left join future_purchases
        on scored.customer_id = future_purchases.customer_id
            and scored.as_of_date = future_purchases.as_of_date
)

select * from final
