-- One row per segment of the current model: size, share of customers and of revenue, typical
-- value and activity, top spend categories, the most common RFM segment and the three model
-- features that set it apart most (largest absolute z-score, see segment_feature_profiles).
{%- set categories = audience_setting('audience__product_categories') %}
with

segments as (
    select * from {{ ref('customer_segments') }}
),

features as (
    select * from {{ ref('fct_customer_features') }}
),

segment_names as (
    select * from {{ ref('int_segment_names') }}
),

feature_profiles as (
    select * from {{ ref('segment_feature_profiles') }}
),

rfm_crosstab as (
    select * from {{ ref('segment_rfm_crosstab') }}
),

joined as (
    select
        segments.customer_id,
        segments.segment_id,
        segments.model_version,
        segments.as_of_date,
        segments.distance_to_centroid,
        features.* exclude (customer_id, as_of_date)  -- noqa: RF02
    from segments
    inner join features on segments.customer_id = features.customer_id
),

sizes as (
    select
        segment_id,
        model_version,
        as_of_date,
        count(*) as customers,
        sum(monetary) as revenue,
        avg(monetary) as avg_monetary,
        avg(frequency) as avg_frequency,
        avg(recency_days) as avg_recency_days,
        avg(tenure_days) as avg_tenure_days,
        avg(days_since_last_event) as avg_days_since_last_event,
        -- a fixed order: floating-point sums must not depend on the order rows arrive in
        avg(distance_to_centroid order by customer_id) as avg_distance_to_centroid,
        {%- for category in categories %}
        sum(net_amount_{{ category }}) as spend_{{ category }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from joined
    group by segment_id, model_version, as_of_date
),

category_spend as (
    {%- for category in categories %}
    {% if not loop.first %}union all{% endif %}
    select
        segment_id,
        '{{ category }}' as category,
        spend_{{ category }} as spend,
        spend_{{ category }} / nullif(revenue, 0) as spend_share
    from sizes
    {%- endfor %}
),

top_categories as (
    select
        segment_id,
        string_agg(
            category || ' ' || cast(round(100 * spend_share) as integer) || '%', ', '
            order by spend desc, category asc
        ) as top_categories
    from (
        select
            *,
            row_number() over (partition by segment_id order by spend desc, category asc) as spend_rank
        from category_spend
        where spend > 0
    ) as ranked
    where spend_rank <= 3
    group by segment_id
),

top_rfm as (
    select
        segment_id,
        rfm_segment as top_rfm_segment,
        share_of_segment as top_rfm_segment_share
    from (
        select
            *,
            row_number() over (
                partition by segment_id order by customers desc, rfm_segment asc
            ) as rfm_rank
        from rfm_crosstab
    ) as ranked
    where rfm_rank = 1
),

distinguishing as (
    select
        segment_id,
        string_agg(
            feature || ' ' || case when z_score >= 0 then '+' else '' end
            || cast(round(z_score, 1) as varchar), ', '
            order by abs(z_score) desc, feature asc
        ) as distinguishing_features
    from (
        select
            *,
            row_number() over (
                partition by segment_id order by abs(z_score) desc, feature asc
            ) as z_rank
        from feature_profiles
        where z_score is not null
    ) as ranked
    where z_rank <= 3
    group by segment_id
),

final as (
    select
        sizes.segment_id,
        segment_names.segment_name,
        segment_names.auto_segment_name,
        segment_names.is_name_overridden,
        sizes.customers,
        sizes.customers / sum(sizes.customers) over () as customer_share,
        coalesce(sizes.revenue, 0) as revenue,
        cast(coalesce(sizes.revenue / nullif(sum(sizes.revenue) over (), 0), 0) as double) as revenue_share,
        sizes.avg_monetary,
        sizes.avg_frequency,
        sizes.avg_recency_days,
        sizes.avg_tenure_days,
        sizes.avg_days_since_last_event,
        sizes.avg_distance_to_centroid,
        top_categories.top_categories,
        top_rfm.top_rfm_segment,
        top_rfm.top_rfm_segment_share,
        distinguishing.distinguishing_features,
        sizes.model_version,
        sizes.as_of_date
    from sizes
    left join segment_names on sizes.segment_id = segment_names.segment_id
    left join top_categories on sizes.segment_id = top_categories.segment_id
    left join top_rfm on sizes.segment_id = top_rfm.segment_id
    left join distinguishing on sizes.segment_id = distinguishing.segment_id
)

select * from final
