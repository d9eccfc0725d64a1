-- One row per declared prediction: whether a model was trained (or the heuristic published, and
-- why), the champion, the split, the training window and sizes, and training's notes.
with

state as (
    select * from {{ ref('propensity_model_state') }}
),

declarations as (
    select * from {{ ref('propensity_declarations') }}
),

settings as (
    select
        prediction,
        max(model_version) as model_version,
        max(case when name = 'status' then text_value end) as status,
        max(case when name = 'champion' then text_value end) as champion,
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
        on state.prediction = settings.prediction and state.candidate = settings.champion
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
        cast(settings.split_method as varchar) as split_method,
        cast(settings.cv_method as varchar) as cv_method,
        cast(settings.validation_cutoff as date) as validation_cutoff,
        cast(settings.training_cutoffs as varchar) as training_cutoffs,
        cast(settings.training_rows as bigint) as training_rows,
        cast(settings.training_positives as bigint) as training_positives,
        cast(settings.model_version as varchar) as model_version,
        cast(notes.notes as varchar) as notes
    from declarations
    left join settings on declarations.prediction = settings.prediction
    left join notes on declarations.prediction = notes.prediction
    left join champion_metrics on declarations.prediction = champion_metrics.prediction
)

select * from final
