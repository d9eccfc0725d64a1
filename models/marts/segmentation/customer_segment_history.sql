-- Every customer's segment under every model version and as-of date this warehouse has used
-- (incremental: each run replaces the rows of its version and date, so applying a kept model to
-- a later as-of date adds a run). segment_migration compares the last two runs.
{{ config(
    materialized='incremental',
    unique_key=['model_version', 'as_of_date'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}
with

segments as (
    select * from {{ ref('customer_segments') }}
),

models as (
    select
        model_version,
        model_sequence
    from {{ ref('segment_models') }}
),

final as (
    select
        segments.customer_id,
        segments.model_version,
        models.model_sequence,
        segments.as_of_date,
        segments.segment_id
    from segments
    inner join models on segments.model_version = models.model_version
)

select * from final
