-- Decile lift and cumulative gains of every candidate (and the heuristic baseline) on the
-- validation rows, and of the published model on the declared test set (evaluated_on): decile
-- 1 = the 10% of rows with the highest score.
with

state as (
    select * from {{ ref('propensity_model_state') }}
    where record = 'lift'
),

final as (
    select
        cast(prediction as varchar) as prediction,
        cast(candidate as varchar) as candidate,
        cast(level as varchar) as evaluated_on,
        cast(position as integer) as decile,
        {{ audience_state_pivot(['rows', 'positives'], data_type='bigint', renamed={'rows': 'validation_rows'}) }},
        {{ audience_state_pivot(['positive_rate', 'lift', 'cumulative_gain'], data_type='double') }}
    from state
    group by prediction, candidate, level, position
)

select * from final
