-- The members of every declared audience at the as-of date, ranked, with the holdout flag, the
-- values of the columns its rule and order read, and when the member entered: the first as-of
-- date of its current unbroken run of builds in audience_membership_history (a member that left
-- and came back entered again).
with

selection as (
    select * from {{ ref('int_audience_selection') }}
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

history as (
    select history.*
    from {{ ref('audience_membership_history') }} as history
    cross join as_of
    where history.as_of_date <= as_of.as_of_date
),

-- every as-of date built so far, numbered
builds as (
    select
        as_of_date,
        dense_rank() over (order by as_of_date) as build_number
    from (select distinct as_of_date from history) as dates
),

-- consecutive builds of a member share a run: build number minus its own count
runs as (
    select
        history.audience,
        history.entity_id,
        history.as_of_date,
        builds.build_number - row_number() over (
            partition by history.audience, history.entity_id order by history.as_of_date
        ) as run
    from history
    inner join builds on history.as_of_date = builds.as_of_date
),

current_runs as (
    select
        runs.audience,
        runs.entity_id,
        runs.as_of_date,
        runs.run,
        last_value(runs.run) over (
            partition by runs.audience, runs.entity_id order by runs.as_of_date
            rows between unbounded preceding and unbounded following
        ) as current_run
    from runs
),

entered as (
    select
        audience,
        entity_id,
        min(as_of_date) as entered_at
    from current_runs
    where run = current_run
    group by audience, entity_id
),

final as (
    select
        cast(selection.audience as varchar) as audience,
        cast(selection.entity_type as varchar) as entity_type,
        cast(selection.entity_id as varchar) as entity_id,
        cast(selection.as_of_date as date) as as_of_date,
        cast(selection.member_rank as integer) as member_rank,
        cast(selection.is_holdout as boolean) as is_holdout,
        cast(selection.rule_values as varchar) as rule_values,
        cast(coalesce(entered.entered_at, selection.as_of_date) as date) as entered_at
    from selection
    left join entered
        on selection.audience = entered.audience and selection.entity_id = entered.entity_id
)

select * from final
