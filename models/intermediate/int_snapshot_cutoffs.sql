-- Training snapshot dates: the starts of the var audience__snapshot_count months before the as-of
-- date, newest first. A label is observed at a cutoff only when its whole window (cutoff to
-- cutoff + horizon) lies before the as-of date.
with

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

anchor as (
    select
        as_of_date,
        cast(
            {{ dbt.date_trunc('month', dbt.dateadd('day', -1, 'as_of_date')) }} as date
        ) as latest_cutoff
    from as_of
),

cutoffs as (
    {% for months_back in range(audience_setting('audience__snapshot_count')) %}
    select
        {{ months_back }} as snapshot_index,
        cast({{ dbt.dateadd('month', -months_back, 'latest_cutoff') }} as date) as cutoff_date,
        as_of_date
    from anchor
    {{ "union all" if not loop.last }}
    {% endfor %}
),

final as (
    select
        cutoff_date,
        snapshot_index,
        as_of_date,
        {{ dbt.datediff('cutoff_date', 'as_of_date', 'day') }} as days_observed_after_cutoff  -- noqa: LT05
    from cutoffs
)

select * from final
