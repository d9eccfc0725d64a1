-- Permutation importance of each champion's features on the validation rows (the drop in ROC
-- AUC when the feature's values are shuffled), plus every feature the leakage guard flagged.
with

state as (
    select * from {{ ref('propensity_model_state') }}
),

importance as (
    select
        prediction,
        candidate,
        name as feature,
        position as importance_rank,
        {{ audience_state_pivot(['importance', 'importance_std'], name_column='record') }}
    from state
    where record in ('importance', 'importance_std')
    group by prediction, candidate, name, position
),

leakage as (
    select
        prediction,
        name as feature,
        value as leakage_auc,
        text_value = 'excluded' as is_excluded
    from state
    where record = 'leakage'
),

final as (
    select
        cast(coalesce(importance.prediction, leakage.prediction) as varchar) as prediction,
        cast(coalesce(importance.feature, leakage.feature) as varchar) as feature,
        cast(importance.candidate as varchar) as candidate,
        cast(importance.importance_rank as integer) as importance_rank,
        cast(importance.importance as double) as importance,
        cast(importance.importance_std as double) as importance_std,
        cast(leakage.leakage_auc as double) as leakage_auc,
        cast(coalesce(leakage.is_excluded, false) as boolean) as is_excluded_as_leakage
    from importance
    full outer join leakage
        on importance.prediction = leakage.prediction
            and importance.feature = leakage.feature
)

select * from final
