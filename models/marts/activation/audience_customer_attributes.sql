-- One row per customer at the as-of date with every column an audience rule may use (README "Act
-- on the results"): country, channel and marketing consent, the behavioural and RFM segments,
-- each declared customer prediction's probability, decile, band and top reasons, lifetime value
-- and P(alive), the uplift score and group, and behavioural features. No contact details:
-- exports join those where a destination needs them.
{%- set predictions = audience_entity_predictions('customer') %}
with

features as (
    select * from {{ ref('fct_customer_features') }}
),

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

segments as (
    select * from {{ ref('customer_segments') }}
),

clv as (
    select * from {{ ref('customer_clv') }}
),

uplift as (
    select * from {{ ref('customer_uplift') }}
),

predictions as (
    select
        {%- if predictions %}
        {{ audience_prediction_columns(predictions) }},
        {%- endif %}
        customer_id
    from {{ ref('customer_scores') }}
    group by customer_id
),

final as (
    select
        features.customer_id,
        features.as_of_date,
        customers.country,
        customers.acquisition_channel,
        customers.marketing_consent,
        segments.segment_id,
        segments.segment_name,
        features.rfm_segment,
        features.rfm_code,
        features.r_score,
        features.f_score,
        features.m_score,
        features.recency_days,
        features.frequency,
        features.monetary,
        features.average_order_value,
        features.tenure_days,
        features.top_category,
        features.days_since_last_visit,
        features.days_since_last_event,
        features.events_30d,
        features.active_days_30d,
        {%- for prediction in predictions %}
        {%- for part in ['probability', 'decile', 'band', 'reason_1', 'reason_2', 'reason_3'] %}
        predictions.{{ prediction }}_{{ part }},
        {%- endfor %}
        {%- endfor %}
        clv.clv,
        clv.probability_alive,
        clv.expected_purchases_90d,
        uplift.uplift_score,
        uplift.uplift_decile,
        uplift.uplift_group
    from features
    left join customers on features.customer_id = customers.customer_id
    left join segments on features.customer_id = segments.customer_id
    left join clv on features.customer_id = clv.customer_id
    left join uplift on features.customer_id = uplift.customer_id
    left join predictions on features.customer_id = predictions.customer_id
)

select * from final
