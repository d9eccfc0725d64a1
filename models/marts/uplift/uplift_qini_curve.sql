-- Qini and uplift curve points per learner on the holdout, at every percent of customers
-- targeted (0-100), with the random-targeting line: ready to plot.
with

state as (
    select * from {{ ref('uplift_evaluation_state') }}
    where record = 'curve'
),

final as (
    select
        cast(learner as varchar) as learner,
        cast(position as integer) as percent_targeted,
        {{ audience_state_pivot(['share_targeted'], data_type='double') }},
        {{ audience_state_pivot(
            ['customers_targeted'], data_type='bigint', renamed={'customers_targeted': 'exposures_targeted'}
        ) }},
        {{ audience_state_pivot(['qini', 'qini_random', 'uplift_at_share', 'uplift_curve'], data_type='double') }}
    from state
    group by learner, position  -- noqa: RF04
)

select * from final
