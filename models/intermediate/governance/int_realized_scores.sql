-- Earlier builds' published scores beside what happened after them: one row per prediction,
-- entity and earlier as-of date (a cohort) whose label window has passed by this build's as-of
-- date, with the label the declaration's feature model gives at that date. A cohort is realized
-- only where the feature model has a cutoff on the cohort's as-of date (the shipped snapshots cut
-- at the first of every month: the daily build of the 1st, or a backtest pinned to a month
-- start), so the features scored then are the features labeled now. Temporal predictions only (a
-- lookalike has no later label); heuristic scores are left out (no model to judge).
with

history as (
    select * from {{ ref('score_history') }}
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

labels as (
    {%- set realized = [] -%}
    {%- for declaration in propensity_declarations() if declaration['kind'] == 'propensity' and declaration.get('cutoff_column') -%}
        {%- do realized.append(declaration) -%}
    {%- endfor -%}
    {%- for declaration in realized %}
    {%- set id_column = declaration.get('id_column') or (declaration['entity'] ~ '_id') %}
    select
        {{ audience_string_literal(declaration['name']) }} as prediction,
        cast({{ adapter.quote(id_column) }} as {{ dbt.type_string() }}) as entity_id,
        cast({{ adapter.quote(declaration['cutoff_column']) }} as date) as cutoff_date,
        {{ declaration['horizon_days'] | int }} as horizon_days,
        cast(({{ declaration['label'] }}) as integer) as label
    from {{ declaration['feature_relation'] }}
    {{ "union all" if not loop.last }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as prediction,
        cast(null as {{ dbt.type_string() }}) as entity_id,
        cast(null as date) as cutoff_date,
        cast(null as integer) as horizon_days,
        cast(null as integer) as label
    where false
    {%- endfor %}
),

final as (
    select
        history.prediction,
        history.entity_type,
        history.entity_id,
        history.as_of_date,
        history.model_version,
        history.probability,
        history.decile,
        history.band,
        labels.label,
        labels.horizon_days
    from history
    inner join labels
        on history.prediction = labels.prediction
            and history.entity_id = labels.entity_id
            and history.as_of_date = labels.cutoff_date
    cross join as_of
    where
        not history.is_heuristic
        and labels.label is not null
        and {{ dbt.dateadd('day', 'labels.horizon_days', 'history.as_of_date') }} <= as_of.as_of_date
)

select * from final
