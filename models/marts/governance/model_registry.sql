-- Every model version this warehouse has published, across builds: one row per model family,
-- model and version, with its training window, fingerprints, validation figures, whether it was
-- the champion, and when (as-of dates) it was first and last published and replaced. Kept through
-- `dbt build --full-refresh` (full_refresh=false): each build merges its published models into
-- the rows already kept and rewrites the table (it holds one row per version, so it stays small).
-- Dates, not wall-clock times, so that the same builds give the same registry.
{{ config(
    materialized='incremental',
    unique_key=['model_family', 'model_name', 'model_version'],
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    full_refresh=false,
) }}
with

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

predictions as (
    select * from {{ ref('prediction_models') }}
),

propensity_state as (
    select * from {{ ref('propensity_model_state') }}
),

declaration_keys as (
    select
        prediction,
        max(text_value) as declaration_key
    from propensity_state
    where record = 'setting' and name = 'declaration_key'
    group by prediction
),

pins as (
    {%- for declaration in propensity_declarations() if declaration.get('pinned_version') %}
    select
        {{ audience_string_literal(declaration['name']) }} as model_name,
        {{ audience_string_literal(declaration['pinned_version']) }} as model_version
    union all
    {%- endfor %}
    select
        cast(null as {{ dbt.type_string() }}) as model_name,
        cast(null as {{ dbt.type_string() }}) as model_version
    where false
),

segmentation as (
    select * from {{ ref('segment_models') }}
),

segment_selection as (
    select * from {{ ref('segment_model_selection') }}
),

uplift as (
    select * from {{ ref('uplift_evaluation') }}
),

clv_params as (
    select * from {{ ref('clv_model_params') }}
),

clv_holdout as (
    select * from {{ ref('clv_holdout_validation') }}
),

-- The propensity and lookalike models a build trained (a heuristic is no model version).
published_predictions as (
    select
        cast(predictions.prediction_kind as {{ dbt.type_string() }}) as model_family,
        cast(predictions.prediction as {{ dbt.type_string() }}) as model_name,
        cast(predictions.model_version as {{ dbt.type_string() }}) as model_version,
        cast(predictions.champion as {{ dbt.type_string() }}) as algorithm,
        cast(declaration_keys.declaration_key as {{ dbt.type_string() }}) as settings_fingerprint,
        cast(coalesce(predictions.published_training_cutoffs, predictions.training_cutoffs) as {{ dbt.type_string() }})
            as training_window,
        cast(predictions.published_training_rows as bigint) as training_rows,
        cast('roc_auc' as {{ dbt.type_string() }}) as validation_metric,
        cast(predictions.champion_roc_auc as double) as validation_value,
        cast(predictions.champion_ece as double) as validation_ece,
        cast(predictions.evaluated_on as {{ dbt.type_string() }}) as evaluated_on,
        true as is_champion
    from predictions
    left join declaration_keys on predictions.prediction = declaration_keys.prediction
    where predictions.status = 'trained' and predictions.model_version is not null
),

published_segmentation as (
    select
        'segmentation' as model_family,
        'customer_segments' as model_name,
        segmentation.model_version,
        cast(segmentation.algorithm as {{ dbt.type_string() }}) as algorithm,
        cast(md5(segmentation.settings_json) as {{ dbt.type_string() }}) as settings_fingerprint,
        cast('customers as of ' || cast(segmentation.as_of_date as {{ dbt.type_string() }}) as {{ dbt.type_string() }})
            as training_window,
        cast(segmentation.training_customers as bigint) as training_rows,
        'silhouette' as validation_metric,
        cast(segment_selection.silhouette as double) as validation_value,
        cast(null as double) as validation_ece,
        'training' as evaluated_on,
        true as is_champion
    from segmentation
    left join segment_selection
        on segmentation.model_version = segment_selection.model_version
            and segment_selection.is_chosen
    where segmentation.is_current
),

published_uplift as (
    select
        'uplift' as model_family,
        cast(learner as {{ dbt.type_string() }}) as model_name,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(learner as {{ dbt.type_string() }}) as algorithm,
        cast(model_version as {{ dbt.type_string() }}) as settings_fingerprint,
        cast(null as {{ dbt.type_string() }}) as training_window,
        cast(training_exposures as bigint) as training_rows,
        'qini_coefficient' as validation_metric,
        cast(qini_coefficient as double) as validation_value,
        cast(null as double) as validation_ece,
        'holdout' as evaluated_on,
        coalesce(is_champion, false) as is_champion
    from uplift
    where status = 'trained' and model_version is not null
),

-- CLV has no stored version: its version is a hash of the fitted parameters and fit date.
clv_fits as (
    select
        max(case when model = 'bgnbd' then fitted_as_of_date end) as fitted_as_of_date,
        max(case when model = 'bgnbd' then customers end) as customers,
        min(case when converged then 1 else 0 end) = 1 as is_converged,
        {%- for column in ['r', 'alpha', 'a', 'b'] %}
        max(case when model = 'bgnbd' then {{ column }} end) as {{ column }},
        {%- endfor %}
        {%- for column in ['p', 'q', 'v'] %}
        max(case when model = 'gamma_gamma' then {{ column }} end) as {{ column }},
        {%- endfor %}
        max(time_unit) as time_unit,
        max(penalizer) as penalizer
    from clv_params
    where fit_period = 'current'
),

