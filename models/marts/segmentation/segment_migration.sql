-- Customers moving between segments from the previous run (an earlier model version, or the same
-- model at an earlier as-of date) to the current one. A customer new in the current run comes
-- from NULL; one no longer present goes to NULL. Empty until a second run.
with

history as (
    select * from {{ ref('customer_segment_history') }}
),

runs as (
    -- A run: a model version applied at an as-of date. The latest run has the highest model
    -- sequence, then the latest as-of date.
    select distinct
        model_version,
        model_sequence,
        as_of_date
    from history
),

ranked as (
    select
        model_version,
        as_of_date,
        row_number() over (order by model_sequence desc, as_of_date desc) as recency_rank
    from runs
),

current_run as (
    select history.*
    from history
    inner join ranked
        on history.model_version = ranked.model_version
            and history.as_of_date = ranked.as_of_date
    where ranked.recency_rank = 1
),

previous_run as (
    select history.*
    from history
    inner join ranked
        on history.model_version = ranked.model_version
            and history.as_of_date = ranked.as_of_date
    where ranked.recency_rank = 2
),

previous_count as (
    select count(*) as customers from previous_run
),

moves as (
    select
        previous_run.model_version as from_model_version,
        current_run.model_version as to_model_version,
        previous_run.as_of_date as from_as_of_date,
        current_run.as_of_date as to_as_of_date,
        previous_run.segment_id as from_segment_id,
        current_run.segment_id as to_segment_id
    from previous_run
    full outer join current_run on previous_run.customer_id = current_run.customer_id
    cross join previous_count
    where previous_count.customers > 0
),

final as (
    select
        max(from_model_version) over () as from_model_version,
        max(to_model_version) over () as to_model_version,
        max(from_as_of_date) over () as from_as_of_date,
        max(to_as_of_date) over () as to_as_of_date,
        from_segment_id,
        to_segment_id,
        customers,
        customers / sum(customers) over (partition by from_segment_id) as share_of_from_segment
    from (
        select
            from_model_version,
            to_model_version,
            from_as_of_date,
            to_as_of_date,
            from_segment_id,
            to_segment_id,
            count(*) as customers
        from moves
        group by all
    ) as counted
)

select * from final
