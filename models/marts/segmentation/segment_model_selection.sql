-- The k sweep of every segmentation model: per candidate k, inertia (for the elbow curve),
-- silhouette, Calinski-Harabasz, Davies-Bouldin (and BIC for Gaussian mixtures), and which k was
-- chosen. One row per model version and k.
with

state as (
    select * from {{ ref('segment_model_state') }}
    where record = 'selection'
),

current_model as (
    select max(model_sequence) as model_sequence from {{ ref('segment_model_state') }}
),

final as (
    select
        state.model_version,
        cast(state.position as integer) as k,
        cast(max(case when state.name = 'inertia' then state.value end) as double) as inertia,
        cast(max(case when state.name = 'silhouette' then state.value end) as double) as silhouette,
        cast(max(case when state.name = 'calinski_harabasz' then state.value end) as double) as calinski_harabasz,
        cast(max(case when state.name = 'davies_bouldin' then state.value end) as double) as davies_bouldin,
        cast(max(case when state.name = 'bic' then state.value end) as double) as bic,
        coalesce(max(case when state.name = 'is_chosen' then state.value end) = 1, false) as is_chosen,
        max(state.model_sequence) = max(current_model.model_sequence) as is_current_model
    from state
    cross join current_model
    group by state.model_version, cast(state.position as integer)
)

select * from final
