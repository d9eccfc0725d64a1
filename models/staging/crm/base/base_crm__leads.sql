{{ config(materialized="table") }}
{%- set raw_types = raw_column_types(source('crm', 'leads')) %}

-- Every raw lead, parsed, with the reason it is rejected (NULL when it is staged).
with

source as (
    select * from {{ source('crm', 'leads') }}
),

parsed as (
    -- Each value is parsed once; raw_ columns keep source values that parsing can lose.
    select
        {{ text_value('lead_id', raw_types.get('lead_id')) }} as lead_id,
        {{ timestamp_value('created_at', raw_types.get('created_at'), 'leads') }} as created_at,
        {{ text_value('company_name', raw_types.get('company_name')) }} as company_name,
        {{ text_value('company_size', raw_types.get('company_size')) }} as company_size_text,
        {{ integer_value('company_size', raw_types.get('company_size')) }} as parsed_company_size,
        lower({{ text_value('industry', raw_types.get('industry')) }}) as industry,
        upper({{ text_value('country', raw_types.get('country')) }}) as country,
        lower({{ text_value('lead_source', raw_types.get('lead_source')) }}) as lead_source,
        {{ timestamp_value('converted_at', raw_types.get('converted_at'), 'leads') }} as converted_at,
        created_at as raw_created_at,
        company_size as raw_company_size,
        converted_at as raw_converted_at
    from source
),

checked as (
    select
        *,
        case
            when lead_id is null then 'missing_lead_id'
            {{- timestamp_rejections('raw_created_at', 'created_at', 'created_at') }}
            {{- timestamp_rejections('raw_converted_at', 'converted_at', 'converted_at', required=false) }}
            when converted_at < created_at then 'converted_before_created'
        end as invalid_reason,
        -- Optional firmographics that do not parse, or cannot be true, become NULL; the lead is
        -- kept and staging.rejected_values keeps the value with this reason.
        case
            when company_size_text is not null and parsed_company_size is null then 'unparseable_company_size'
            when parsed_company_size < 1 then 'company_size_out_of_range'
        end as company_size_issue
    from parsed
),

ranked as (
    select
        *,
        case when company_size_issue is null then parsed_company_size end as company_size,
        -- Among valid rows with one id, the earliest wins (then every column in turn).
        row_number() over (
            partition by lead_id, invalid_reason is null
            order by
                created_at, converted_at, company_name, parsed_company_size, company_size_text,
                industry, country, lead_source
        ) as id_rank
    from checked
),

final as (
    select
        lead_id,
        created_at,
        company_name,
        company_size,
        industry,
        country,
        lead_source,
        converted_at,
        case
            when invalid_reason is not null then invalid_reason
            when id_rank > 1 then 'duplicate_lead_id'
        end as rejection_reason,
        case when invalid_reason is not null or id_rank > 1 then {{ raw_record_json(
            ['lead_id', 'created_at := raw_created_at', 'company_name',
             'company_size := raw_company_size', 'industry', 'country', 'lead_source',
             'converted_at := raw_converted_at'], raw_types
        ) }} end as raw_record,
        company_size_issue,
        company_size_text
    from ranked
    union all
    {{ malformed_line_rows('leads', [
        ('lead_id', 'varchar'), ('created_at', 'timestamp'), ('company_name', 'varchar'),
        ('company_size', 'integer'), ('industry', 'varchar'), ('country', 'varchar'),
        ('lead_source', 'varchar'), ('converted_at', 'timestamp'), ('rejection_reason', none),
        ('raw_record', none), ('company_size_issue', 'varchar'), ('company_size_text', 'varchar')]) }}
)

select * from final
