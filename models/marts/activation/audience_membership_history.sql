-- Every declared audience's members at every as-of date this warehouse has built: the record that
-- entered_at and the entered / exited deltas are computed from. Incremental, and kept through
-- `dbt build --full-refresh` (full_refresh=false): a rebuild of an as-of date replaces that date's
-- rows, earlier dates stay.
{{ config(
    materialized='incremental',
    unique_key=['as_of_date'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    full_refresh=false,
) }}
with

selection as (
    select * from {{ ref('int_audience_selection') }}
),

final as (
    select
        audience,
        entity_type,
        entity_id,
        as_of_date,
        member_rank,
        is_holdout
    from selection
)

select * from final
