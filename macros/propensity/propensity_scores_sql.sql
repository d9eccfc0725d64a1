{#- The SELECT that scores every declared prediction's scoring rows, one branch per prediction,
    chosen from what propensity_model_state says about it:
    - champion logistic_regression: generated SQL from its linear terms. Each number is filled
      (NULL or NaN -> training median), log1p-transformed when the term says so and standardized;
      each category level is an indicator; log-odds = intercept + sum(coefficient x input); the
      calibrated probability = 1 / (1 + exp(-(slope x log-odds + intercept'))), kept within
      [floor, 1 - floor] (floor = 1 / (calibration rows + 2): no certainty). This equals
      scikit-learn's predict_proba followed by the sigmoid calibration (audience/propensity) to
      floating-point rounding. Reasons: coefficient x (input - reference input) per feature.
    - champion a tree model or the blend: the rows propensity_python_scores computed.
    - not trained, heuristic declared: the heuristic score (audience/propensity/heuristic.py).
    Columns: prediction, prediction_kind, entity_type, entity_id, probability, score,
    model_log_odds (the champion's log-odds before calibration: breaks ties of the calibrated
    probability when ranking), score_source, algorithm, model_version, reason_<1..3>_feature / _direction / _contribution. -#}
{% macro propensity_scores_sql(model_state, python_scores) -%}
    {{ return(adapter.dispatch('propensity_scores_sql', 'audience')(model_state, python_scores)) }}
{%- endmacro %}

{% macro default__propensity_scores_sql(model_state, python_scores) -%}
{%- set branches = [] -%}
{#- Outside the execute guard, so dbt records the refs of every declared model while parsing. -#}
{%- set declarations = propensity_declarations() -%}
{%- if execute and load_relation(model_state) is not none -%}
    {%- set rows = run_query(
        "select prediction, record, candidate, name, level, position, value, text_value, model_version"
        ~ " from " ~ model_state
        ~ " where record = 'setting' or (record in ('linear_term', 'linear_model')"
        ~ " and candidate = 'logistic_regression')"
        ~ " order by prediction, record, position, name"
    ) -%}
    {%- set models = {} -%}
    {%- for row in rows -%}
        {%- set model = models.setdefault(row['prediction'], {'terms': [], 'version': row['model_version']}) -%}
        {%- if row['record'] == 'setting' and row['name'] in ('status', 'champion') -%}
            {%- do model.update({row['name']: row['text_value']}) -%}
        {%- elif row['record'] == 'linear_model' -%}
            {%- do model.update({row['name']: row['value']}) -%}
        {%- elif row['record'] == 'linear_term' -%}
            {%- do model['terms'].append({
                'column': row['name'], 'level': row['level'], 'coefficient': row['value'],
                'preparation': fromjson(row['text_value'])}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for declaration in declarations -%}
        {%- set model = models.get(declaration['name']) -%}
        {%- if model and model.get('status') == 'trained' and model.get('champion') == 'logistic_regression' -%}
            {%- do branches.append(audience_logistic_scores_sql(declaration, model)) -%}
        {%- elif model and model.get('status') == 'trained' -%}
            {%- do branches.append(audience_python_scores_sql(declaration, model, python_scores)) -%}
        {%- elif model and model.get('status') == 'heuristic' -%}
            {%- do branches.append(audience_heuristic_scores_sql(declaration, model)) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- if branches -%}
{{ branches | join('\nunion all\n') }}
{%- else -%}
select
    cast(null as varchar) as prediction,
    cast(null as varchar) as prediction_kind,
    cast(null as varchar) as entity_type,
    cast(null as varchar) as entity_id,
    cast(null as double) as probability,
    cast(null as double) as score,
    cast(null as double) as model_log_odds,
    cast(null as varchar) as score_source,
    cast(null as varchar) as algorithm,
    cast(null as varchar) as model_version,
    {%- for n in range(1, 4) %}
    cast(null as varchar) as reason_{{ n }}_feature,
    cast(null as varchar) as reason_{{ n }}_direction,
    cast(null as double) as reason_{{ n }}_contribution{{ "," if not loop.last }}
    {%- endfor %}
where false
{%- endif -%}
{%- endmacro %}


{#- The columns every branch starts with. -#}
{% macro audience_score_branch_columns(declaration, source, algorithm, version) -%}
    '{{ declaration["name"] }}' as prediction,
    '{{ declaration["kind"] }}' as prediction_kind,
    '{{ declaration["entity"] }}' as entity_type,
    entity_id,
    {{ "cast(null as double)" if source == 'heuristic' else "probability" }} as probability,
    {{ "score" if source == 'heuristic' else "probability" }} as score,
    {{ "cast(null as double)" if source == 'heuristic' else "model_log_odds" }} as model_log_odds,
    '{{ source }}' as score_source,
    {{ "cast(null as varchar)" if algorithm is none else "'" ~ algorithm ~ "'" }} as algorithm,
    '{{ version }}' as model_version
{%- endmacro %}


{#- Reason columns from a list of structs (magnitude, feature, contribution), largest first. -#}
{% macro audience_reason_columns(reasons) -%}
    {%- for n in range(1, 4) %}
    {{ reasons }}[{{ n }}].feature as reason_{{ n }}_feature,
    case
        when {{ reasons }}[{{ n }}].contribution > 0 then 'raises'
        when {{ reasons }}[{{ n }}].contribution < 0 then 'lowers'
    end as reason_{{ n }}_direction,
    {{ reasons }}[{{ n }}].contribution as reason_{{ n }}_contribution{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro audience_ranked_reasons(contributions) -%}
    list_sort(
        list_filter(
            list_value(
                {%- for feature, expression in contributions %}
                struct_pack(magnitude := abs({{ expression }}), feature := {{ audience_string_literal(feature) }}, contribution := {{ expression }}){{ "," if not loop.last }}
                {%- endfor %}
            ),
            lambda reason: reason.magnitude > 0
        ),
        'DESC'
    )
{%- endmacro %}


{% macro audience_scoring_rows(declaration) -%}
    from {{ declaration['score_relation'] }}
    {%- set conditions = [] -%}
    {%- for condition in [declaration.get('population'), declaration.get('score_filter')] if condition -%}
        {%- do conditions.append('(' ~ condition ~ ')') -%}
    {%- endfor %}
    {%- if conditions %}
    where {{ conditions | join(' and ') }}
    {%- endif %}
{%- endmacro %}


{% macro audience_logistic_scores_sql(declaration, model) -%}
{%- set id_column = declaration.get('id_column') or (declaration['entity'] ~ '_id') -%}
{%- set numeric = [] -%}
{%- set categorical = {} -%}
{%- for term in model['terms'] -%}
    {%- if term['level'] is none -%}
        {%- do numeric.append(term) -%}
    {%- else -%}
        {%- do categorical.setdefault(term['column'], []).append(term) -%}
    {%- endif -%}
{%- endfor -%}
{%- set contributions = [] -%}
{%- for term in numeric -%}
    {%- do contributions.append((term['column'], segment_sql_number(term['coefficient']) ~ ' * (input_' ~ loop.index ~ ' - ' ~ segment_sql_number(term['preparation']['reference_input']) ~ ')')) -%}
{%- endfor -%}
{%- for column, terms in categorical.items() -%}
    {%- set reference_level = terms[0]['preparation']['reference_level'] -%}
    {%- set ns = namespace(reference_coefficient=0.0) -%}
    {%- for term in terms if term['level'] == reference_level -%}{%- set ns.reference_coefficient = term['coefficient'] -%}{%- endfor -%}
    {%- do contributions.append((column, 'level_' ~ loop.index ~ ' - ' ~ segment_sql_number(ns.reference_coefficient))) -%}
{%- endfor -%}
select
    {{ audience_score_branch_columns(declaration, 'model', 'logistic_regression', model['version']) }},
    {{ audience_reason_columns('reasons') }}
from (
    select
        entity_id,
        log_odds as model_log_odds,
        {%- set floor = segment_sql_number(model.get('probability_floor') or 0.0) %}
        least(1.0 - {{ floor }}, greatest({{ floor }}, 1.0 / (1.0 + exp(-greatest(-700.0, least(700.0,
            {{ segment_sql_number(model['calibration_slope']) }} * log_odds
            + {{ segment_sql_number(model['calibration_intercept']) }}
        )))))) as probability,
        {{ audience_ranked_reasons(contributions) }} as reasons
    from (
        select
            prepared.*,
            {{ segment_sql_number(model['intercept']) }}
            {%- for term in numeric %}
            + {{ segment_sql_number(term['coefficient']) }} * input_{{ loop.index }}
            {%- endfor %}
            {%- for column in categorical %}
            + level_{{ loop.index }}
            {%- endfor %} as log_odds
        from (
            select
                {%- for term in numeric %}
                {%- set prep = term['preparation'] %}
                {%- set value = 'cast("' ~ (term['column'] | replace('"', '""')) ~ '" as double)' %}
                {%- set filled = 'case when isnan(' ~ value ~ ') then ' ~ segment_sql_number(prep['fill']) ~ ' else coalesce(' ~ value ~ ', ' ~ segment_sql_number(prep['fill']) ~ ') end' %}
                ({{ 'ln(1 + greatest(' ~ filled ~ ', 0))' if prep['transform'] == 'log1p' else filled }}
                    - {{ segment_sql_number(prep['mean']) }}) / {{ segment_sql_number(prep['scale']) }} as input_{{ loop.index }},
                {%- endfor %}
                {%- for column, terms in categorical.items() %}
                case coalesce(cast("{{ column | replace('"', '""') }}" as varchar), '(missing)')
                    {%- for term in terms %}
                    when {{ audience_string_literal(term["level"]) }} then {{ segment_sql_number(term['coefficient']) }}
                    {%- endfor %}
                    else 0.0
                end as level_{{ loop.index }},
                {%- endfor %}
                cast("{{ id_column | replace('"', '""') }}" as varchar) as entity_id
            {{ audience_scoring_rows(declaration) }}
        ) as prepared
    ) as linear
) as scored
{%- endmacro %}


{% macro audience_python_scores_sql(declaration, model, python_scores) -%}
select
    {{ audience_score_branch_columns(declaration, 'model', model['champion'], model['version']) }},
    {%- for n in range(1, 4) %}
    reason_{{ n }}_feature,
    reason_{{ n }}_direction,
    reason_{{ n }}_contribution{{ "," if not loop.last }}
    {%- endfor %}
from {{ python_scores }}
where prediction = '{{ declaration["name"] }}'
{%- endmacro %}


{% macro audience_heuristic_scores_sql(declaration, model) -%}
{%- set id_column = declaration.get('id_column') or (declaration['entity'] ~ '_id') -%}
{%- set terms = declaration.get('heuristic', {}) | dictsort -%}
{%- set count = terms | length -%}
{%- set contributions = [] -%}
{%- for column, direction in terms -%}
    {%- do contributions.append((column, '(rank_' ~ loop.index ~ ' - 0.5) / ' ~ count)) -%}
{%- endfor -%}
select
    {{ audience_score_branch_columns(declaration, 'heuristic', none, model['version']) }},
    {{ audience_reason_columns('reasons') }}
from (
    select
        entity_id,
        ({%- for column, direction in terms %}rank_{{ loop.index }}{{ " + " if not loop.last }}{%- endfor %}) / {{ count }} as score,
        {{ audience_ranked_reasons(contributions) }} as reasons
    from (
        select
            cast("{{ id_column | replace('"', '""') }}" as varchar) as entity_id,
            {%- for column, direction in terms %}
            {%- set value = 'cast("' ~ (column | replace('"', '""')) ~ '" as double)' %}
            case
                when {{ value }} is null or isnan({{ value }}) then 0.5
                else percent_rank() over (
                    partition by ({{ value }} is null or isnan({{ value }}))
                    order by {{ value }} {{ "asc" if direction == "up" else "desc" }}
                )
            end as rank_{{ loop.index }}{{ "," if not loop.last }}
            {%- endfor %}
        {{ audience_scoring_rows(declaration) }}
    ) as ranked
) as scored
{%- endmacro %}
