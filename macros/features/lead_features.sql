{#- Features for every lead created before each date in `dates` (a relation with an as_of_date
    column), reading only activities before that date: firmographics, age, whether it had
    converted by then, activity counts per type (all time and per window) and activity recency.
    One row per (lead_id, as_of_date). -#}
{% macro lead_features(dates) -%}
{%- set activity_types = audience_setting('audience__activity_types') -%}
{%- set windows = audience_setting('audience__event_windows_days') -%}
    with

    dates as (
        select distinct as_of_date from {{ dates }}
    ),

    leads as (
        select * from {{ ref('stg_crm__leads') }}
    ),

    population as (
        select leads.*, dates.as_of_date
        from leads
        inner join dates on leads.created_at < dates.as_of_date
    ),

    activities as (
        select
            activities.lead_id,
            activities.activity_type,
            dates.as_of_date,
            {{ dbt.datediff('cast(activities.activity_at as date)', 'dates.as_of_date', 'day') }} as days_before
        from {{ ref('stg_crm__lead_activities') }} as activities
        inner join dates on activities.activity_at < dates.as_of_date
    ),

    activity_stats as (
        select
            lead_id,
            as_of_date,
            cast(count(*) as integer) as activities_total,
            {%- for activity_type in activity_types %}
            cast(count(case when activity_type = '{{ activity_type }}' then 1 end) as integer)
                as {{ activity_type }}_activities,
            {%- endfor %}
            {%- for window in windows %}
            cast(count(case when days_before <= {{ window }} then 1 end) as integer)
                as activities_{{ window }}d,
            {%- endfor %}
            min(days_before) as days_since_last_activity
        from activities
        group by lead_id, as_of_date
    ),

    final as (
        select
            population.lead_id,
            population.as_of_date,
            population.created_at,
            population.company_size,
            population.industry,
            population.country,
            population.lead_source,
            {{ dbt.datediff('cast(population.created_at as date)', 'population.as_of_date', 'day') }}
                as days_since_created,
            coalesce(population.converted_at < population.as_of_date, false) as is_converted,
            case when population.converted_at < population.as_of_date then population.converted_at end
                as converted_at,
            coalesce(activity_stats.activities_total, 0) as activities_total,
            {%- for activity_type in activity_types %}
            coalesce(activity_stats.{{ activity_type }}_activities, 0) as {{ activity_type }}_activities,
            {%- endfor %}
            {%- for window in windows %}
            coalesce(activity_stats.activities_{{ window }}d, 0) as activities_{{ window }}d,
            {%- endfor %}
            activity_stats.days_since_last_activity
        from population
        left join activity_stats
            on population.lead_id = activity_stats.lead_id
            and population.as_of_date = activity_stats.as_of_date
    )

    select * from final
{%- endmacro %}
