-- Every declared prediction's scores in one table (generated SQL for logistic champions and
-- heuristic scores, propensity_python_scores for tree and blend champions), ranked within the
-- prediction. The order: score, then the champion's raw log-odds (isotonic calibration is a step
-- function: rows in one step share a probability, the model still tells them apart). top_share
-- is the share of rows at least as high in that order (rows equal in both share it), which gives
-- the decile (1 = the top 10%) and the band by value breakpoints; score_rank numbers every row
-- (1 = the highest), rows equal in both ordered by entity id, for a deterministic top N.
{%- set bands = audience_setting('audience__propensity_band_top_shares') %}
{%- if bands is string or bands | length != 3 or not (0 < bands[0] < bands[1] < bands[2] <= 1) %}
    {{ exceptions.raise_compiler_error(
        "var audience__propensity_band_top_shares must be three increasing shares in (0, 1]"
        ~ " (the top shares of bands A, B and C), got " ~ bands) }}
{%- endif %}
with

scores as (
    {{ propensity_scores_sql(ref('propensity_model_state'), ref('propensity_python_scores')) }}
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

ranked as (
    select
        scores.*,
        cume_dist() over (
            partition by scores.prediction order by scores.score desc, scores.model_log_odds desc
        ) as top_share,
        percent_rank() over (
            partition by scores.prediction order by scores.score, scores.model_log_odds
        ) as score_percent_rank,
        row_number() over (
            partition by scores.prediction
            order by scores.score desc, scores.model_log_odds desc nulls last, scores.entity_id asc
        ) as score_rank
    from scores
),

final as (
    select
        ranked.prediction,
        ranked.prediction_kind,
        ranked.entity_type,
        ranked.entity_id,
        ranked.probability,
        ranked.score,
        ranked.model_log_odds,
        ranked.score_source,
        ranked.algorithm,
        ranked.model_version,
        ranked.top_share,
        100 * ranked.score_percent_rank as percentile,
        ranked.score_rank,
        cast(least(10, greatest(1, ceil(ranked.top_share * 10 - 1e-9))) as integer) as decile,
        case
            when ranked.top_share <= {{ bands[0] }} then 'A'
            when ranked.top_share <= {{ bands[1] }} then 'B'
            when ranked.top_share <= {{ bands[2] }} then 'C'
            else 'D'
        end as band,
        as_of.as_of_date,
        ranked.reason_1_feature,
        ranked.reason_1_direction,
        ranked.reason_1_contribution,
        ranked.reason_2_feature,
        ranked.reason_2_direction,
        ranked.reason_2_contribution,
        ranked.reason_3_feature,
        ranked.reason_3_direction,
        ranked.reason_3_contribution
    from ranked
    cross join as_of
)

select * from final