clv_current as (
    select
        fitted_as_of_date,
        customers,
        is_converged,
        md5(
            {%- for column in ['r', 'alpha', 'a', 'b', 'p', 'q', 'v', 'fitted_as_of_date'] %}
            coalesce(cast({{ column }} as {{ dbt.type_string() }}), '') || ';'{{ ' ||' if not loop.last }}
            {%- endfor %}
        ) as params_hash,
        md5(coalesce(time_unit, '') || ';' || coalesce(cast(penalizer as {{ dbt.type_string() }}), '')) as settings_hash
    from clv_fits
),

published_clv as (
    select
        'clv' as model_family,
        'customer_clv' as model_name,
        cast(substr(clv_current.params_hash, 1, 16) as {{ dbt.type_string() }}) as model_version,
        'bgnbd_gamma_gamma' as algorithm,
        cast(substr(clv_current.settings_hash, 1, 16) as {{ dbt.type_string() }}) as settings_fingerprint,
        cast(
            'purchases before '
            || cast(clv_current.fitted_as_of_date as {{ dbt.type_string() }}) as {{ dbt.type_string() }}
        )
            as training_window,
        cast(clv_current.customers as bigint) as training_rows,
        'holdout_predicted_to_actual_ratio' as validation_metric,
        cast(clv_holdout.predicted_to_actual_ratio as double) as validation_value,
        cast(null as double) as validation_ece,
        'holdout' as evaluated_on,
        true as is_champion
    from clv_current
    left join clv_holdout on clv_holdout.frequency_bucket = 'total'
    where clv_current.is_converged and clv_current.fitted_as_of_date is not null
),

published as (
    select * from published_predictions
    union all
    select * from published_segmentation
    union all
    select * from published_uplift
    union all
    select * from published_clv
),

this_build as (
    select
        published.*,
        as_of.as_of_date
    from published
    cross join as_of
),

kept as (
    {%- if is_incremental() %}
    select * from {{ this }}
    {%- else %}
    select *
    from (
        select
            cast(null as {{ dbt.type_string() }}) as model_family,
            cast(null as {{ dbt.type_string() }}) as model_name,
            cast(null as {{ dbt.type_string() }}) as model_version,
            cast(null as {{ dbt.type_string() }}) as algorithm,
            cast(null as {{ dbt.type_string() }}) as settings_fingerprint,
            cast(null as {{ dbt.type_string() }}) as training_window,
            cast(null as bigint) as training_rows,
            cast(null as {{ dbt.type_string() }}) as validation_metric,
            cast(null as double) as validation_value,
            cast(null as double) as validation_ece,
            cast(null as {{ dbt.type_string() }}) as evaluated_on,
            cast(null as boolean) as is_champion,
            cast(null as date) as first_published_as_of_date,
            cast(null as date) as last_published_as_of_date
    ) as empty_registry
    where false
    {%- endif %}
),

-- A version published again keeps its first date; its figures are this build's.
merged as (
    select
        coalesce(this_build.model_family, kept.model_family) as model_family,
        coalesce(this_build.model_name, kept.model_name) as model_name,
        coalesce(this_build.model_version, kept.model_version) as model_version,
        coalesce(this_build.algorithm, kept.algorithm) as algorithm,
        coalesce(this_build.settings_fingerprint, kept.settings_fingerprint) as settings_fingerprint,
        coalesce(this_build.training_window, kept.training_window) as training_window,
        coalesce(this_build.training_rows, kept.training_rows) as training_rows,
        coalesce(this_build.validation_metric, kept.validation_metric) as validation_metric,
        coalesce(this_build.validation_value, kept.validation_value) as validation_value,
        coalesce(this_build.validation_ece, kept.validation_ece) as validation_ece,
        coalesce(this_build.evaluated_on, kept.evaluated_on) as evaluated_on,
        coalesce(this_build.is_champion, kept.is_champion) as is_champion,
        this_build.model_version is not null as is_published,
        least(kept.first_published_as_of_date, this_build.as_of_date) as first_published_as_of_date,
        greatest(kept.last_published_as_of_date, this_build.as_of_date) as last_published_as_of_date
    from this_build
    full outer join kept
        on this_build.model_family = kept.model_family
            and this_build.model_name = kept.model_name
            and this_build.model_version = kept.model_version
),

-- Replaced: the next version of the same model by first publication (NULL while none is).
ordered as (
    select
        merged.*,
        lead(merged.model_version) over (
            partition by merged.model_family, merged.model_name
            order by merged.first_published_as_of_date, merged.model_version
        ) as replaced_by_version,
        lead(merged.first_published_as_of_date) over (
            partition by merged.model_family, merged.model_name
            order by merged.first_published_as_of_date, merged.model_version
        ) as replaced_as_of_date
    from merged
),

final as (
    select
        ordered.model_family,
        ordered.model_name,
        ordered.model_version,
        ordered.algorithm,
        ordered.settings_fingerprint,
        ordered.training_window,
        ordered.training_rows,
        ordered.validation_metric,
        ordered.validation_value,
        ordered.validation_ece,
        ordered.evaluated_on,
        ordered.is_champion,
        ordered.is_published,
        pins.model_version is not null as is_pinned,
        ordered.first_published_as_of_date,
        ordered.last_published_as_of_date,
        case when not ordered.is_published then ordered.replaced_as_of_date end as replaced_as_of_date,
        case when not ordered.is_published then ordered.replaced_by_version end as replaced_by_version
    from ordered
    left join pins
        on ordered.model_name = pins.model_name
            and ordered.model_version = pins.model_version
)

select * from final
