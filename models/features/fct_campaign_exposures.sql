-- One row per staged campaign exposure before the as-of date: the randomized group, whether the
-- customer responded (made a purchase within var audience__uplift_response_window_days after
-- the exposure; NULL while that window is not over by the as-of date), and the snapshot cutoff
-- whose features describe the customer at exposure (the last cutoff on or before it, so no
-- feature reads anything after the exposure).
{%- set window_days = audience_setting('audience__uplift_response_window_days') %}
with

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

exposures as (
    select * from {{ ref('stg_shop__campaign_exposures') }}
),

purchases as (
    select
        customer_id,
        ordered_at
    from {{ ref('int_orders') }}
    where is_purchase
),

cutoffs as (
    select cutoff_date from {{ ref('int_snapshot_cutoffs') }}
),

responses as (
    select
        exposures.exposure_id,
        count(purchases.ordered_at) as purchases_in_window
    from exposures
    left join purchases
        on exposures.customer_id = purchases.customer_id
            and exposures.exposed_at <= purchases.ordered_at
            and {{ dbt.dateadd('day', window_days, 'exposures.exposed_at') }} > purchases.ordered_at
    group by exposures.exposure_id
),

feature_cutoffs as (
    select
        exposures.exposure_id,
        max(cutoffs.cutoff_date) as cutoff_date
    from exposures
    inner join cutoffs on cast(exposures.exposed_at as date) >= cutoffs.cutoff_date
    group by exposures.exposure_id
),

final as (
    select
        exposures.exposure_id,
        exposures.campaign_id,
        exposures.customer_id,
        exposures.exposed_at,
        exposures.is_treated,
        {{ dbt.dateadd('day', window_days, 'exposures.exposed_at') }} <= as_of.as_of_date
            as is_response_window_complete,
        case
            when {{ dbt.dateadd('day', window_days, 'exposures.exposed_at') }} <= as_of.as_of_date
                then responses.purchases_in_window > 0
        end as responded,
        feature_cutoffs.cutoff_date,
        as_of.as_of_date
    from exposures
    cross join as_of
    inner join responses on exposures.exposure_id = responses.exposure_id
    left join feature_cutoffs on exposures.exposure_id = feature_cutoffs.exposure_id
    where exposures.exposed_at < as_of.as_of_date
)

select * from final
