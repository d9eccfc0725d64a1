-- Recency, frequency and monetary value per customer as of the as-of date, scored 1-5 by quintile
-- (5 best) and named with the segment map in seeds/rfm_segments.csv.
with

rfm as (
    {{ customer_rfm_features(ref('int_as_of_date')) }}
),

scored as (
    {{ rfm_scores('rfm') }}
),

segments as (
    select * from {{ ref('rfm_segments') }}
),

final as (
    select
        scored.customer_id,
        scored.as_of_date,
        scored.signup_at,
        scored.tenure_days,
        scored.first_purchase_at,
        scored.last_purchase_at,
        scored.recency_days,
        scored.frequency,
        scored.monetary,
        scored.average_order_value,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        cast(scored.r_score as varchar) || cast(scored.f_score as varchar) || cast(scored.m_score as varchar)
            as rfm_code,
        segments.segment_name as rfm_segment,
        {%- for category in audience_setting('audience__product_categories') %}
        scored.net_amount_{{ category }},
        {%- endfor %}
        scored.net_amount_other
    from scored
    left join segments
        on (
            scored.frequency > 0
            and scored.r_score between segments.r_score_min and segments.r_score_max
            and scored.f_score between segments.f_score_min and segments.f_score_max
        )
        or (scored.frequency = 0 and segments.r_score_min is null)
)

select * from final
