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
--   churn_90d:    among churn-eligible customers (is_churn_eligible: a purchase in the var
--                 audience__churn_active_days before the cutoff), 1 if they made no purchase in
--                 [cutoff, cutoff + 90 days), else 0.
-- A label is NULL when its window is not complete before the as-of date (or, for churn_90d, when
-- the customer is not in its population). The windows are the labels' label_window_days in
-- _features__models.yml, which the declared predictions read as their horizon_days.
{%- set purchase_days = audience_label_window_days(this.name, 'purchase_30d', required=true) %}
{%- set churn_days = audience_label_window_days(this.name, 'churn_90d', required=true) %}
{%- set label_days = [purchase_days, churn_days] | max %}
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
        cast(count(
            case when purchases.ordered_at < {{ dbt.dateadd('day', purchase_days, 'scored.as_of_date') }} then 1 end
        ) as integer) as purchases_in_purchase_window,
        cast(count(
            case when purchases.ordered_at < {{ dbt.dateadd('day', churn_days, 'scored.as_of_date') }} then 1 end
        ) as integer) as purchases_in_churn_window
    from scored
    inner join purchases
        on scored.customer_id = purchases.customer_id
            and scored.as_of_date <= purchases.ordered_at
            and purchases.ordered_at < {{ dbt.dateadd('day', label_days, 'scored.as_of_date') }}
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
        {{ is_churn_eligible('scored.recency_days') }} as is_churn_eligible,
        case when cutoffs.days_observed_after_cutoff >= {{ purchase_days }}
                then case when coalesce(future_purchases.purchases_in_purchase_window, 0) > 0 then 1 else 0 end
        end as purchase_30d,
        case when cutoffs.days_observed_after_cutoff >= {{ churn_days }}
                and {{ is_churn_eligible('scored.recency_days') }}
                then case when coalesce(future_purchases.purchases_in_churn_window, 0) = 0 then 1 else 0 end
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
