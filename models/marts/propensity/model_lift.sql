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
        cast(max(case when name = 'rows' then value end) as bigint) as validation_rows,
        cast(max(case when name = 'positives' then value end) as bigint) as positives,
        cast(max(case when name = 'positive_rate' then value end) as double) as positive_rate,
        cast(max(case when name = 'lift' then value end) as double) as lift,
        cast(max(case when name = 'cumulative_gain' then value end) as double) as cumulative_gain
    from state
    group by prediction, candidate, level, position
)

select * from final
