-- One row per declared prediction: whether a model was trained (or the heuristic published, and
-- why), the champion and how it was chosen, the split, whether the published model was refitted
-- and on how many rows, which rows its reported metrics come from (test set or validation), the
-- training window and sizes, and training's notes.
with

state as (
    select * from {{ ref('propensity_model_state') }}
),

declarations as (
    select * from {{ ref('propensity_declarations') }}
),

-- The source files a prediction's declared models read that had no file this run.
absent_sources as (
    {%- for declaration in propensity_declarations() %}
    select
        {{ audience_string_literal(declaration['name']) }} as prediction,
        {{ audience_absent_sources_note([declaration['feature_model'], declaration.get('score_model') or declaration['feature_model']] | unique | list) }} as note
    {{ "union all" if not loop.last }}
    {%- else %}
    select
        cast(null as varchar) as prediction,
        cast(null as varchar) as note
    where false
    {%- endfor %}
),

settings as (
    select
        prediction,
        max(model_version) as model_version,
        max(case when name = 'status' then text_value end) as status,
        max(case when name = 'champion' then text_value end) as champion,
        max(case when name = 'champion_metric' then text_value end) as champion_metric,
        max(case when name = 'selected_on' then text_value end) as selected_on,
        max(case when name = 'refit' then text_value end) as refit,
        max(case when name = 'published_training_rows' then value end) as published_training_rows,
        max(case when name = 'refit_cutoffs' then text_value end) as refit_cutoffs,
        max(case when name = 'evaluated_on' then text_value end) as evaluated_on,
        max(case when name = 'test_condition' then text_value end) as test_condition,
        max(case when name = 'test_rows' then value end) as test_rows,
        max(case when name = 'test_positives' then value end) as test_positives,
        max(case when name = 'grid_tier' then text_value end) as grid_tier,
        max(case when name = 'split_method' then text_value end) as split_method,
        max(case when name = 'cv_method' then text_value end) as cv_method,
        max(case when name = 'validation_cutoff' then text_value end) as validation_cutoff,
        max(case when name = 'training_cutoffs' then text_value end) as training_cutoffs,
        max(case when name = 'training_rows' then value end) as training_rows,
        max(case when name = 'training_positives' then value end) as training_positives
    from state
    where record = 'setting'
    group by prediction
),

notes as (
    select
        prediction,
        string_agg(text_value, ' | ' order by position) as notes
    from state
    where record = 'note'
    group by prediction
),

champion_metrics as (
    select
        state.prediction,
        max(case when state.name = 'roc_auc' then state.value end) as roc_auc,
        max(case when state.name = 'ece' then state.value end) as ece
    from state
    inner join settings
        on state.prediction = settings.prediction
            and state.candidate = settings.champion
            and state.level = settings.evaluated_on
    where state.record = 'metric'
    group by state.prediction
),

final as (
    select
        cast(declarations.prediction as varchar) as prediction,
        cast(declarations.prediction_kind as varchar) as prediction_kind,
        cast(declarations.entity_type as varchar) as entity_type,
        cast(coalesce(settings.status, 'not_trained') as varchar) as status,
        cast(settings.champion as varchar) as champion,
        cast(champion_metrics.roc_auc as double) as champion_roc_auc,
        cast(champion_metrics.ece as double) as champion_ece,
        cast(settings.evaluated_on as varchar) as evaluated_on,
        cast(settings.champion_metric as varchar) as champion_metric,
        cast(settings.selected_on as varchar) as champion_selected_on,
        cast(settings.split_method as varchar) as split_method,
        cast(settings.cv_method as varchar) as cv_method,
        cast(settings.grid_tier as varchar) as grid_tier,
        cast(settings.refit = 'true' as boolean) as is_refit,
        cast(settings.published_training_rows as bigint) as published_training_rows,
        cast(settings.refit_cutoffs as varchar) as published_training_cutoffs,
        cast(settings.test_condition as varchar) as test_condition,
        cast(settings.test_rows as bigint) as test_rows,
        cast(settings.test_positives as bigint) as test_positives,
        cast(settings.validation_cutoff as date) as validation_cutoff,
        cast(settings.training_cutoffs as varchar) as training_cutoffs,
        cast(settings.training_rows as bigint) as training_rows,
        cast(settings.training_positives as bigint) as training_positives,
        cast(settings.model_version as varchar) as model_version,
        cast({{ audience_prefixed_note('absent_sources.note', 'notes.notes', ' | ') }} as varchar) as notes
    from declarations
    left join settings on declarations.prediction = settings.prediction
    left join notes on declarations.prediction = notes.prediction
    left join absent_sources on declarations.prediction = absent_sources.prediction
    left join champion_metrics on declarations.prediction = champion_metrics.prediction
)

select * from final
