{#- var audience__predictions / audience__lookalikes: a list of declarations (README
    "Predictions"), each checked here for its keys and the form of each value, before any model
    runs. Conditions (label, population, score_filter, test_condition, seed, pool) are parsed by
    audience_condition_sql; their columns are checked once the declared models exist
    (propensity_declarations). Returns the declarations with names lower-cased. -#}
{% macro audience_parse_declarations(where, value, kind) -%}
    {%- if value is none -%}{{ return([]) }}{%- endif -%}
    {%- if value is string or value is mapping or value is not iterable -%}
        {{ audience_setting_error(where, value, 'a list of declarations') }}
    {%- endif -%}
    {%- set common = ['name', 'entity', 'id_column', 'feature_model', 'features', 'categorical_features',
        'exclude_features', 'allow_leaky_features', 'algorithms', 'champion_metric', 'champion_top_share',
        'refit', 'tuning', 'retrain', 'pinned_version'] -%}
    {%- set allowed = common + (['seed', 'pool'] if kind == 'lookalike' else
        ['score_model', 'label', 'cutoff_column', 'horizon_days', 'population', 'score_filter',
         'test_condition', 'heuristic']) -%}
    {%- set parsed = [] -%}
    {%- for item in value -%}
        {%- set item_where = where ~ '[' ~ loop.index0 ~ ']' -%}
        {%- if item is not mapping -%}
            {{ audience_setting_error(item_where, item, 'a declaration (a mapping with name, feature_model, ...)') }}
        {%- endif -%}
        {%- set name = audience_parse_identifier(item_where ~ '.name', item.get('name')) -%}
        {%- set label = kind ~ " '" ~ name ~ "' (var " ~ where ~ ")" -%}
        {{ audience_check_keys(label, item, allowed) }}
        {%- set declaration = {'name': name} -%}
        {%- for key in ['entity', 'id_column', 'feature_model', 'score_model', 'cutoff_column'] if item.get(key) is not none -%}
            {%- do declaration.update({key: audience_parse_identifier(label ~ '.' ~ key, item[key] | string | lower)}) -%}
        {%- endfor -%}
        {%- if kind == 'prediction' and 'entity' not in declaration -%}
            {{ exceptions.raise_compiler_error(label ~ ": 'entity' is required (customer, lead, or any name of yours with an id_column)") }}
        {%- endif -%}
        {%- set entity = declaration.get('entity', 'customer') -%}
        {%- if entity not in ['customer', 'lead'] and 'id_column' not in declaration -%}
            {{ exceptions.raise_compiler_error(label ~ ": entity '" ~ entity ~ "' needs an 'id_column' (customer and lead default to customer_id and lead_id)") }}
        {%- endif -%}
        {%- if kind == 'prediction' and 'feature_model' not in declaration -%}
            {{ exceptions.raise_compiler_error(label ~ ": 'feature_model' (the dbt model with the training rows) is required") }}
        {%- endif -%}
        {%- for key in ['feature_model', 'score_model'] if key in declaration -%}
            {{ audience_check_model_exists(label ~ '.' ~ key, declaration[key]) }}
        {%- endfor -%}
        {%- for key in ['label', 'seed'] -%}
            {%- if key in allowed and item.get(key) is none -%}
                {{ exceptions.raise_compiler_error(label ~ ": '" ~ key ~ "' is required") }}
            {%- endif -%}
        {%- endfor -%}
        {%- for key in ['label', 'population', 'score_filter', 'test_condition', 'seed', 'pool'] if item.get(key) is not none -%}
            {%- set condition = item[key] | string -%}
            {%- if key == 'label' and modules.re.match('^\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\Z', condition) -%}
                {%- do declaration.update({key: condition | trim | lower}) -%}
            {%- else -%}
                {%- do audience_condition_sql(condition, none, label ~ '.' ~ key) -%}
                {%- do declaration.update({key: condition}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if item.get('horizon_days') is not none -%}
            {%- do declaration.update({'horizon_days': audience_parse_number(label ~ '.horizon_days', item['horizon_days'], {'type': 'integer', 'min': 0, 'max': 3650})}) -%}
        {%- endif -%}
        {#- A label column of the feature model may carry its window (label_window_days in the
            model's YAML): then it is the horizon, and a declared horizon_days must agree. The
            graph is read only once it exists (on-run-start and later), not at parse time. -#}
        {%- set label_window = none -%}
        {%- if kind == 'prediction' and execute and modules.re.match('^[a-z_][a-z0-9_]*\Z', declaration['label']) -%}
            {%- set label_window = audience_label_window_days(declaration['feature_model'], declaration['label']) -%}
        {%- endif -%}
        {%- if label_window is not none and declaration.get('horizon_days') is not none and declaration['horizon_days'] != label_window -%}
            {{ exceptions.raise_compiler_error(
                label ~ ": horizon_days " ~ declaration['horizon_days'] ~ " differs from the window of its label "
                ~ declaration['feature_model'] ~ "." ~ declaration['label'] ~ " (" ~ label_window
                ~ " days, config meta label_window_days in that model's YAML); leave horizon_days out or make them agree") }}
        {%- endif -%}
        {%- if execute and declaration.get('cutoff_column') and not declaration.get('horizon_days') and label_window is none -%}
            {{ exceptions.raise_compiler_error(
                label ~ ": a cutoff_column needs 'horizon_days' (the label window), so that no training"
                ~ " label is observed after the validation cutoff (or a label column whose YAML declares"
                ~ " config meta label_window_days)") }}
        {%- endif -%}
        {%- for key in ['features', 'categorical_features', 'exclude_features', 'allow_leaky_features'] if item.get(key) is not none -%}
            {%- do declaration.update({key: audience_parse_list(label ~ '.' ~ key, item[key], {'type': 'identifier_list', 'unique': true})}) -%}
        {%- endfor -%}
        {%- set algorithms = ['logistic_regression', 'hist_gradient_boosting', 'random_forest'] -%}
        {%- if item.get('algorithms') is not none -%}
            {%- do declaration.update({'algorithms': audience_parse_list(label ~ '.algorithms', item['algorithms'], {'type': 'identifier_list', 'unique': true, 'min_items': 1, 'choices': algorithms})}) -%}
        {%- endif -%}
        {%- if item.get('champion_metric') is not none -%}
            {%- do declaration.update({'champion_metric': audience_checked_value(label ~ '.champion_metric', item['champion_metric'], {'type': 'choice', 'choices': ['log_loss', 'roc_auc', 'pr_auc', 'precision_at_k']})}) -%}
        {%- endif -%}
        {%- if item.get('champion_top_share') is not none -%}
            {%- do declaration.update({'champion_top_share': audience_parse_number(label ~ '.champion_top_share', item['champion_top_share'], {'type': 'number', 'min': 0.001, 'max': 1})}) -%}
        {%- endif -%}
        {%- if item.get('refit') is not none -%}
            {%- do declaration.update({'refit': audience_checked_value(label ~ '.refit', item['refit'], {'type': 'boolean'})}) -%}
        {%- endif -%}
        {%- if item.get('retrain') is not none -%}
            {%- do declaration.update({'retrain': audience_checked_value(label ~ '.retrain', item['retrain'], {'type': 'choice', 'choices': ['on_new_cutoff', 'always', 'never']})}) -%}
        {%- endif -%}
        {%- if item.get('pinned_version') is not none -%}
            {%- if item['pinned_version'] is not string or not modules.re.match('^[0-9a-f]{16}\Z', item['pinned_version']) -%}
                {{ audience_setting_error(label ~ '.pinned_version', item['pinned_version'], 'a model version: 16 hexadecimal digits, as in model_registry.model_version') }}
            {%- endif -%}
            {%- do declaration.update({'pinned_version': item['pinned_version']}) -%}
        {%- endif -%}
        {%- if item.get('heuristic') is not none -%}
            {%- do declaration.update({'heuristic': audience_parse_heuristic(label ~ '.heuristic', item['heuristic'])}) -%}
        {%- endif -%}
        {%- if item.get('tuning') is not none -%}
            {%- do declaration.update({'tuning': audience_parse_tuning(label ~ '.tuning', item['tuning'], algorithms)}) -%}
        {%- endif -%}
        {%- do parsed.append(declaration) -%}
    {%- endfor -%}
    {{ return(parsed) }}
{%- endmacro %}


{#- heuristic: {column: up | down}. -#}
{% macro audience_parse_heuristic(where, value) -%}
    {%- if value is not mapping -%}
        {{ exceptions.raise_compiler_error(where ~ ": expected {column: up | down, ...}, got " ~ (value | tojson)) }}
    {%- endif -%}
    {%- set parsed = {} -%}
    {%- for column, direction in value.items() -%}
        {%- if direction not in ['up', 'down'] -%}
            {{ exceptions.raise_compiler_error(where ~ ": column '" ~ column ~ "' must be up or down, got " ~ (direction | tojson)) }}
        {%- endif -%}
        {%- do parsed.update({audience_parse_identifier(where, column | string | lower): direction}) -%}
    {%- endfor -%}
    {{ return(parsed) }}
{%- endmacro %}


{#- tuning: {algorithm: {parameter: [values]}}, the grid searched for that algorithm instead of
    the adaptive default (audience/propensity/candidates.py checks the parameter names). -#}
{% macro audience_parse_tuning(where, value, algorithms) -%}
    {%- if value is not mapping -%}
        {{ exceptions.raise_compiler_error(where ~ ": expected {algorithm: {parameter: [values]}}, got " ~ (value | tojson)) }}
    {%- endif -%}
    {%- set parsed = {} -%}
    {%- for algorithm, grid in value.items() -%}
        {%- if algorithm not in algorithms -%}
            {{ exceptions.raise_compiler_error(where ~ ": unknown algorithm '" ~ algorithm ~ "'; use " ~ algorithms | join(', ')) }}
        {%- endif -%}
        {%- if grid is not mapping or grid | length == 0 -%}
            {{ exceptions.raise_compiler_error(where ~ "." ~ algorithm ~ ": expected {parameter: [values]}, got " ~ (grid | tojson)) }}
        {%- endif -%}
        {%- set checked = {} -%}
        {%- for parameter, values in grid.items() -%}
            {%- set items = values if (values is iterable and values is not string and values is not mapping) else [values] -%}
            {%- for item in items if not (item is none or item is number or item is string) or item is boolean -%}
                {{ exceptions.raise_compiler_error(where ~ "." ~ algorithm ~ "." ~ parameter ~ ": values must be numbers, names or null, got " ~ (item | tojson)) }}
            {%- endfor -%}
            {%- do checked.update({audience_parse_identifier(where ~ '.' ~ algorithm, parameter | string): items | list}) -%}
        {%- endfor -%}
        {%- do parsed.update({algorithm: checked}) -%}
    {%- endfor -%}
    {{ return(parsed) }}
{%- endmacro %}


{#- Stops the run when `name` is not a model of this project (checked once dbt knows the graph). -#}
{% macro audience_check_model_exists(where, name) -%}
    {%- if execute -%}
        {%- set models = [] -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
            {%- do models.append(node.name) -%}
        {%- endfor -%}
        {%- if name not in models -%}
            {%- set closest = audience_closest_name(name, models) -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": no model named '" ~ name ~ "' in this project"
                ~ ((" (did you mean '" ~ closest ~ "'?)") if closest else "")) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
