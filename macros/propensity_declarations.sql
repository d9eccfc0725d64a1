{#- Every declared prediction (var audience__predictions) and lookalike audience (var
    audience__lookalikes) as one list of dicts, in declaration order, with the dbt models resolved
    to relation names (feature_relation, score_relation). A lookalike becomes a prediction of kind
    lookalike: label = the seed condition (NULL counts as not in the seed), population = every row,
    score_filter = the candidate pool (default: not in the seed), no cutoff (random holdout).
    Checks of the values themselves happen in Python (audience/propensity/settings.py), which
    names the prediction and the key. -#}
{% macro propensity_declarations() -%}
    {{ return(adapter.dispatch('propensity_declarations', 'audience')()) }}
{%- endmacro %}

{% macro default__propensity_declarations() -%}
{%- set declarations = [] -%}
{%- for item in var('audience__predictions', []) or [] -%}
    {%- set declaration = dict(item) -%}
    {%- do declaration.update({'kind': 'propensity'}) -%}
    {%- do declarations.append(declaration) -%}
{%- endfor -%}
{%- for item in var('audience__lookalikes', []) or [] -%}
    {%- set declaration = dict(item) -%}
    {%- set seed = item.get('seed') -%}
    {%- if not seed -%}
        {{ exceptions.raise_compiler_error("lookalike " ~ item.get('name') ~ " in var audience__lookalikes needs a 'seed' condition") }}
    {%- endif -%}
    {%- do declaration.update({
        'kind': 'lookalike',
        'entity': item.get('entity', 'customer'),
        'feature_model': item.get('feature_model', 'fct_customer_features'),
        'label': 'coalesce((' ~ seed ~ '), false)',
        'score_filter': item.get('pool') or ('not coalesce((' ~ seed ~ '), false)'),
    }) -%}
    {%- do declaration.pop('seed') -%}
    {%- do declaration.pop('pool', none) -%}
    {%- do declarations.append(declaration) -%}
{%- endfor -%}
{%- for declaration in declarations -%}
    {%- if not declaration.get('feature_model') -%}
        {{ exceptions.raise_compiler_error("prediction " ~ declaration.get('name') ~ " needs a 'feature_model' (a dbt model name)") }}
    {%- endif -%}
    {%- do declaration.update({
        'feature_relation': ref(declaration['feature_model']) | string,
        'score_relation': ref(declaration.get('score_model') or declaration['feature_model']) | string,
    }) -%}
{%- endfor -%}
{{ return(declarations) }}
{%- endmacro %}
