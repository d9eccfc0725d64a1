-- Point-in-time training rows for lead conversion: open leads (created in the var
-- audience__lead_open_days before the cutoff, not converted before it) with their features as of
-- each cutoff, and the label observed only after it.
--   converted_30d: 1 if the lead converted in [cutoff, cutoff + 30 days), else 0; NULL when the
--                  window is not complete before the as-of date. The window is the label's
--                  label_window_days in _features__models.yml (the declared prediction's horizon).
{%- set conversion_days = audience_label_window_days(this.name, 'converted_30d', required=true) %}
with

cutoffs as (
    select
        cutoff_date as as_of_date,
        days_observed_after_cutoff
    from {{ ref('int_snapshot_cutoffs') }}
),

features as (
    {{ lead_features('cutoffs') }}
),

leads as (
    -- Read for the label only: conversion times after the cutoff.
    select
        lead_id,
        converted_at
    from {{ ref('stg_crm__leads') }}
),

final as (
    select
        features.lead_id,
        features.as_of_date as cutoff_date,
        features.created_at,
        features.company_size,
        features.industry,
        features.country,
        features.lead_source,
        features.days_since_created,
        {{ is_recent_lead('features.days_since_created') }} as is_recent_lead,
        {%- for column in lead_feature_columns() %}
        features.{{ column }},
        {%- endfor %}
        case
            when cutoffs.days_observed_after_cutoff < {{ conversion_days }} then null
            when
                leads.converted_at >= features.as_of_date
                and leads.converted_at < {{ dbt.dateadd('day', conversion_days, 'features.as_of_date') }}
                then 1
            else 0
        end as converted_30d
    from features
    inner join cutoffs on features.as_of_date = cutoffs.as_of_date
    inner join leads on features.lead_id = leads.lead_id
    where
        not features.is_converted
        and {{ is_recent_lead('features.days_since_created') }}
)

select * from final
