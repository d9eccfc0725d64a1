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
        {{ audience_state_pivot([
            'status', 'champion', 'champion_metric', 'selected_on', 'refit', 'refit_cutoffs',
            'evaluated_on', 'test_condition', 'grid_tier', 'split_method', 'cv_method',
            'validation_cutoff', 'training_cutoffs',
        ], 'text_value') }},
        {{ audience_state_pivot([
            'published_training_rows', 'test_rows', 'test_positives', 'training_rows',
            'training_positives',
        ]) }}
    from state
    where record = 'setting'
    group by prediction
),

notes as (
    select
        prediction,
        {{ audience_state_notes(' | ') }} as notes
    from state
    where record = 'note'
    group by prediction
),

champion_metric_rows as (
    select state.*
    from state
    inner join settings
        on state.prediction = settings.prediction
            and state.candidate = settings.champion
            and state.level = settings.evaluated_on
    where state.record = 'metric'
),

champion_metrics as (
    select
        prediction,
        {{ audience_state_pivot(['roc_auc', 'ece']) }}
    from champion_metric_rows
    group by prediction
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
