-- One row per segmentation model version: what it was trained on and how, how k was chosen, and
-- the notes (warnings) training left, such as a dropped feature.
with

state as (
    select * from {{ ref('segment_model_state') }}
),

settings as (
    select
        model_version,
        max(model_sequence) as model_sequence,
        cast(max(as_of_date) as date) as as_of_date,
        {{ audience_state_pivot(
            ['algorithm', 'chosen_by', 'settings'], 'text_value', renamed={'settings': 'settings_json'}
        ) }},
        {{ audience_state_pivot(['k', 'min_tenure_days'], 'text_value', 'integer') }},
        {{ audience_state_pivot(['training_customers', 'fit_sample_customers'], 'text_value', 'bigint') }}
    from state
    where record = 'setting'
    group by model_version
),

features as (
    select
        model_version,
        string_agg(name || case when text_value = 'log1p' then ' (log1p)' else '' end, ', ' order by position)
            as features
    from state
    where record = 'feature_transform'
    group by model_version
),

pca as (
    select
        model_version,
        count(*) as pca_components,
        cast(sum(value) as double) as pca_explained_variance
    from state
    where record = 'pca_explained_variance'
    group by model_version
),

notes as (
    select
        model_version,
        {{ audience_state_notes('; ') }} as notes
    from state
    where record = 'note'
    group by model_version
),

final as (
    select
        settings.model_version,
        settings.model_sequence,
        settings.model_sequence = max(settings.model_sequence) over () as is_current,
        settings.as_of_date,
        settings.algorithm,
        settings.k,
        settings.chosen_by,
        features.features,
        coalesce(pca.pca_components, 0) as pca_components,
        pca.pca_explained_variance,
        settings.min_tenure_days,
        settings.training_customers,
        settings.fit_sample_customers,
        notes.notes,
        settings.settings_json
    from settings
    left join features on settings.model_version = features.model_version
    left join pca on settings.model_version = pca.model_version
    left join notes on settings.model_version = notes.model_version
)

select * from final
