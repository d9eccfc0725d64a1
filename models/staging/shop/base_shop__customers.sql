{{ config(materialized="table") }}
{%- set raw_types = raw_column_types(source('shop', 'customers')) %}

-- Every raw customer row, parsed, with the reason it is rejected (NULL when it is staged).
with

source as (
    select * from {{ source('shop', 'customers') }}
),

parsed as (
    -- Each value is parsed once; raw_ columns keep source values that parsing can lose.
    select
        {{ text_value('customer_id', raw_types.get('customer_id')) }} as customer_id,
        {{ timestamp_value('signup_at', raw_types.get('signup_at')) }} as signup_at,
        lower({{ text_value('email', raw_types.get('email')) }}) as email,
        upper({{ text_value('country', raw_types.get('country')) }}) as country,
        lower({{ text_value('acquisition_channel', raw_types.get('acquisition_channel')) }}) as acquisition_channel,
        -- Optional attributes that do not parse become NULL (the source test
        -- audience_values_parse warns about them); the row is kept.
        try_cast({{ text_value('birth_year', raw_types.get('birth_year')) }} as integer) as birth_year,
        lower({{ text_value('gender', raw_types.get('gender')) }}) as gender,
        signup_at as raw_signup_at,
        birth_year as raw_birth_year
    from source
),

checked as (
    select
        *,
        case
            when customer_id is null then 'missing_customer_id'
            {{- timestamp_rejections('raw_signup_at', 'signup_at', 'signup_at') }}
        end as invalid_reason
    from parsed
),

ranked as (
    select
        *,
        -- Among valid rows with one id, the earliest signup wins (then every column in turn, so
        -- the choice is the same on every run).
        row_number() over (
            partition by customer_id, invalid_reason is null
            order by signup_at, email, country, acquisition_channel, birth_year, gender
        ) as id_rank
    from checked
),

final as (
    select
        customer_id,
        signup_at,
        email,
        country,
        acquisition_channel,
        birth_year,
        gender,
        case
            when invalid_reason is not null then invalid_reason
            when id_rank > 1 then 'duplicate_customer_id'
        end as rejection_reason,
        case when invalid_reason is not null or id_rank > 1 then {{ raw_record_json(
            ['customer_id', 'signup_at := raw_signup_at', 'email', 'country', 'acquisition_channel',
             'birth_year := raw_birth_year', 'gender']
        ) }} end as raw_record
    from ranked
)

select * from final
