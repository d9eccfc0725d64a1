-- Reliability table of every candidate on the validation rows (and of the published model on the
-- declared test set, evaluated_on): rows binned by calibrated probability (equal-width bins),
-- mean predicted against observed rate. Empty bins are absent.
with

state as (
    select * from {{ ref('propensity_model_state') }}
    where record = 'reliability'
),

final as (
    select
        cast(prediction as varchar) as prediction,
        cast(candidate as varchar) as candidate,
        cast(level as varchar) as evaluated_on,
        cast(position as integer) as probability_bin,
        {{ audience_state_pivot(['mean_predicted', 'observed_rate'], data_type='double') }},
        {{ audience_state_pivot(['rows'], data_type='bigint', renamed={'rows': 'validation_rows'}) }}
    from state
    group by prediction, candidate, level, position
)

select * from final
