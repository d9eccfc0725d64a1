-- Did the audience work? For every earlier build of a declared audience in
-- audience_membership_history (a cohort: its members at that as-of date, treated and held out),
-- the outcomes in the var audience__audience_lift_window_days from that date on (a customer's
-- purchase, a lead's conversion; a customer's net revenue), treated against held out, for all
-- members and per behavioural segment at the cohort's date. The difference of conversion rates
-- has Newcombe's hybrid score interval (from each group's Wilson interval; sound for rates near 0
-- or 1 and small groups), the difference of mean revenue a normal (Welch) interval, both 95%.
-- A cohort whose window has not yet passed is reported with the days observed so far
-- (is_window_complete false). A backtest is a build pinned to an earlier as-of date
-- (var audience__as_of_date) followed by a normal build: README "Act on the results".
{%- set window_days = audience_setting('audience__audience_lift_window_days') %}
{%- set min_members = audience_setting('audience__uplift_min_readout_customers') %}
{%- set z = 1.959963984540054 %}
with

definitions as (
    select * from {{ ref('audience_definitions') }}
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

history as (
    select * from {{ ref('audience_membership_history') }}
),

purchases as (
    select
        customer_id,
        ordered_at,
        net_amount
    from {{ ref('int_orders') }}
    where is_purchase
),

conversions as (
    select
        lead_id,
        converted_at
    from {{ ref('stg_crm__leads') }}
    where converted_at is not null
),

segments_by_date as (
    select * from {{ ref('int_customer_segments_by_date') }}
),

-- every earlier build of a declared audience, with the days of its window observed so far
cohorts as (
    select
        history.audience,
        history.entity_type,
        history.entity_id,
        history.as_of_date as cohort_as_of_date,
        history.is_holdout,
        least({{ window_days }}, {{ dbt.datediff('history.as_of_date', 'as_of.as_of_date', 'day') }}) as observed_days
    from history
    inner join definitions on history.audience = definitions.audience
    cross join as_of
    where history.as_of_date < as_of.as_of_date
),

windows as (
    select
        *,
        cast({{ dbt.dateadd('day', 'observed_days', 'cohort_as_of_date') }} as date) as window_end_date
    from cohorts
),

-- the outcomes of both entity types as one list: a customer's purchases (with their net
-- revenue), a lead's conversion (no revenue)
outcome_events as (
    select
        'customer' as entity_type,
        cast(customer_id as varchar) as entity_id,
        ordered_at as occurred_at,
        net_amount as amount
    from purchases
    union all
    select
        'lead' as entity_type,
        cast(lead_id as varchar) as entity_id,
        converted_at as occurred_at,
        cast(null as decimal(18, 2)) as amount
    from conversions
),

outcomes as (
    select
        windows.audience,
        windows.entity_id,
        windows.cohort_as_of_date,
        count(outcome_events.entity_id) as outcome_count,
        case
            when windows.entity_type = 'customer' then coalesce(sum(outcome_events.amount), 0)
        end as revenue
    from windows
    left join outcome_events
        on windows.entity_type = outcome_events.entity_type
            and windows.entity_id = outcome_events.entity_id
            and windows.cohort_as_of_date <= outcome_events.occurred_at
            and windows.window_end_date > outcome_events.occurred_at
    group by windows.audience, windows.entity_type, windows.entity_id, windows.cohort_as_of_date
),

members as (
    select
        windows.audience,
        windows.entity_type,
        windows.entity_id,
        windows.cohort_as_of_date,
        windows.observed_days,
        windows.is_holdout,
        segments_by_date.segment_id,
        segments_by_date.segment_name,
        case when outcomes.outcome_count > 0 then 1 else 0 end as converted,
        outcomes.revenue
    from windows
    inner join outcomes
        on windows.audience = outcomes.audience
            and windows.entity_id = outcomes.entity_id
            and windows.cohort_as_of_date = outcomes.cohort_as_of_date
    -- the member's segment at the cohort's date
    left join segments_by_date
        on windows.entity_type = 'customer'
            and windows.entity_id = segments_by_date.customer_id
            and windows.cohort_as_of_date = segments_by_date.as_of_date
),

