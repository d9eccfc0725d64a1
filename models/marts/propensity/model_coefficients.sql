-- The logistic regression of every prediction, term by term: what the generated SQL scores with
-- when it is the champion, and the interpretable baseline when it is not. A coefficient applies
-- to the standardized input ((transformed, filled value - mean) / scale) or to a category
-- level's indicator.
with

terms as (
    select * from {{ ref('propensity_model_state') }}
    where record = 'linear_term'
),

settings as (
    select
        prediction,
        {{ audience_state_pivot(['champion'], 'text_value') }}
    from {{ ref('propensity_model_state') }}
    where record = 'setting'
    group by prediction
),

final as (
    select
        cast(terms.prediction as varchar) as prediction,
        cast(terms.position as integer) as term_position,
        cast(terms.name as varchar) as feature,
        cast(terms.level as varchar) as category_level,
        cast(terms.value as double) as coefficient,
        cast(json_extract_string(terms.text_value, '$.transform') as varchar) as input_transform,
        cast(json_extract(terms.text_value, '$.fill') as double) as fill_value,
        cast(json_extract(terms.text_value, '$.mean') as double) as input_mean,
        cast(json_extract(terms.text_value, '$.scale') as double) as input_scale,
        cast(coalesce(settings.champion = 'logistic_regression', false) as boolean) as is_champion,
        cast(terms.model_version as varchar) as model_version
    from terms
    left join settings on terms.prediction = settings.prediction
)

select * from final
