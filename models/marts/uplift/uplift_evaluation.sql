-- One row per uplift learner: holdout Qini coefficient, AUUC (and its random value), overall
-- uplift and uplift@k, and whether it is the champion; when no learner could be trained (no
-- exposures, too few responders), the rows say why. Definitions: audience/uplift/metrics.py.
with

state as (
    select * from {{ ref('uplift_evaluation_state') }}
),

settings as (
    select
        {{ audience_state_pivot(['champion'], 'text_value') }},
        {{ audience_state_pivot(['training_rows', 'holdout_rows']) }}
    from state
    where record = 'setting'
),

learners as (
    select distinct learner
    from state
    where record = 'setting' and name = 'learner'
),

notes as (
    select {{ audience_state_notes('; ') }} as notes
    from state
    where record = 'note'
),

absent_sources as (
    select {{ audience_absent_sources_note(['uplift_evaluation_state']) }} as note
),

metrics as (
    select
        learner,
        max(model_version) as model_version,
        {{ audience_state_pivot([
            'qini_coefficient', 'auuc', 'auuc_random', 'overall_uplift',
            'uplift_at_10pct', 'uplift_at_20pct', 'uplift_at_30pct', 'uplift_at_50pct'
        ]) }}
    from state
    where record = 'metric'
    group by learner
),

final as (
    select
        cast(learners.learner as varchar) as learner,
        case when metrics.learner is not null then 'trained' else 'not trained' end as status,
        coalesce(learners.learner = settings.champion, false) as is_champion,
        cast(metrics.qini_coefficient as double) as qini_coefficient,
        cast(metrics.auuc as double) as auuc,
        cast(metrics.auuc_random as double) as auuc_random,
        cast(metrics.overall_uplift as double) as overall_uplift,
        cast(metrics.uplift_at_10pct as double) as uplift_at_10pct,
        cast(metrics.uplift_at_20pct as double) as uplift_at_20pct,
        cast(metrics.uplift_at_30pct as double) as uplift_at_30pct,
        cast(metrics.uplift_at_50pct as double) as uplift_at_50pct,
        cast(settings.training_rows as bigint) as training_exposures,
        cast(settings.holdout_rows as bigint) as holdout_exposures,
        cast(metrics.model_version as varchar) as model_version,
        cast({{ audience_prefixed_note('absent_sources.note', 'notes.notes', '; ') }} as varchar) as notes
    from learners
    left join metrics on learners.learner = metrics.learner
    cross join settings
    cross join notes
    cross join absent_sources
)

select * from final