-- all members, then each segment (customers with a segment at the cohort's date)
breakdowns as (
    select
        audience,
        entity_type,
        cohort_as_of_date,
        observed_days,
        'all' as breakdown,
        cast(null as integer) as segment_id,
        cast(null as varchar) as segment_name,
        entity_id,
        is_holdout,
        converted,
        revenue
    from members
    union all
    select
        audience,
        entity_type,
        cohort_as_of_date,
        observed_days,
        'segment' as breakdown,
        segment_id,
        segment_name,
        entity_id,
        is_holdout,
        converted,
        revenue
    from members
    where segment_id is not null
),

groups as (
    select
        audience,
        entity_type,
        cohort_as_of_date,
        observed_days,
        breakdown,
        segment_id,
        segment_name,
        sum(case when is_holdout then 0 else 1 end) as treated_members,
        sum(case when is_holdout then 1 else 0 end) as holdout_members,
        sum(case when is_holdout then 0 else converted end) as treated_conversions,
        sum(case when is_holdout then converted else 0 end) as holdout_conversions,
        -- in id order: the same last bits on every build
        {{ audience_ordered_aggregate('avg', 'case when not is_holdout then revenue end', 'entity_id') }}
            as treated_revenue_per_member,
        {{ audience_ordered_aggregate('avg', 'case when is_holdout then revenue end', 'entity_id') }}
            as holdout_revenue_per_member,
        {{ audience_ordered_aggregate('var_samp', 'case when not is_holdout then revenue end', 'entity_id') }}
            as treated_revenue_variance,
        {{ audience_ordered_aggregate('var_samp', 'case when is_holdout then revenue end', 'entity_id') }}
            as holdout_revenue_variance
    from breakdowns
    group by audience, entity_type, cohort_as_of_date, observed_days, breakdown, segment_id, segment_name
),

rates as (
    select
        *,
        case when treated_members > 0 then cast(treated_conversions as double) / treated_members end as treated_rate,
        case when holdout_members > 0 then cast(holdout_conversions as double) / holdout_members end as holdout_rate
    from groups
),

final as (
    select
        cast(audience as varchar) as audience,
        cast(entity_type as varchar) as entity_type,
        cast(cohort_as_of_date as date) as cohort_as_of_date,
        cast(breakdown as varchar) as breakdown,
        cast(segment_id as integer) as segment_id,
        cast(segment_name as varchar) as segment_name,
        cast({{ window_days }} as integer) as window_days,
        cast(observed_days as integer) as observed_days,
        cast(observed_days >= {{ window_days }} as boolean) as is_window_complete,
        cast(treated_members as bigint) as treated_members,
        cast(holdout_members as bigint) as holdout_members,
        cast(treated_conversions as bigint) as treated_conversions,
        cast(holdout_conversions as bigint) as holdout_conversions,
        cast(treated_rate as double) as treated_conversion_rate,
        cast(holdout_rate as double) as holdout_conversion_rate,
        cast(treated_rate - holdout_rate as double) as conversion_lift,
        -- the threshold of the campaign readouts (campaign_segment_readout)
        cast(coalesce(
            treated_members < {{ min_members }} or holdout_members < {{ min_members }}, true
        ) as boolean) as is_too_small_to_conclude,
        cast({{ audience_rate_difference_bound(
            'lower', 'treated_conversions', 'treated_members', 'holdout_conversions', 'holdout_members'
        ) }} as double) as conversion_lift_low,
        cast({{ audience_rate_difference_bound(
            'upper', 'treated_conversions', 'treated_members', 'holdout_conversions', 'holdout_members'
        ) }} as double) as conversion_lift_high,
        cast((treated_rate - holdout_rate) * treated_members as double) as incremental_conversions,
        cast(treated_revenue_per_member as double) as treated_revenue_per_member,
        cast(holdout_revenue_per_member as double) as holdout_revenue_per_member,
        cast(treated_revenue_per_member - holdout_revenue_per_member as double) as revenue_lift,
        cast(treated_revenue_per_member - holdout_revenue_per_member - {{ z }} * sqrt(
            treated_revenue_variance / treated_members + holdout_revenue_variance / holdout_members
        ) as double) as revenue_lift_low,
        cast(treated_revenue_per_member - holdout_revenue_per_member + {{ z }} * sqrt(
            treated_revenue_variance / treated_members + holdout_revenue_variance / holdout_members
        ) as double) as revenue_lift_high
    from rates
)

select * from final
