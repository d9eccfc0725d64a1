{#- The SELECT that assigns every row of `features` to a segment of the current model in
    `model_state` (segment_model_state), written out as plain arithmetic from the model's rows:
    fill, transform and standardize each feature, project on the principal components if the
    model has them, score each segment (sum of weight * (x - center)^2, plus the bias: the nearest
    centroid for k-means, the most probable component for a Gaussian mixture) and take the lowest
    score, the lowest segment id on a tie. Customers with less history than the model's minimum
    tenure get segment 0; for density models, a customer farther than the chosen segment's radius
    is noise (segment -1). A NaN feature value is filled like a NULL. The Python twin is SegmentModel.assign in audience/segmentation/model.py:
    both evaluate the same expressions in the same order.
    Columns: customer_id, segment_id, distance_to_centroid (Euclidean, in model space), model_version. -#}
{% macro segment_assignment_sql(features, model_state) -%}
    {{ return(adapter.dispatch('segment_assignment_sql', 'audience')(features, model_state)) }}
{%- endmacro %}

{% macro default__segment_assignment_sql(features, model_state) -%}
{#- Nothing to read while dbt parses, or before the model exists (dbt compile or sqlfluff on a
    fresh warehouse): an empty result with the right columns. -#}
{%- if not execute or load_relation(model_state) is none -%}
    select
        cast(null as varchar) as customer_id,
        cast(null as integer) as segment_id,
        cast(null as double) as distance_to_centroid,
        cast(null as varchar) as model_version
    where false
{%- else -%}
{%- set rows = run_query(
    "select record, segment_id, name, position, value, text_value, model_version from " ~ model_state
    ~ " where model_sequence = (select max(model_sequence) from " ~ model_state ~ ")"
    ~ " order by record, segment_id, position"
) -%}
{%- set ns = namespace(version=none, min_tenure=0, algorithm=none, features=[], dimensions=[], segments=[]) -%}
{%- set by_feature = {} -%}
{%- set by_segment = {} -%}
{%- set pca = {'mean': {}, 'loadings': {}} -%}
{%- for row in rows -%}
    {%- set ns.version = row['model_version'] -%}
    {%- set record = row['record'] -%}
    {%- if record == 'setting' and row['name'] == 'min_tenure_days' -%}
        {%- set ns.min_tenure = row['text_value'] | int -%}
    {%- elif record == 'setting' and row['name'] == 'algorithm' -%}
        {%- set ns.algorithm = row['text_value'] -%}
    {%- elif record == 'feature_transform' -%}
        {%- do ns.features.append(row['name']) -%}
        {%- do by_feature.setdefault(row['name'], {}).update({'transform': row['text_value']}) -%}
    {%- elif record in ('feature_fill', 'feature_mean', 'feature_scale') -%}
        {%- do by_feature.setdefault(row['name'], {}).update({record: row['value']}) -%}
    {%- elif record == 'pca_mean' -%}
        {%- do pca['mean'].update({row['name']: row['value']}) -%}
    {%- elif record == 'pca_loading' -%}
        {%- do pca['loadings'].setdefault(row['segment_id'], []).append((row['name'], row['value'])) -%}
    {%- elif record == 'segment' -%}
        {%- do ns.segments.append(row['segment_id']) -%}
        {%- do by_segment.update({row['segment_id']: {'center': [], 'weight': [], 'radius': none}}) -%}
    {%- endif -%}
{%- endfor -%}
{%- for row in rows -%}
    {%- if row['record'] in ('center', 'weight') -%}
        {%- do by_segment[row['segment_id']][row['record']].append(row['value']) -%}
        {%- if row['record'] == 'center' and row['segment_id'] == ns.segments[0] -%}
            {%- do ns.dimensions.append(row['name']) -%}
        {%- endif -%}
    {%- elif row['record'] == 'bias' -%}
        {%- do by_segment[row['segment_id']].update({'bias': row['value']}) -%}
    {%- elif row['record'] == 'radius' -%}
        {%- do by_segment[row['segment_id']].update({'radius': row['value']}) -%}
    {%- endif -%}
{%- endfor -%}
{%- set segments = ns.segments | sort -%}
    with

    features as (
        select * from {{ features }}
    ),

    standardized as (
        select
            customer_id,
            tenure_days{% for feature in ns.features %}{% set f = by_feature[feature] %},
            {%- set filled = 'coalesce(nullif(cast(' ~ adapter.quote(feature) ~ " as double), cast('nan' as double)), " ~ segment_sql_number(f['feature_fill']) ~ ')' %}
            {%- set transformed = 'ln(1 + greatest(' ~ filled ~ ', 0e0))' if f['transform'] == 'log1p' else filled %}
            ({{ transformed }} - {{ segment_sql_number(f['feature_mean']) }}) / {{ segment_sql_number(f['feature_scale']) }} as z_{{ feature }}
            {%- endfor %}
        from features
    ),

    model_space as (
        {%- if pca['loadings'] %}
        select
            customer_id,
            tenure_days{% for component in pca['loadings'] | sort %},
            {% for feature, loading in pca['loadings'][component] -%}
            {% if not loop.first %} + {% endif %}{{ segment_sql_number(loading) }} * (z_{{ feature }} - {{ segment_sql_number(pca['mean'][feature]) }})
            {%- endfor %} as pc_{{ component }}
            {%- endfor %}
        from standardized
        {%- else %}
        select * from standardized
        {%- endif %}
    ),

    scored as (
        select
            customer_id,
            tenure_days{% for segment_id in segments %}{% set s = by_segment[segment_id] %},
            {% for dimension in ns.dimensions -%}
            {%- set difference = '(' ~ dimension ~ ' - ' ~ segment_sql_number(s['center'][loop.index0]) ~ ')' -%}
            {%- set squared = '(' ~ difference ~ ' * ' ~ difference ~ ')' -%}
            {% if not loop.first %} + {% endif %}{% if s['weight'][loop.index0] != 1.0 %}{{ segment_sql_number(s['weight'][loop.index0]) }} * {% endif %}{{ squared }}
            {%- endfor %}{% if not ns.dimensions %}0e0{% endif %} + {{ segment_sql_number(s['bias']) }} as score_{{ loop.index }},
            sqrt({% for dimension in ns.dimensions -%}
            {%- set difference = '(' ~ dimension ~ ' - ' ~ segment_sql_number(s['center'][loop.index0]) ~ ')' -%}
            {% if not loop.first %} + {% endif %}({{ difference }} * {{ difference }})
            {%- endfor %}{% if not ns.dimensions %}0e0{% endif %}) as distance_{{ loop.index }}
            {%- endfor %}
        from model_space
    ),

    assigned as (
        select
            customer_id,
            tenure_days,
            case
                {%- if not segments %}
                when false then 0
                {%- endif %}
                {%- for segment_id in segments %}{% set i = loop.index %}
                when {% for j in range(1, segments | length + 1) if j != i %}{% if not loop.first %} and {% endif %}score_{{ i }} <= score_{{ j }}{% else %}true{% endfor %}
                    then {{ i }}
                {%- endfor %}
            end as best
            {%- for segment_id in segments %},
            distance_{{ loop.index }}
            {%- endfor %}
        from scored
    ),

    final as (
        select
            customer_id,
            case
                when not coalesce(tenure_days >= {{ ns.min_tenure }}, false) then 0
                {%- for segment_id in segments %}{% set s = by_segment[segment_id] %}
                when best = {{ loop.index }} then
                    {%- if s['radius'] is not none %}
                    case when distance_{{ loop.index }} > {{ segment_sql_number(s['radius']) }} then -1 else {{ segment_id }} end
                    {%- else %} {{ segment_id }}{% endif %}
                {%- endfor %}
                {#- no segment at all: a density model that found no cluster makes everyone noise #}
                else {{ -1 if ns.algorithm in ('dbscan', 'hdbscan') else 0 }}
            end as segment_id,
            cast(case
                when not coalesce(tenure_days >= {{ ns.min_tenure }}, false) then null
                {%- for segment_id in segments %}
                when best = {{ loop.index }} then distance_{{ loop.index }}
                {%- endfor %}
            end as double) as distance_to_centroid,
            '{{ ns.version }}' as model_version
        from assigned
    )

    select * from final
{%- endif -%}
{%- endmacro %}
