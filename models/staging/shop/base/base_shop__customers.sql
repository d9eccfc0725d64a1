{{ config(materialized="table") }}
{%- set raw_types = raw_column_types(source('shop', 'customers')) %}

-- Every raw customer row, parsed, with the reason it is rejected (NULL when it is staged), and
-- every line of a customers CSV that could not be read.
with

source as (
    select * from {{ source('shop', 'customers') }}
),

parsed as (
    -- Each value is parsed once; raw_ columns keep source values that parsing can lose.
    select
        {{ text_value('customer_id', raw_types.get('customer_id')) }} as customer_id,
        {{ timestamp_value('signup_at', raw_types.get('signup_at'), 'customers') }} as signup_at,
        lower({{ text_value('email', raw_types.get('email')) }}) as email,
        upper({{ text_value('country', raw_types.get('country')) }}) as country,
        lower({{ text_value('acquisition_channel', raw_types.get('acquisition_channel')) }}) as acquisition_channel,
        {{ text_value('birth_year', raw_types.get('birth_year')) }} as birth_year_text,
        {{ integer_value('birth_year', raw_types.get('birth_year')) }} as parsed_birth_year,
        lower({{ text_value('gender', raw_types.get('gender')) }}) as gender,
        {{ text_value('marketing_consent', raw_types.get('marketing_consent')) }} as marketing_consent_text,
        {{ boolean_value('marketing_consent', raw_types.get('marketing_consent')) }} as parsed_marketing_consent,
        {{ text_value('phone', raw_types.get('phone')) }} as phone_text,
        signup_at as raw_signup_at,
        birth_year as raw_birth_year,
        marketing_consent as raw_marketing_consent
    from source
),

checked as (
    select
        *,
        case
            when customer_id is null then 'missing_customer_id'
            {{- timestamp_rejections('raw_signup_at', 'signup_at', 'signup_at') }}
        end as invalid_reason,
        -- An optional value that does not parse, or cannot be true, becomes NULL; the row is
        -- kept and staging.rejected_values keeps the value with this reason.
        case
            when birth_year_text is not null and parsed_birth_year is null then 'unparseable_birth_year'
            when parsed_birth_year < 1900
                or parsed_birth_year > extract(year from {{ audience_timestamp_ceiling() }})
                then 'birth_year_out_of_range'
        end as birth_year_issue,
        case
            when marketing_consent_text is not null and parsed_marketing_consent is null
                then 'unparseable_marketing_consent'
        end as marketing_consent_issue,
        {{ audience_e164_phone('phone_text') }} as parsed_phone
    from parsed
),

ranked as (
    select
        *,
        case when birth_year_issue is null then parsed_birth_year end as birth_year,
        case when marketing_consent_issue is null then parsed_marketing_consent end as marketing_consent,
        -- a phone is kept only in E.164 (+, country code, 7 to 15 digits), the form the ad
        -- platforms match on; the country cannot be guessed from a local number
        case when phone_text is not null and parsed_phone is null then 'phone_not_e164' end as phone_issue,
        -- Among valid rows with one id, the earliest signup wins (then every column in turn, so
        -- the choice is the same on every run).
        row_number() over (
            partition by customer_id, invalid_reason is null
            order by
                signup_at, email, country, acquisition_channel, parsed_birth_year, birth_year_text, gender,
                parsed_marketing_consent, marketing_consent_text, phone_text
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
        marketing_consent,
        parsed_phone as phone,
        case
            when invalid_reason is not null then invalid_reason
            when id_rank > 1 then 'duplicate_customer_id'
        end as rejection_reason,
        case when invalid_reason is not null or id_rank > 1 then {{ raw_record_json(
            ['customer_id', 'signup_at := raw_signup_at', 'email', 'country', 'acquisition_channel',
             'birth_year := raw_birth_year', 'gender', 'marketing_consent := raw_marketing_consent',
             'phone := phone_text'], raw_types
        ) }} end as raw_record,
        birth_year_issue,
        birth_year_text,
        marketing_consent_issue,
        marketing_consent_text,
        phone_issue,
        phone_text
    from ranked
    union all
    {{ malformed_line_rows('customers', [
        ('customer_id', 'varchar'), ('signup_at', 'timestamp'), ('email', 'varchar'),
        ('country', 'varchar'), ('acquisition_channel', 'varchar'), ('birth_year', 'integer'),
        ('gender', 'varchar'), ('marketing_consent', 'boolean'), ('phone', 'varchar'),
        ('rejection_reason', none), ('raw_record', none), ('birth_year_issue', 'varchar'),
        ('birth_year_text', 'varchar'), ('marketing_consent_issue', 'varchar'),
        ('marketing_consent_text', 'varchar'), ('phone_issue', 'varchar'), ('phone_text', 'varchar')]) }}
)

select * from final
