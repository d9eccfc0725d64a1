-- Holdout exposures per learner and decile of predicted uplift (1 = highest): sizes, response
-- rates treated and control, observed uplift next to the mean predicted uplift.
with

state as (
    select * from {{ ref('uplift_evaluation_state') }}
    where record = 'decile'
),

final as (
    select
        cast(learner as varchar) as learner,
        cast(position as integer) as decile,
        cast(max(case when name = 'customers' then value end) as bigint) as exposures,
        cast(max(case when name = 'treated_customers' then value end) as bigint) as treated_exposures,
        cast(max(case when name = 'control_customers' then value end) as bigint) as control_exposures,
        cast(max(case when name = 'treated_response_rate' then value end) as double) as treated_response_rate,
        cast(max(case when name = 'control_response_rate' then value end) as double) as control_response_rate,
        cast(max(case when name = 'observed_uplift' then value end) as double) as observed_uplift,
        cast(max(case when name = 'mean_predicted_uplift' then value end) as double) as mean_predicted_uplift
    from state
    group by learner, position
)

select * from final
