{{ config(materialized="table") }}
{%- set raw_types = raw_column_types(source('shop', 'campaign_exposures')) %}

-- Every raw campaign exposure, parsed, with the reason it is rejected (NULL when it is staged).
with

source as (
    select * from {{ source('shop', 'campaign_exposures') }}
),

customers as (
    select customer_id from {{ ref('stg_shop__customers') }}
),

parsed as (
    -- Each value is parsed once; raw_ columns keep source values that parsing can lose.
    select
        {{ text_value('exposure_id', raw_types.get('exposure_id')) }} as exposure_id,
        {{ text_value('campaign_id', raw_types.get('campaign_id')) }} as campaign_id,
        {{ text_value('customer_id', raw_types.get('customer_id')) }} as customer_id,
        {{ timestamp_value('exposed_at', raw_types.get('exposed_at'), 'campaign_exposures') }} as exposed_at,
        lower({{ text_value('treatment_group', raw_types.get('treatment_group')) }}) as treatment_group,
        lower({{ text_value('channel', raw_types.get('channel')) }}) as channel,
        exposed_at as raw_exposed_at
    from source
),

checked as (
    select
        parsed.*,
        case
            when parsed.exposure_id is null then 'missing_exposure_id'
            when parsed.campaign_id is null then 'missing_campaign_id'
            when parsed.customer_id is null then 'missing_customer_id'
            {{- timestamp_rejections('parsed.raw_exposed_at', 'parsed.exposed_at', 'exposed_at') }}
            when parsed.treatment_group is null then 'missing_treatment_group'
            when parsed.treatment_group not in ('treatment', 'control') then 'unknown_treatment_group'
            when customers.customer_id is null then 'unknown_customer'
        end as invalid_reason
    from parsed
    left join customers on parsed.customer_id = customers.customer_id
),

ranked as (
    select
        *,
        -- Among valid rows with one id, the earliest wins (then every column in turn).
        row_number() over (
            partition by exposure_id, invalid_reason is null
            order by exposed_at, campaign_id, customer_id, treatment_group, channel
        ) as id_rank
    from checked
),

final as (
    select
        exposure_id,
        campaign_id,
        customer_id,
        exposed_at,
        treatment_group,
        channel,
        case
            when invalid_reason is not null then invalid_reason
            when id_rank > 1 then 'duplicate_exposure_id'
        end as rejection_reason,
        case when invalid_reason is not null or id_rank > 1 then {{ raw_record_json(
            ['exposure_id', 'campaign_id', 'customer_id', 'exposed_at := raw_exposed_at',
             'treatment_group', 'channel'], raw_types
        ) }} end as raw_record
    from ranked
    union all
    {{ malformed_line_rows('campaign_exposures', [
        ('exposure_id', 'varchar'), ('campaign_id', 'varchar'), ('customer_id', 'varchar'),
        ('exposed_at', 'timestamp'), ('treatment_group', 'varchar'), ('channel', 'varchar'),
        ('rejection_reason', none), ('raw_record', none)]) }}
)

select * from final
