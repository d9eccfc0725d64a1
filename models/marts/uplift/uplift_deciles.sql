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
        {{ audience_state_pivot(
            ['customers', 'treated_customers', 'control_customers'], data_type='bigint',
            renamed={'customers': 'exposures', 'treated_customers': 'treated_exposures',
                     'control_customers': 'control_exposures'}
        ) }},
        {{ audience_state_pivot(
            ['treated_response_rate', 'control_response_rate', 'observed_uplift', 'mean_predicted_uplift'],
            data_type='double'
        ) }}
    from state
    group by learner, position
)

select * from final
