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

final as (
    select
        cast(state.fit_period as varchar) as fit_period,
        cast(state.model as varchar) as model,  -- noqa: RF04
        cast(state.fitted_as_of_date as date) as fitted_as_of_date,
        cast(state.r as double) as r,
        cast(state.alpha as double) as alpha,
        cast(state.a as double) as a,
        cast(state.b as double) as b,
        cast(state.p as double) as p,
        cast(state.q as double) as q,
        cast(state.v as double) as v,
        cast(state.log_likelihood as double) as log_likelihood,
        cast(state.converged as boolean) as converged,
        cast({{ audience_prefixed_note('absent_sources.note', 'state.message', ': ') }} as varchar) as message,
        cast(state.iterations as bigint) as iterations,
        cast(state.customers as bigint) as customers,
        cast(state.repeat_customers as bigint) as repeat_customers,
        cast(state.fitted_customers as bigint) as fitted_customers,
        cast(state.frequency_monetary_correlation as double) as frequency_monetary_correlation,
        cast(state.time_unit as varchar) as time_unit,
        cast(state.penalizer as double) as penalizer
    from state
    cross join absent_sources
)

select * from final
