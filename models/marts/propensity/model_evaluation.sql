-- Every candidate of every prediction, and the heuristic baseline, measured on the same rows:
-- one row per prediction, candidate and evaluated_on. evaluated_on = validation: each candidate
-- fitted on the training rows, measured on the validation rows (the latest labeled cutoff, or
-- the random holdout); test: the published model (the champion, refitted unless refit is
-- false) measured on the declared test set, never used before.
{%- set metrics = [
    'validation_rows', 'validation_positives', 'positive_rate', 'roc_auc', 'pr_auc', 'log_loss', 'brier', 'ece',
    'threshold', 'precision', 'recall', 'f1',
    'precision_at_1pct', 'precision_at_5pct', 'precision_at_10pct', 'precision_at_20pct',
    'lift_at_1pct', 'lift_at_5pct', 'lift_at_10pct', 'lift_at_20pct', 'precision_at_k', 'lift_at_k',
    'cv_roc_auc', 'selection_value',
] %}
with

state as (
    select * from {{ ref('propensity_model_state') }}
),

settings as (
    select
        prediction,
        {{ audience_state_pivot(
            ['champion', 'champion_metric', 'refit', 'split_method', 'validation_cutoff'], 'text_value'
        ) }},
        {{ audience_state_pivot(['champion_top_share']) }}
    from state
    where record = 'setting'
    group by prediction
),

metrics as (
    select
        prediction,
        candidate,
        level as evaluated_on,
        max(model_version) as model_version,
        {{ audience_state_pivot(metrics) }},
        {{ audience_state_pivot(
            ['calibration', 'parameters'], 'text_value',
            renamed={'calibration': 'calibration_method', 'parameters': 'hyperparameters'}
        ) }}
    from state
    where record = 'metric'
    group by prediction, candidate, level
),

final as (
    select
        cast(metrics.prediction as varchar) as prediction,
        cast(metrics.candidate as varchar) as candidate,
        cast(metrics.evaluated_on as varchar) as evaluated_on,
        cast(coalesce(metrics.candidate = settings.champion, false) as boolean) as is_champion,
        cast(metrics.candidate = 'heuristic' as boolean) as is_baseline,
        cast(
            coalesce(
                metrics.evaluated_on = 'test'
                and metrics.candidate = settings.champion
                and settings.refit = 'true',
                false
            ) as boolean
        ) as is_refit,
        cast(settings.split_method as varchar) as split_method,
        cast(case when metrics.evaluated_on = 'validation' then settings.validation_cutoff end as date)
            as validation_cutoff,
        cast(metrics.validation_rows as bigint) as validation_rows,
        cast(metrics.validation_positives as bigint) as validation_positives,
        {%- for metric in metrics[2:-1] %}
        cast(metrics.{{ metric }} as double) as {{ metric }},
        {%- endfor %}
        cast(settings.champion_top_share as double) as champion_top_share,
        cast(settings.champion_metric as varchar) as champion_metric,
        cast(metrics.selection_value as double) as champion_metric_value,
        cast(metrics.calibration_method as varchar) as calibration_method,
        cast(metrics.hyperparameters as varchar) as hyperparameters,
        cast(metrics.model_version as varchar) as model_version
    from metrics
    left join settings on metrics.prediction = settings.prediction
)

select * from final
