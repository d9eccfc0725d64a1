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

pivoted as (
    select
        model_version,
        cast(position as integer) as k,
        max(model_sequence) as model_sequence,
        {{ audience_state_pivot(
            ['inertia', 'silhouette', 'calinski_harabasz', 'davies_bouldin', 'bic'], data_type='double'
        ) }},
        {{ audience_state_pivot(['is_chosen'], renamed={'is_chosen': 'is_chosen_value'}) }}
    from state
    group by model_version, cast(position as integer)
),

final as (
    select
        pivoted.model_version,
        pivoted.k,
        pivoted.inertia,
        pivoted.silhouette,
        pivoted.calinski_harabasz,
        pivoted.davies_bouldin,
        pivoted.bic,
        coalesce(pivoted.is_chosen_value = 1, false) as is_chosen,
        pivoted.model_sequence = current_model.model_sequence as is_current_model
    from pivoted
    cross join current_model
)

select * from final
