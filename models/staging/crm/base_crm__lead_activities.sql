{{ config(materialized="table") }}

-- Every raw lead activity, parsed, with the reason it is rejected (NULL when it is staged).
with

source as (
    select * from {{ source('crm', 'lead_activities') }}
),

leads as (
    select lead_id from {{ ref('stg_crm__leads') }}
),

checked as (
    select
        source.*,
        case
            when {{ text_value('activity_id') }} is null then 'missing_activity_id'
            when {{ text_value('source.lead_id') }} is null then 'missing_lead_id'
            {{- timestamp_rejections('activity_at', 'try_cast(activity_at as timestamp)', 'activity_at') }}
            when {{ text_value('activity_type') }} is null then 'missing_activity_type'
            when lower({{ text_value('activity_type') }}) not in {{ quoted_list(var('audience__activity_types')) }}
                then 'unknown_activity_type'
            when leads.lead_id is null then 'unknown_lead'
        end as invalid_reason
    from source
    left join leads
        on {{ text_value('source.lead_id') }} = leads.lead_id
),

parsed as (
    select
        {{ text_value('activity_id') }} as activity_id,
        {{ text_value('lead_id') }} as lead_id,
        try_cast(activity_at as timestamp) as activity_at,
        lower({{ text_value('activity_type') }}) as activity_type,
        invalid_reason,
        case when invalid_reason is not null then {{ raw_record_json(
            ['activity_id', 'lead_id', 'activity_at', 'activity_type']
        ) }} end as raw_record
    from checked
),

ranked as (
    select
        *,
        row_number() over (
            partition by activity_id, invalid_reason is null
            order by activity_at, lead_id, activity_type
        ) as id_rank
    from parsed
),

final as (
    select
        activity_id,
        lead_id,
        activity_at,
        activity_type,
        case
            when invalid_reason is not null then invalid_reason
            when id_rank > 1 then 'duplicate_activity_id'
        end as rejection_reason,
        case
            when invalid_reason is not null then raw_record
            when id_rank > 1 then {{ raw_record_json(['activity_id', 'lead_id', 'activity_at', 'activity_type']) }}
        end as raw_record
    from ranked
)

select * from final
