-- Per segment and model feature: the segment's mean, everyone's mean and standard deviation, and
-- the z-score (segment mean - overall mean) / overall standard deviation, in the feature's own
-- units (before fill, transform and scaling). Reads: a z of +1.5 means the segment's customers sit
-- 1.5 standard deviations above the average customer on that feature.
{%- set features = segment_model_features(ref('segment_model_state')) %}
with

segments as (
    select * from {{ ref('customer_segments') }}
),

features as (
    select * from {{ ref('fct_customer_features') }}
),

joined as (
    select
        segments.segment_id,
        segments.model_version,
        features.*
    from segments
    inner join features on segments.customer_id = features.customer_id
),

feature_values as (
    {%- for feature in features %}
    {% if not loop.first %}union all{% endif %}
    select
        customer_id,
        segment_id,
        model_version,
        '{{ feature }}' as feature,
        {{ loop.index }} as feature_position,
        cast({{ adapter.quote(feature) }} as double) as feature_value
    from joined
    {%- endfor %}
    {%- if not features %}
    select
        customer_id,
        segment_id,
        model_version,
        cast(null as varchar) as feature,
        cast(null as integer) as feature_position,
        cast(null as double) as feature_value
    from joined
    where false
    {%- endif %}
),

overall as (
    select
        feature,
        {{ audience_ordered_aggregate('avg', 'feature_value', 'customer_id') }} as overall_mean,
        {{ audience_ordered_aggregate('stddev_pop', 'feature_value', 'customer_id') }} as overall_stddev
    from feature_values
    group by feature
),

by_segment as (
    select
        segment_id,
        model_version,
        feature,
        feature_position,
        count(feature_value) as customers_with_value,
        {{ audience_ordered_aggregate('avg', 'feature_value', 'customer_id') }} as segment_mean
    from feature_values
    group by segment_id, model_version, feature, feature_position
),

final as (
    select
        by_segment.segment_id,
        by_segment.feature,
        by_segment.feature_position,
        by_segment.model_version,
        by_segment.customers_with_value,
        by_segment.segment_mean,
        overall.overall_mean,
        overall.overall_stddev,
        (by_segment.segment_mean - overall.overall_mean)
        / nullif(overall.overall_stddev, 0) as z_score
    from by_segment
    inner join overall on by_segment.feature = overall.feature
)

select * from final
