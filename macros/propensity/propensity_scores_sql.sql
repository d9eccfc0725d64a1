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
    {{ "cast(null as double) as probability" if source == 'heuristic' else "probability" }},
    {{ "score" if source == 'heuristic' else "probability as score" }},
    {{ "cast(null as double) as model_log_odds" if source == 'heuristic' else "model_log_odds" }},
    '{{ source }}' as score_source,
    {{ "cast(null as varchar)" if algorithm is none else "'" ~ algorithm ~ "'" }} as algorithm,
    '{{ version }}' as model_version
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
