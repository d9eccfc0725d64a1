-- Every build's published scores, compactly: one row per entity, prediction and as-of date, so
-- that labels known later can be joined to the scores given earlier (int_realized_scores). Kept
-- through `dbt build --full-refresh` (full_refresh=false); a rebuild of an as-of date replaces
-- that date's rows, and dates more than var audience__score_history_days before the newest one
-- kept are deleted after each build (the post-hook).
{{ config(
    materialized='incremental',
    unique_key=['as_of_date'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    full_refresh=false,
    post_hook=["{{ audience_score_history_retention() }}"],
) }}
with

scores as (
    select * from {{ ref('entity_scores') }}
),

final as (
    select
        prediction,
        entity_type,
        entity_id,
        as_of_date,
        model_version,
        is_heuristic,
        probability,
        score,
        decile,
        band
    from scores
)

select * from final
