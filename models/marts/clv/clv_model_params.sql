-- The fitted BG/NBD and Gamma-Gamma parameters of both fit periods, with log-likelihood,
-- customer counts and whether the optimizer converged (never silently: see message; it names
-- the source files that were missing, when the fits had nothing to read).
with

state as (
    select * from {{ ref('clv_fit_state') }}
),

absent_sources as (
    select {{ audience_absent_sources_note(['clv_fit_state']) }} as note
),

fits as (
    select
        fit_period,
        model,
        fitted_as_of_date,
        {{ audience_state_pivot(['r', 'alpha', 'a', 'b', 'p', 'q', 'v', 'log_likelihood'], data_type='double') }},
        {{ audience_state_pivot(['converged'], data_type='integer') }},
        {{ audience_state_pivot(['message', 'time_unit'], 'text_value') }},
        {{ audience_state_pivot(
            ['iterations', 'customers', 'repeat_customers', 'fitted_customers'], data_type='bigint'
        ) }},
        {{ audience_state_pivot(['frequency_monetary_correlation', 'penalizer'], data_type='double') }}
    from state
    group by fit_period, model, fitted_as_of_date
),

final as (
    select
        cast(fits.fit_period as varchar) as fit_period,
        cast(fits.model as varchar) as model,  -- noqa: RF04
        cast(fits.fitted_as_of_date as date) as fitted_as_of_date,
        fits.r,
        fits.alpha,
        fits.a,
        fits.b,
        fits.p,
        fits.q,
        fits.v,
        fits.log_likelihood,
        fits.converged = 1 as converged,
        cast({{ audience_prefixed_note('absent_sources.note', 'fits.message', ': ') }} as varchar) as message,
        fits.iterations,
        fits.customers,
        fits.repeat_customers,
        fits.fitted_customers,
        fits.frequency_monetary_correlation,
        cast(fits.time_unit as varchar) as time_unit,
        fits.penalizer
    from fits
    cross join absent_sources
)

select * from final
