{#- Every declared prediction (var audience__predictions) and lookalike audience (var
    audience__lookalikes) as one list of dicts, in declaration order, with the dbt models resolved
    to relation names (feature_relation, score_relation). A lookalike becomes a prediction of kind
    lookalike: label = the seed condition (NULL counts as not in the seed), population = every row,
    score_filter = the candidate pool (default: not in the seed), no cutoff (random holdout).

    The declarations were checked by audience_setting (keys, names, the grammar of every
    condition). Here each condition is rendered as SQL by audience_condition_sql against the
    columns of the models it filters, once they exist (at run time): label, population,
    score_filter and test_condition hold that SQL; <key>_text what the user wrote (for messages);
    label_column the label's column when the label is one. Nothing the user wrote reaches SQL
    any other way. -#}
{% macro propensity_declarations(from_graph=false) -%}
    {{ return(adapter.dispatch('propensity_declarations', 'audience')(from_graph)) }}
{%- endmacro %}

{#- from_graph: resolve the declared models from the graph instead of ref(), for a hook
    (audience_refresh_stale_declarations), where ref() is refused. -#}
{% macro default__propensity_declarations(from_graph=false) -%}
{%- set declarations = [] -%}
{%- for item in audience_setting('audience__predictions') -%}
    {%- set declaration = dict(item) -%}
    {%- do declaration.update({'kind': 'propensity'}) -%}
    {%- do declarations.append(declaration) -%}
{%- endfor -%}
{%- for item in audience_setting('audience__lookalikes') -%}
    {%- set declaration = dict(item) -%}
    {%- do declaration.update({
        'kind': 'lookalike',
        'entity': item.get('entity', 'customer'),
        'feature_model': item.get('feature_model', 'fct_customer_features'),
    }) -%}
    {%- do declarations.append(declaration) -%}
{%- endfor -%}
{%- set seen = [] -%}
{%- for declaration in declarations -%}
    {%- if declaration['name'] in seen -%}
        {{ exceptions.raise_compiler_error(
            "prediction '" ~ declaration['name'] ~ "' is declared twice (names must be unique across"
            ~ " audience__predictions and audience__lookalikes)") }}
    {%- endif -%}
    {%- do seen.append(declaration['name']) -%}
    {%- set score_model = declaration.get('score_model') or declaration['feature_model'] -%}
    {%- if from_graph -%}
        {%- set feature_relation = audience_graph_relation(declaration['feature_model']) -%}
        {%- set score_relation = audience_graph_relation(score_model) -%}
    {%- else -%}
        {%- set feature_relation = ref(declaration['feature_model']) -%}
        {%- set score_relation = ref(score_model) -%}
    {%- endif -%}
    {#- Without the database, which is named after the warehouse file: the same declaration reads
        the same on every warehouse (the models run on the target's own database). -#}
    {%- do declaration.update({
        'feature_relation': feature_relation.include(database=false) | string,
        'score_relation': score_relation.include(database=false) | string,
    }) -%}
    {%- do audience_render_declaration_conditions(declaration, feature_relation, score_relation) -%}
    {%- do audience_apply_column_meta(declaration, score_model) -%}
{%- endfor -%}
{{ return(declarations) }}
{%- endmacro %}


{#- Renders a declaration's conditions in place (see propensity_declarations). At parse time, and
    before the models exist, the columns are unknown and only the grammar is checked. -#}
{% macro audience_render_declaration_conditions(declaration, feature_relation, score_relation) -%}
    {%- set training = audience_relation_columns(feature_relation) -%}
    {%- set scoring = audience_relation_columns(score_relation) -%}
    {%- set both = none -%}
    {%- if training is not none and scoring is not none -%}
        {%- set both = {} -%}
        {%- for name, type in training.items() if name in scoring -%}{%- do both.update({name: type}) -%}{%- endfor -%}
    {%- endif -%}
    {%- set where = declaration['kind'] ~ " '" ~ declaration['name'] ~ "'" -%}
    {%- if declaration['kind'] == 'lookalike' -%}
        {%- set seed = audience_condition_sql(declaration['seed'], training, where ~ '.seed') -%}
        {%- set pool = audience_condition_sql(declaration['pool'], scoring, where ~ '.pool') if declaration.get('pool') else none -%}
        {%- do declaration.update({
            'label': 'coalesce(' ~ seed ~ ', false)', 'label_text': declaration['seed'],
            'score_filter': pool or ('not coalesce(' ~ seed ~ ', false)'),
            'score_filter_text': declaration.get('pool') or ('not (' ~ declaration['seed'] ~ ')'),
        }) -%}
        {%- do declaration.pop('seed') -%}
        {%- do declaration.pop('pool', none) -%}
    {%- else -%}
        {%- set label = declaration['label'] -%}
        {%- do declaration.update({'label_text': label}) -%}
        {%- if modules.re.match('^[a-z_][a-z0-9_]*\\Z', label) and label not in audience_condition_keywords() -%}
            {%- if training is not none and label not in training -%}
                {{ exceptions.raise_compiler_error(
                    where ~ ": label column '" ~ label ~ "' not found in " ~ feature_relation
                    ~ " (it has: " ~ training.keys() | sort | join(', ') ~ ")") }}
            {%- endif -%}
            {%- do declaration.update({'label': adapter.quote(label), 'label_column': label}) -%}
        {%- else -%}
            {%- do declaration.update({'label': audience_condition_sql(label, training, where ~ '.label')}) -%}
        {%- endif -%}
        {%- for key, columns in [('population', both), ('score_filter', scoring), ('test_condition', training)] if declaration.get(key) -%}
            {%- do declaration.update({
                key ~ '_text': declaration[key],
                key: audience_condition_sql(declaration[key], columns, where ~ '.' ~ key)}) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- What a declaration takes from the YAML of the models it reads (config meta of their columns,
    audience_column_meta): its horizon_days from the label column's label_window_days (a declared
    one was checked to agree, audience_parse_declarations), and the columns marked feature: false
    (populations such as is_churn_eligible) added to exclude_features, unless listed in features. -#}
{% macro audience_apply_column_meta(declaration, score_model) -%}
    {%- if declaration.get('label_column') -%}
        {%- set window = audience_label_window_days(declaration['feature_model'], declaration['label_column']) -%}
        {%- if window is not none -%}{%- do declaration.update({'horizon_days': window}) -%}{%- endif -%}
    {%- endif -%}
    {%- set excluded = (declaration.get('exclude_features') or []) | list -%}
    {%- set listed = declaration.get('features') or [] -%}
    {%- for model_name in [declaration['feature_model'], score_model] -%}
        {%- for column, meta in audience_column_meta(model_name).items() | sort
                if meta.get('feature') == false and column not in excluded and column not in listed -%}
            {%- do excluded.append(column) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if excluded -%}{%- do declaration.update({'exclude_features': excluded}) -%}{%- endif -%}
{%- endmacro %}


{#- {lowercase column name: type} of a relation, or none when it does not exist (yet). -#}
{% macro audience_relation_columns(relation) -%}
    {%- if not execute or load_relation(relation) is none -%}{{ return(none) }}{%- endif -%}
    {%- set columns = {} -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do columns.update({column.name | lower: column.dtype | upper}) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#- The rows of propensity_declarations for a list from propensity_declarations(): the model's
    SQL, also run by audience_refresh_stale_declarations when a selection leaves the model out. -#}
{% macro propensity_declarations_sql(declarations) -%}
with

declared as (
    {%- for declaration in declarations %}
    select
        {{ loop.index }} as declaration_order,
        {{ audience_string_literal(declaration["name"]) }} as prediction,
        {{ audience_string_literal(declaration["kind"]) }} as prediction_kind,
        {{ audience_string_literal(declaration["entity"]) }} as entity_type,
        {{ audience_string_literal(tojson(declaration)) }} as declaration_json,
        {{ audience_string_literal(propensity_declarations_fingerprint()) }} as declarations_fingerprint
    {{ "union all" if not loop.last }}
    {%- else %}
    select
        cast(null as integer) as declaration_order,
        cast(null as varchar) as prediction,
        cast(null as varchar) as prediction_kind,
        cast(null as varchar) as entity_type,
        cast(null as varchar) as declaration_json,
        cast(null as varchar) as declarations_fingerprint
    where false
    {%- endfor %}
)

select * from declared
{%- endmacro %}


{#- The declarations' fingerprint: the md5 of vars audience__predictions and audience__lookalikes.
    (python_models/propensity/_propensity__models.yml writes the same expression: YAML configs
    cannot call the project's macros.) -#}
{% macro propensity_declarations_fingerprint() -%}
    {{ return(local_md5(tojson([var('audience__predictions'), var('audience__lookalikes')]))) }}
{%- endmacro %}


{#- The relation of a model, seed or snapshot of the project found by name in the graph: what
    ref(name) returns, where ref() cannot be called (hooks). -#}
{% macro audience_graph_relation(name) -%}
    {%- for node in graph.nodes.values() if node.resource_type in ['model', 'seed', 'snapshot'] and node.name == name -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias or node.name)) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("no model, seed or snapshot named '" ~ name ~ "' in the project") }}
{%- endmacro %}
