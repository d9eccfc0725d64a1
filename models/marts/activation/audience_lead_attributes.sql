-- One row per lead at the as-of date with every column an audience rule may use (README "Act on
-- the results"): firmographics, activity features, and each declared lead prediction's
-- probability, decile, band and top reasons. No contact details: exports join those.
{%- set predictions = audience_entity_predictions('lead') %}
with

features as (
    select * from {{ ref('fct_lead_features') }}
),

predictions as (
    select
        {%- if predictions %}
        {{ audience_prediction_columns(predictions) }},
        {%- endif %}
        lead_id
    from {{ ref('lead_scores') }}
    group by lead_id
),

final as (
    select
        features.lead_id,
        features.as_of_date,
        features.company_size,
        features.industry,
        features.country,
        features.lead_source,
        features.days_since_created,
        features.is_recent_lead,
        features.is_converted,
        features.activities_7d,
        features.activities_30d,
        features.activities_90d,
        features.demo_request_activities,
        features.pricing_view_activities,
        {%- for prediction in predictions %}
        {%- for part in ['probability', 'decile', 'band', 'reason_1', 'reason_2', 'reason_3'] %}
        predictions.{{ prediction }}_{{ part }},
        {%- endfor %}
        {%- endfor %}
        features.days_since_last_activity
    from features
    left join predictions on features.lead_id = predictions.lead_id
)

select * from final
