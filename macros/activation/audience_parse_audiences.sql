{#- var audience__audiences: the declared audiences (README "Act on the results"), each checked
    here for its keys and the form of every value before any model runs. The rule is parsed by
    audience_condition_sql; its columns, and those of order_by and per, are checked against the
    entity's attribute model once it exists (audience_declarations). Returns the audiences with
    their defaults filled in. -#}
{% macro audience_parse_audiences(where, value) -%}
    {%- if value is none -%}{{ return([]) }}{%- endif -%}
    {%- if value is string or value is mapping or value is not iterable -%}
        {{ audience_setting_error(where, value, 'a list of audiences') }}
    {%- endif -%}
    {%- set allowed = ['name', 'description', 'entity', 'rule', 'order_by', 'top_n', 'top_share',
        'per', 'holdout_share', 'refresh', 'destinations'] -%}
    {%- set parsed = [] -%}
    {%- set seen = [] -%}
    {%- for item in value -%}
        {%- set item_where = where ~ '[' ~ loop.index0 ~ ']' -%}
        {%- if item is not mapping -%}
            {{ audience_setting_error(item_where, item, 'an audience (a mapping with name, rule, ...)') }}
        {%- endif -%}
        {%- set name = audience_parse_identifier(item_where ~ '.name', item.get('name')) -%}
        {%- set label = "audience '" ~ name ~ "' (var " ~ where ~ ")" -%}
        {%- if name in seen -%}
            {{ exceptions.raise_compiler_error(label ~ ": declared twice (audience names must be unique)") }}
        {%- endif -%}
        {%- do seen.append(name) -%}
        {{ audience_check_keys(label, item, allowed) }}
        {%- if item.get('rule') is none -%}
            {{ exceptions.raise_compiler_error(label ~ ": 'rule' (a condition over the entity's audience columns) is required") }}
        {%- endif -%}
        {%- set rule = item['rule'] | string -%}
        {%- do audience_condition_sql(rule, none, label ~ '.rule') -%}
        {%- set audience = {
            'name': name,
            'description': (item.get('description') or '') | string | trim,
            'entity': audience_checked_value(label ~ '.entity', item.get('entity', 'customer'), {'type': 'choice', 'choices': ['customer', 'lead']}),
            'rule': rule,
            'holdout_share': audience_setting('audience__audience_holdout_share'),
            'refresh': audience_checked_value(label ~ '.refresh', item.get('refresh', 'daily'), {'type': 'choice', 'choices': ['daily', 'weekly', 'monthly']}),
            'destinations': audience_parse_list(label ~ '.destinations', item.get('destinations', ['parquet']),
                {'type': 'identifier_list', 'min_items': 1, 'unique': true, 'choices': audience_destinations()}),
        } -%}
        {%- if 'customer_match' in audience['destinations'] and audience['entity'] != 'customer' -%}
            {{ exceptions.raise_compiler_error(label ~ ": destination customer_match matches people by email: only a customer audience can have it") }}
        {%- endif -%}
        {%- if item.get('order_by') is not none -%}
            {%- do audience.update({'order_by': audience_parse_order_by(label ~ '.order_by', item['order_by'])}) -%}
        {%- endif -%}
        {%- if item.get('per') is not none -%}
            {%- do audience.update({'per': audience_parse_identifier(label ~ '.per', item['per'] | string | lower)}) -%}
        {%- endif -%}
        {%- if item.get('top_n') is not none and item.get('top_share') is not none -%}
            {{ exceptions.raise_compiler_error(label ~ ": give top_n or top_share, not both") }}
        {%- endif -%}
        {%- if item.get('top_n') is not none -%}
            {%- do audience.update({'top_n': audience_parse_number(label ~ '.top_n', item['top_n'], {'type': 'integer', 'min': 1})}) -%}
        {%- endif -%}
        {%- if item.get('top_share') is not none -%}
            {%- do audience.update({'top_share': audience_parse_number(label ~ '.top_share', item['top_share'], {'type': 'number', 'min': 0.0001, 'max': 1})}) -%}
        {%- endif -%}
        {%- if (audience.get('top_n') or audience.get('top_share') or audience.get('per')) and not audience.get('order_by') -%}
            {{ exceptions.raise_compiler_error(label ~ ": a size cap (top_n, top_share, per) needs 'order_by' (which members come first)") }}
        {%- endif -%}
        {%- if audience.get('per') and not (audience.get('top_n') or audience.get('top_share')) -%}
            {{ exceptions.raise_compiler_error(label ~ ": 'per' caps the size within each value of a column; give top_n or top_share with it") }}
        {%- endif -%}
        {%- if item.get('holdout_share') is not none -%}
            {%- do audience.update({'holdout_share': audience_parse_number(label ~ '.holdout_share', item['holdout_share'], {'type': 'number', 'min': 0, 'max': 0.9})}) -%}
        {%- endif -%}
        {%- do parsed.append(audience) -%}
    {%- endfor -%}
    {{ return(parsed) }}
{%- endmacro %}


{#- order_by: 'column', 'column desc' or 'column asc' (default desc: the highest score first). -#}
{% macro audience_parse_order_by(where, value) -%}
    {%- set match = modules.re.match('^\\s*([a-z][a-z0-9_]{0,62})(?:\\s+(asc|desc))?\\s*\\Z', value | string | lower) if value is string else none -%}
    {%- if not match -%}
        {{ audience_setting_error(where, value, "a column, optionally followed by asc or desc (e.g. 'clv desc')") }}
    {%- endif -%}
    {{ return({'column': match.group(1), 'direction': match.group(2) or 'desc'}) }}
{%- endmacro %}


{#- The export formats an audience can name in destinations (audience/activation/exports.py). -#}
{% macro audience_destinations() -%}
    {{ return(['crm_csv', 'customer_match', 'parquet']) }}
{%- endmacro %}
