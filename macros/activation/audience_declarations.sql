{#- The declared audiences (var audience__audiences, checked by audience_setting) resolved against
    their entity's attribute mart (audience_customer_attributes, audience_lead_attributes) once
    it exists: `rule_sql` is the rule rendered by audience_condition_sql against that mart's
    columns, `rule_columns` the columns the rule reads, and the columns of order_by and per are
    checked to exist. An unknown column stops the build naming the audience, the key and the
    closest column. Before the marts exist (parse time, on-run-start) only the form is checked. -#}
{% macro audience_declarations() -%}
    {%- set relations = {
        'customer': ref('audience_customer_attributes'),
        'lead': ref('audience_lead_attributes'),
    } -%}
    {%- set resolved = [] -%}
    {%- for item in audience_setting('audience__audiences') -%}
        {%- set audience = dict(item) -%}
        {%- set where = "audience '" ~ audience['name'] ~ "'" -%}
        {%- set columns = audience_relation_columns(relations[audience['entity']]) -%}
        {%- do audience.update({
            'relation': relations[audience['entity']],
            'id_column': audience['entity'] ~ '_id',
            'rule_sql': audience_condition_sql(audience['rule'], columns, where ~ '.rule'),
            'rule_columns': audience_condition_columns(audience['rule'], columns, where ~ '.rule'),
        }) -%}
        {%- for key in ['order_by', 'per'] if audience.get(key) is not none -%}
            {%- set column = audience[key]['column'] if key == 'order_by' else audience[key] -%}
            {%- if columns is not none and column not in columns -%}
                {%- set closest = audience_closest_name(column, columns.keys() | list) -%}
                {{ exceptions.raise_compiler_error(
                    where ~ "." ~ key ~ ": no column '" ~ column ~ "' in " ~ relations[audience['entity']].identifier
                    ~ ((" (did you mean '" ~ closest ~ "'?)") if closest else "")) }}
            {%- endif -%}
        {%- endfor -%}
        {%- do resolved.append(audience) -%}
    {%- endfor -%}
    {{ return(resolved) }}
{%- endmacro %}


{#- The columns a condition reads, in the order they first appear (`columns`: {name: type}, or
    none before the relation exists: then every name that is not a keyword). -#}
{% macro audience_condition_columns(text, columns, where) -%}
    {%- set keywords = audience_condition_keywords() -%}
    {%- set found = [] -%}
    {%- for token in audience_condition_tokens(text, where) if token['type'] == 'word'
        and token['value'] not in keywords and token['value'] not in found
        and (columns is none or token['value'] in columns) -%}
        {%- do found.append(token['value']) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}


{#- The first 8 hex digits of an md5 below which a member is held out: `share` of the 2^32
    values (dbt.hash is md5 in lowercase hex on every adapter dbt supports, so text comparison
    of 8 digits is numeric comparison). -#}
{% macro audience_holdout_threshold(share) -%}
    {{ return('%08x' | format((share * 4294967296) | int)) }}
{%- endmacro %}
