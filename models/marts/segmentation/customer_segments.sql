-- One row per customer: the segment of the current model, assigned in plain SQL generated from
-- the model's parameters (macros/segmentation/segment_assignment_sql.sql), so new customers are segmented by
-- dbt build without Python.
with

assignments as (
    {{ segment_assignment_sql(ref('fct_customer_features'), ref('segment_model_state')) }}
),

features as (
    select
        customer_id,
        as_of_date
    from {{ ref('fct_customer_features') }}
),

segment_names as (
    select * from {{ ref('int_segment_names') }}
),

final as (
    select
        assignments.customer_id,
        assignments.segment_id,
        segment_names.segment_name,
        assignments.distance_to_centroid,
        assignments.model_version,
        features.as_of_date
    from assignments
    inner join features on assignments.customer_id = features.customer_id
    left join segment_names on assignments.segment_id = segment_names.segment_id
)

select * from final
