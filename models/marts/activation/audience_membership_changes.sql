-- Who entered and who left each declared audience since the previous as-of date built into this
-- warehouse (audience_membership_history): the deltas a destination is synced with. On the first
-- build every member has entered.
with

definitions as (
    select * from {{ ref('audience_definitions') }}
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

history as (
    select * from {{ ref('audience_membership_history') }}
),

previous_build as (
    select max(history.as_of_date) as as_of_date
    from history
    cross join as_of
    where history.as_of_date < as_of.as_of_date
),

current_members as (
    select history.*
    from history
    inner join as_of on history.as_of_date = as_of.as_of_date
),

previous_members as (
    select history.*
    from history
    inner join previous_build on history.as_of_date = previous_build.as_of_date
    inner join definitions on history.audience = definitions.audience
),

changes as (
    select
        current_members.audience,
        current_members.entity_type,
        current_members.entity_id,
        'entered' as membership_change,
        current_members.is_holdout
    from current_members
    left join previous_members
        on current_members.audience = previous_members.audience
            and current_members.entity_id = previous_members.entity_id
    where previous_members.entity_id is null
    union all
    select
        previous_members.audience,
        previous_members.entity_type,
        previous_members.entity_id,
        'exited' as membership_change,
        previous_members.is_holdout
    from previous_members
    left join current_members
        on previous_members.audience = current_members.audience
            and previous_members.entity_id = current_members.entity_id
    where current_members.entity_id is null
),

final as (
    select
        cast(changes.audience as varchar) as audience,
        cast(changes.entity_type as varchar) as entity_type,
        cast(changes.entity_id as varchar) as entity_id,
        cast(changes.membership_change as varchar) as membership_change,
        cast(changes.is_holdout as boolean) as is_holdout,
        cast(as_of.as_of_date as date) as as_of_date,
        cast(previous_build.as_of_date as date) as previous_as_of_date
    from changes
    cross join as_of
    cross join previous_build
)

select * from final
