-- The A/B readout per campaign and behavioural segment (plus every customer: is_total):
-- response rate treated vs control, the difference with a 95% interval (Newcombe's hybrid score
-- interval, audience_rate_difference_bound), sample sizes, and a flag where either arm has fewer than
-- var audience__uplift_min_readout_customers exposures, too few to conclude. Segments are the
-- customers' current segments (customer_segments), not their segments at exposure.
{%- set min_customers = audience_setting('audience__uplift_min_readout_customers') %}
with

exposures as (
    select * from {{ ref('fct_campaign_exposures') }}
    where is_response_window_complete
),

segments as (
    select
        customer_id,
        segment_id,
        segment_name
    from {{ ref('customer_segments') }}
),

labelled as (
    select
        exposures.campaign_id,
        segments.segment_id,
        segments.segment_name,
        exposures.is_treated,
        cast(exposures.responded as integer) as responded
    from exposures
    left join segments on exposures.customer_id = segments.customer_id
),

by_segment as (
    select
        campaign_id,
        segment_id,
        segment_name,
        false as is_total,
        count(*) filter (where is_treated) as treated_exposures,
        count(*) filter (where not is_treated) as control_exposures,
        sum(responded) filter (where is_treated) as treated_responses,
        sum(responded) filter (where not is_treated) as control_responses
    from labelled
    group by campaign_id, segment_id, segment_name
    union all
    select
        campaign_id,
        null as segment_id,
        'All customers' as segment_name,
        true as is_total,
        count(*) filter (where is_treated) as treated_exposures,
        count(*) filter (where not is_treated) as control_exposures,
        sum(responded) filter (where is_treated) as treated_responses,
        sum(responded) filter (where not is_treated) as control_responses
    from labelled
    group by campaign_id
),

rates as (
    select
        *,
        cast(treated_responses as double) / nullif(treated_exposures, 0) as treated_response_rate,
        cast(control_responses as double) / nullif(control_exposures, 0) as control_response_rate
    from by_segment
),

final as (
    select
        cast(campaign_id as varchar) as campaign_id,
        cast(segment_id as integer) as segment_id,
        cast(segment_name as varchar) as segment_name,
        is_total,
        cast(treated_exposures as bigint) as treated_exposures,
        cast(control_exposures as bigint) as control_exposures,
        treated_response_rate,
        control_response_rate,
        treated_response_rate - control_response_rate as uplift,
        {{ audience_rate_difference_bound(
            'lower', 'treated_responses', 'treated_exposures', 'control_responses', 'control_exposures'
        ) }} as uplift_ci_lower,
        {{ audience_rate_difference_bound(
            'upper', 'treated_responses', 'treated_exposures', 'control_responses', 'control_exposures'
        ) }} as uplift_ci_upper,
        coalesce(
            treated_exposures < {{ min_customers }} or control_exposures < {{ min_customers }}, true
        ) as is_too_small_to_conclude
    from rates
)

select * from final
