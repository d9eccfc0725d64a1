-- One row per declared audience: its size at the as-of date, how many members are treated and how
-- many held out, and how many entered and left since the previous build.
with

definitions as (
    select * from {{ ref('audience_definitions') }}
),

members as (
    select * from {{ ref('audience_members') }}
),

changes as (
    select * from {{ ref('audience_membership_changes') }}
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

sizes as (
    select
        audience,
        count(*) as members,
        sum(case when is_holdout then 0 else 1 end) as treated_members,
        sum(case when is_holdout then 1 else 0 end) as holdout_members
    from members
    group by audience
),

deltas as (
    select
        audience,
        sum(case when membership_change = 'entered' then 1 else 0 end) as entered,
        sum(case when membership_change = 'exited' then 1 else 0 end) as exited
    from changes
    group by audience
),

final as (
    select
        cast(definitions.audience as varchar) as audience,
        cast(definitions.entity_type as varchar) as entity_type,
        cast(as_of.as_of_date as date) as as_of_date,
        cast(coalesce(sizes.members, 0) as bigint) as members,
        cast(coalesce(sizes.treated_members, 0) as bigint) as treated_members,
        cast(coalesce(sizes.holdout_members, 0) as bigint) as holdout_members,
        cast(definitions.holdout_share as double) as holdout_share,
        cast(coalesce(deltas.entered, 0) as bigint) as entered,
        cast(coalesce(deltas.exited, 0) as bigint) as exited,
        cast(definitions.declaration_order as integer) as declaration_order
    from definitions
    cross join as_of
    left join sizes on definitions.audience = sizes.audience
    left join deltas on definitions.audience = deltas.audience
)

select * from final
