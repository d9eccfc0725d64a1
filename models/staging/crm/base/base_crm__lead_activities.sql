{{ config(materialized="table") }}
{%- set raw_types = raw_column_types(source('crm', 'lead_activities')) %}

-- Every raw lead activity, parsed, with the reason it is rejected (NULL when it is staged).
with

source as (
    select * from {{ source('crm', 'lead_activities') }}
),

leads as (
    select lead_id from {{ ref('stg_crm__leads') }}
),

parsed as (
    -- Each value is parsed once; raw_ columns keep source values that parsing can lose.
    select
        {{ text_value('activity_id', raw_types.get('activity_id')) }} as activity_id,
        {{ text_value('lead_id', raw_types.get('lead_id')) }} as lead_id,
        {{ timestamp_value('activity_at', raw_types.get('activity_at'), 'lead_activities') }} as activity_at,
        lower({{ text_value('activity_type', raw_types.get('activity_type')) }}) as activity_type,
        activity_at as raw_activity_at
    from source
),

checked as (
    select
        parsed.*,
        case
            when parsed.activity_id is null then 'missing_activity_id'
            when parsed.lead_id is null then 'missing_lead_id'
            {{- timestamp_rejections('parsed.raw_activity_at', 'parsed.activity_at', 'activity_at') }}
            when parsed.activity_type is null then 'missing_activity_type'
            when parsed.activity_type not in {{ quoted_list(audience_setting('audience__activity_types')) }}
                then 'unknown_activity_type'
            when leads.lead_id is null then 'unknown_lead'
        end as invalid_reason
    from parsed
    left join leads on parsed.lead_id = leads.lead_id
),

ranked as (
    select
        *,
        -- Among valid rows with one id, the earliest wins (then every column in turn).
        row_number() over (
            partition by activity_id, invalid_reason is null
            order by activity_at, lead_id, activity_type
        ) as id_rank
    from checked
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
        case when invalid_reason is not null or id_rank > 1 then {{ raw_record_json(
            ['activity_id', 'lead_id', 'activity_at := raw_activity_at', 'activity_type'], raw_types
        ) }} end as raw_record
    from ranked
    union all
    {{ malformed_line_rows('lead_activities', [
        ('activity_id', 'varchar'), ('lead_id', 'varchar'), ('activity_at', 'timestamp'),
        ('activity_type', 'varchar'), ('rejection_reason', none), ('raw_record', none)]) }}
)

select * from final
