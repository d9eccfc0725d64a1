-- For every pair of declared audiences of the same entity type: how many members they share, as a
-- share of the first audience's size and as the Jaccard index (shared / either).
with

definitions as (
    select * from {{ ref('audience_definitions') }}
),

members as (
    select * from {{ ref('audience_members') }}
),

sizes as (
    select
        audience,
        count(*) as members
    from members
    group by audience
),

pairs as (
    select
        first_audience.audience,
        second_audience.audience as other_audience,
        first_audience.entity_type
    from definitions as first_audience
    inner join definitions as second_audience
        on first_audience.entity_type = second_audience.entity_type
            and first_audience.audience <> second_audience.audience
),

shared as (
    select
        first_members.audience,
        second_members.audience as other_audience,
        count(*) as shared_members
    from members as first_members
    inner join members as second_members
        on first_members.entity_type = second_members.entity_type
            and first_members.entity_id = second_members.entity_id
            and first_members.audience <> second_members.audience
    group by first_members.audience, second_members.audience
),

final as (
    select
        cast(pairs.audience as varchar) as audience,
        cast(pairs.other_audience as varchar) as other_audience,
        cast(pairs.entity_type as varchar) as entity_type,
        cast(coalesce(shared.shared_members, 0) as bigint) as shared_members,
        cast(coalesce(shared.shared_members, 0) * 1.0 / nullif(own.members, 0) as double) as share_of_audience,
        cast(
            coalesce(shared.shared_members, 0) * 1.0
            / nullif(coalesce(own.members, 0) + coalesce(other.members, 0) - coalesce(shared.shared_members, 0), 0)
            as double
        ) as jaccard
    from pairs
    left join shared on pairs.audience = shared.audience and pairs.other_audience = shared.other_audience
    left join sizes as own on pairs.audience = own.audience
    left join sizes as other on pairs.other_audience = other.audience
)

select * from final
