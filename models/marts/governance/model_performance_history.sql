-- Did earlier scores come true? For every prediction and earlier build (a cohort: its published
-- scores in score_history) whose label window has passed, the realized ROC AUC, calibration error
-- and top-decile lift on that cohort's labels (int_realized_scores), beside what validation
-- promised for the same model version (model_registry). Kept through `dbt build --full-refresh`
-- (full_refresh=false): a cohort is recomputed while its labels can be read, and kept after its
-- cutoff has left the snapshots.
{{ config(
    materialized='incremental',
    unique_key=['prediction', 'cohort_as_of_date'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    full_refresh=false,
) }}
{#- The equal-width probability bins of the expected calibration error: those of model_calibration
    (audience.propensity.evaluation.expected_calibration_error, 10 bins). -#}
{%- set calibration_bins = 10 -%}
with

realized as (
    select * from {{ ref('int_realized_scores') }}
),

registry as (
    select * from {{ ref('model_registry') }}
),

-- Mid-ranks of the probabilities within a cohort (ties share the mean of their ranks): the
-- Mann-Whitney form of the ROC AUC, which is what scikit-learn's roc_auc_score computes.
ranked as (
    select
        prediction,
        as_of_date,
        model_version,
        label,
        probability,
        decile,
        least(floor(probability * {{ calibration_bins }}), {{ calibration_bins - 1 }}) as calibration_bin,
        rank() over (partition by prediction, as_of_date order by probability)
        + (count(*) over (partition by prediction, as_of_date, probability) - 1) / 2.0 as mid_rank
    from realized
),

cohorts as (
    select
        prediction,
        as_of_date,
        min(model_version) as model_version,
        count(distinct model_version) as model_versions,
        count(*) as scored_entities,
        sum(label) as positives,
        {{ audience_ordered_aggregate('sum', 'case when label = 1 then mid_rank else 0 end', 'mid_rank, label') }}
            as positive_rank_sum,
        {{ audience_ordered_aggregate('avg', 'cast(label as double)', 'mid_rank, label') }} as realized_rate,
        sum(case when decile = 1 then 1 else 0 end) as top_decile_entities,
        sum(case when decile = 1 then label else 0 end) as top_decile_positives
    from ranked
    group by prediction, as_of_date
),

calibration_bins as (
    select
        prediction,
        as_of_date,
        calibration_bin,
        count(*) as entities,
        {{ audience_ordered_aggregate('avg', 'probability', 'probability, label') }} as mean_probability,
        {{ audience_ordered_aggregate('avg', 'cast(label as double)', 'probability, label') }} as observed_rate
    from ranked
    group by prediction, as_of_date, calibration_bin
),

calibration as (
    select
        prediction,
        as_of_date,
        {{ audience_ordered_aggregate('sum', 'abs(mean_probability - observed_rate) * entities', 'calibration_bin') }}
        / sum(entities) as realized_ece
    from calibration_bins
    group by prediction, as_of_date
),

metrics as (
    select
        cohorts.prediction,
        cohorts.as_of_date,
        cohorts.model_version,
        cohorts.model_versions,
        cohorts.scored_entities,
        cohorts.positives,
        cohorts.realized_rate,
        case
            when cohorts.positives > 0 and cohorts.positives < cohorts.scored_entities
                then (cohorts.positive_rank_sum - cohorts.positives * (cohorts.positives + 1) / 2.0)
                    / (cast(cohorts.positives as double) * (cohorts.scored_entities - cohorts.positives))
        end as realized_roc_auc,
        calibration.realized_ece,
        case
            when cohorts.top_decile_entities > 0 and cohorts.realized_rate > 0
                then (cast(cohorts.top_decile_positives as double) / cohorts.top_decile_entities)
                    / cohorts.realized_rate
        end as realized_top_decile_lift
    from cohorts
    inner join calibration
        on cohorts.prediction = calibration.prediction
            and cohorts.as_of_date = calibration.as_of_date
),

final as (
    select
        cast(metrics.prediction as {{ dbt.type_string() }}) as prediction,
        cast(metrics.as_of_date as date) as cohort_as_of_date,
        cast(metrics.model_version as {{ dbt.type_string() }}) as model_version,
        cast(metrics.scored_entities as bigint) as scored_entities,
        cast(metrics.positives as bigint) as positives,
        cast(metrics.realized_rate as double) as realized_rate,
        cast(metrics.realized_roc_auc as double) as realized_roc_auc,
        cast(registry.validation_value as double) as validation_roc_auc,
        cast(metrics.realized_roc_auc - registry.validation_value as double) as roc_auc_change,
        cast(metrics.realized_ece as double) as realized_ece,
        cast(registry.validation_ece as double) as validation_ece,
        cast(metrics.realized_top_decile_lift as double) as realized_top_decile_lift,
        cast(
            metrics.realized_roc_auc
            < registry.validation_value - {{ audience_setting('audience__realized_auc_margin') }}
            as boolean
        ) as is_below_validation,
        cast(case
            when metrics.model_versions > 1 then 'the cohort was scored by more than one model version'
            when metrics.realized_roc_auc is null then 'every realized label is the same: no ROC AUC'
            when registry.validation_value is null then 'the model version is not in model_registry'
        end as {{ dbt.type_string() }}) as note
    from metrics
    left join registry
        on metrics.prediction = registry.model_name
            and metrics.model_version = registry.model_version
            and registry.model_family = 'propensity'
)

select * from final
