-- How the behavioural segments and the RFM named segments overlap: customers per pair, and the
-- pair's share of the behavioural segment.
with

segments as (
    select * from {{ ref('customer_segments') }}
),

rfm as (
    select
        customer_id,
        rfm_segment
    from {{ ref('fct_customer_rfm') }}
),

counts as (
    select
        segments.segment_id,
        segments.segment_name,
        rfm.rfm_segment,
        segments.model_version,
        count(*) as customers
    from segments
    inner join rfm on segments.customer_id = rfm.customer_id
    group by segments.segment_id, segments.segment_name, rfm.rfm_segment, segments.model_version
),

final as (
    select
        segment_id,
        segment_name,
        rfm_segment,
        model_version,
        customers,
        customers / sum(customers) over (partition by segment_id) as share_of_segment
    from counts
)

select * from final
