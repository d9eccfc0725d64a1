-- Customer propensity deciles against segments: per prediction, segment and decile, how many
-- customers and their mean score. segment_type = behavioral (customer_segments) or rfm
-- (fct_customer_rfm's named RFM segment).
with

scores as (
    select * from {{ ref('customer_scores') }}
),

segments as (
    select
        'behavioral' as segment_type,
        customer_id,
        cast(segment_id as varchar) as segment_key,
        segment_name
    from {{ ref('customer_segments') }}
    union all
    select
        'rfm' as segment_type,
        customer_id,
        rfm_segment as segment_key,
        rfm_segment as segment_name
    from {{ ref('fct_customer_rfm') }}
),

final as (
    select
        cast(scores.prediction as varchar) as prediction,
        cast(segments.segment_type as varchar) as segment_type,
        cast(segments.segment_key as varchar) as segment_key,
        cast(max(segments.segment_name) as varchar) as segment_name,
        cast(scores.decile as integer) as decile,
        cast(count(*) as bigint) as customers,
        cast(avg(scores.score order by scores.customer_id) as double) as mean_score,
        cast(
            count(*) / sum(count(*)) over (
                partition by scores.prediction, segments.segment_type, segments.segment_key
            ) as double
        ) as share_of_segment
    from scores
    inner join segments on scores.customer_id = segments.customer_id
    group by scores.prediction, segments.segment_type, segments.segment_key, scores.decile
)

select * from final
