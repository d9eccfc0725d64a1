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
        cast(max(case when name = 'share_targeted' then value end) as double) as share_targeted,
        cast(max(case when name = 'customers_targeted' then value end) as bigint) as exposures_targeted,
        cast(max(case when name = 'qini' then value end) as double) as qini,
        cast(max(case when name = 'qini_random' then value end) as double) as qini_random,
        cast(max(case when name = 'uplift_at_share' then value end) as double) as uplift_at_share,
        cast(max(case when name = 'uplift_curve' then value end) as double) as uplift_curve
    from state
    group by learner, position  -- noqa: RF04
)

select * from final
