-- The fitted BG/NBD and Gamma-Gamma parameters of both fit periods, with log-likelihood,
-- customer counts and whether the optimizer converged (never silently: see message).
with

state as (
    select * from {{ ref('clv_fit_state') }}
),

final as (
    select
        cast(fit_period as varchar) as fit_period,
        cast(model as varchar) as model,  -- noqa: RF04
        cast(fitted_as_of_date as date) as fitted_as_of_date,
        cast(r as double) as r,
        cast(alpha as double) as alpha,
        cast(a as double) as a,
        cast(b as double) as b,
        cast(p as double) as p,
        cast(q as double) as q,
        cast(v as double) as v,
        cast(log_likelihood as double) as log_likelihood,
        cast(converged as boolean) as converged,
        cast(message as varchar) as message,
        cast(iterations as bigint) as iterations,
        cast(customers as bigint) as customers,
        cast(repeat_customers as bigint) as repeat_customers,
        cast(fitted_customers as bigint) as fitted_customers,
        cast(frequency_monetary_correlation as double) as frequency_monetary_correlation,
        cast(time_unit as varchar) as time_unit,
        cast(penalizer as double) as penalizer
    from state
)

select * from final
