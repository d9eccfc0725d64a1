-- Every (r_score, f_score) pair from 1-5 x 1-5 must map to exactly one segment in the seed
-- rfm_segments, so editing the seed cannot leave customers unnamed or doubly named.
with

scores as (
    {% for r in range(1, 6) %}{% for f in range(1, 6) %}
    {% if not (loop.first and r == 1) %}union all{% endif %}
    select
        {{ r }} as r_score,
        {{ f }} as f_score
    {% endfor %}{% endfor %}
),

segments as (
    select * from {{ ref('rfm_segments') }}
    where r_score_min is not null
),

matches as (
    select
        scores.r_score,
        scores.f_score,
        count(segments.segment_name) as segment_count
    from scores
    left join segments
        on scores.r_score between segments.r_score_min and segments.r_score_max
            and scores.f_score between segments.f_score_min and segments.f_score_max
    group by scores.r_score, scores.f_score
)

select * from matches
where segment_count <> 1
