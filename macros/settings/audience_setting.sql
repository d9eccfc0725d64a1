{#- The value of var `name` (an audience__* var), checked against its spec in
    audience_settings_spec() and returned typed: a date or timestamp as normalized ISO text, numbers
    as numbers, names as lowercase identifiers. Anything else stops the run with a message naming
    the var, the value and what is allowed. Every audience__* var reaches SQL through this macro
    (or one built on it), never through var() directly. -#}
{% macro audience_setting(name) -%}
    {%- set spec = audience_settings_spec().get(name) -%}
    {%- if spec is none -%}
        {{ exceptions.raise_compiler_error("audience_setting: unknown setting " ~ name) }}
    {%- endif -%}
    {{ return(audience_checked_value(name, var(name, none), spec)) }}
{%- endmacro %}


{#- `value` checked against `spec` (see audience_settings_spec); `where` names it in messages. -#}
{% macro audience_checked_value(where, value, spec) -%}
    {%- set kind = spec['type'] -%}
    {%- if value is none or (value is string and value | trim == '' and kind not in ['identifier_list']) -%}
        {%- if spec.get('nullable') -%}{{ return(none) }}{%- endif -%}
        {{ audience_setting_error(where, value, 'a value (it must not be empty)') }}
    {%- endif -%}
    {%- if kind == 'date' -%}
        {{ return(audience_parse_date(where, value)) }}
    {%- elif kind == 'timestamp' -%}
        {{ return(audience_parse_timestamp(where, value)) }}
    {%- elif kind == 'time_zone' -%}
        {{ return(audience_parse_time_zone(where, value)) }}
    {%- elif kind in ['integer', 'number'] -%}
        {{ return(audience_parse_number(where, value, spec)) }}
    {%- elif kind == 'boolean' -%}
        {%- if value is boolean -%}{{ return(value) }}{%- endif -%}
        {{ audience_setting_error(where, value, 'true or false') }}
    {%- elif kind == 'choice' -%}
        {%- if value is string and value in spec['choices'] -%}{{ return(value) }}{%- endif -%}
        {{ audience_setting_error(where, value, 'one of ' ~ spec['choices'] | join(', ')) }}
    {%- elif kind == 'identifier' -%}
        {{ return(audience_parse_identifier(where, value)) }}
    {%- elif kind in ['identifier_list', 'integer_list', 'number_list'] -%}
        {{ return(audience_parse_list(where, value, spec)) }}
    {%- elif kind == 'segment_features' -%}
        {{ return(audience_parse_segment_features(where, value)) }}
    {%- elif kind == 'raw_file_formats' -%}
        {{ return(audience_parse_raw_file_formats(where, value)) }}
    {%- elif kind == 'declarations' -%}
        {{ return(audience_parse_declarations(where, value, spec['kind'])) }}
    {%- elif kind == 'audiences' -%}
        {{ return(audience_parse_audiences(where, value)) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("audience_checked_value: no check for type " ~ kind) }}
{%- endmacro %}


{% macro audience_setting_error(where, value, expected) -%}
    {%- set shown = (value | tojson) if value is not string else ("'" ~ value ~ "'") -%}
    {{ exceptions.raise_compiler_error(
        "var " ~ where ~ ": expected " ~ expected ~ ", got " ~ shown) }}
{%- endmacro %}


{#- A calendar date as 'YYYY-MM-DD' (YAML may hand over a date object: its text is the same). -#}
{% macro audience_parse_date(where, value) -%}
    {%- set text = value | string | trim -%}
    {%- set match = modules.re.match('^([0-9]{4})-([0-9]{2})-([0-9]{2})\\Z', text) -%}
    {%- if not match -%}
        {{ audience_setting_error(where, value, 'a date written YYYY-MM-DD') }}
    {%- endif -%}
    {%- set year, month, day = match.group(1) | int, match.group(2) | int, match.group(3) | int -%}
    {%- if year < 1 or month < 1 or month > 12 -%}
        {{ audience_setting_error(where, value, 'a date written YYYY-MM-DD (month 01-12)') }}
    {%- endif -%}
    {%- set next_month = modules.datetime.date(year + (month // 12), month % 12 + 1, 1) if year < 9999 or month < 12 else none -%}
    {%- set days_in_month = 31 if next_month is none else (next_month - modules.datetime.date(year, month, 1)).days -%}
    {%- if day < 1 or day > days_in_month -%}
        {{ audience_setting_error(where, value, 'a date written YYYY-MM-DD (day 01-' ~ days_in_month ~ ' in that month)') }}
    {%- endif -%}
    {{ return(text) }}
{%- endmacro %}


{#- An instant as 'YYYY-MM-DD HH:MM:SS' (a date alone means its midnight), in UTC. -#}
{% macro audience_parse_timestamp(where, value) -%}
    {%- set text = value | string | trim -%}
    {%- set match = modules.re.match('^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?\\Z', text) -%}
    {%- if not match -%}
        {{ audience_setting_error(where, value, 'a UTC timestamp written YYYY-MM-DD HH:MM:SS (or a date)') }}
    {%- endif -%}
    {%- set date = audience_parse_date(where, match.group(1)) -%}
    {%- set hour, minute, second = (match.group(2) or '0') | int, (match.group(3) or '0') | int, (match.group(4) or '0') | int -%}
    {%- if hour > 23 or minute > 59 or second > 59 -%}
        {{ audience_setting_error(where, value, 'a UTC timestamp written YYYY-MM-DD HH:MM:SS (or a date)') }}
    {%- endif -%}
    {{ return(date ~ ' ' ~ '%02d:%02d:%02d' | format(hour, minute, second)) }}
{%- endmacro %}


{#- An IANA time zone name (Europe/Paris, UTC, ...), checked against the tz database. -#}
{% macro audience_parse_time_zone(where, value) -%}
    {%- set text = value | string | trim -%}
    {%- if text in modules.pytz.all_timezones_set -%}{{ return(text) }}{%- endif -%}
    {{ audience_setting_error(where, value, 'an IANA time zone name such as UTC or Europe/Paris') }}
{%- endmacro %}


{% macro audience_parse_number(where, value, spec) -%}
    {%- set kind = spec['type'] -%}
    {%- set text = value | string | trim -%}
    {%- set pattern = '^-?[0-9]+\\Z' if kind == 'integer' else '^-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?\\Z' -%}
    {%- if value is boolean or not modules.re.match(pattern, text) -%}
        {{ audience_setting_error(where, value, 'a whole number' if kind == 'integer' else 'a number') }}
    {%- endif -%}
    {%- set number = (text | int) if kind == 'integer' else (text | float) -%}
    {%- set bounds = [] -%}
    {%- if spec.get('min') is not none -%}{%- do bounds.append('at least ' ~ spec['min']) -%}{%- endif -%}
    {%- if spec.get('max') is not none -%}{%- do bounds.append('at most ' ~ spec['max']) -%}{%- endif -%}
    {%- if (spec.get('min') is not none and number < spec['min']) or (spec.get('max') is not none and number > spec['max']) -%}
        {{ audience_setting_error(where, value, ('a whole number ' if kind == 'integer' else 'a number ') ~ bounds | join(' and ')) }}
    {%- endif -%}
    {{ return(number) }}
{%- endmacro %}


{#- A lowercase SQL-safe name: a letter, then letters, digits or underscores (it may become part
    of a column name, so nothing else is allowed). -#}
{% macro audience_parse_identifier(where, value) -%}
    {%- if value is string and modules.re.match('^[a-z][a-z0-9_]{0,62}\\Z', value | trim) -%}
        {{ return(value | trim) }}
    {%- endif -%}
    {{ audience_setting_error(where, value, 'a lowercase name (a letter, then letters, digits or underscores, at most 63)') }}
{%- endmacro %}


{% macro audience_parse_list(where, value, spec) -%}
    {%- set kind = spec['type'] -%}
    {%- set items = [value] if value is string or value is number else value -%}
    {%- if items is mapping or items is not iterable -%}
        {{ audience_setting_error(where, value, 'a list') }}
    {%- endif -%}
    {%- set parsed = [] -%}
    {%- for item in items -%}
        {%- set item_where = where ~ '[' ~ loop.index0 ~ ']' -%}
        {%- if kind == 'identifier_list' -%}
            {%- set one = audience_parse_identifier(item_where, item) -%}
            {%- if spec.get('choices') and one not in spec['choices'] -%}
                {{ audience_setting_error(item_where, item, 'one of ' ~ spec['choices'] | join(', ')) }}
            {%- endif -%}
        {%- else -%}
            {%- set one = audience_parse_number(item_where, item, {
                'type': 'integer' if kind == 'integer_list' else 'number',
                'min': spec.get('min'), 'max': spec.get('max')}) -%}
        {%- endif -%}
        {%- if spec.get('unique') and one in parsed -%}
            {{ audience_setting_error(where, value, 'a list without repeated items (' ~ one ~ ' appears twice)') }}
        {%- endif -%}
        {%- if spec.get('increasing') and parsed and one <= parsed[-1] -%}
            {{ audience_setting_error(where, value, 'an increasing list') }}
        {%- endif -%}
        {%- do parsed.append(one) -%}
    {%- endfor -%}
    {%- if parsed | length < spec.get('min_items', 0) or parsed | length > spec.get('max_items', 1000) -%}
        {{ audience_setting_error(where, value, 'a list of ' ~ spec.get('min_items', 0) ~ ' to ' ~ spec.get('max_items', 1000) ~ ' items') }}
    {%- endif -%}
    {{ return(parsed) }}
{%- endmacro %}


{#- var audience__segment_features: [{column, transform: log1p | none, fill: median | number}]. -#}
{% macro audience_parse_segment_features(where, value) -%}
    {%- if value is string or value is mapping or value is not iterable or value | length == 0 -%}
        {{ audience_setting_error(where, value, 'a non-empty list of {column, transform, fill}') }}
    {%- endif -%}
    {%- set parsed = [] -%}
    {%- for item in value -%}
        {%- set item_where = where ~ '[' ~ loop.index0 ~ ']' -%}
        {%- if item is not mapping -%}
            {{ audience_setting_error(item_where, item, '{column: <name>, transform: log1p | none, fill: median | <number>}') }}
        {%- endif -%}
        {{ audience_check_keys(item_where, item, ['column', 'transform', 'fill']) }}
        {%- set fill = item.get('fill', 'median') -%}
        {%- if fill != 'median' -%}
            {%- set fill = audience_parse_number(item_where ~ '.fill', fill, {'type': 'number'}) -%}
        {%- endif -%}
        {%- set transform = item.get('transform', 'none') -%}
        {%- if transform not in ['log1p', 'none'] -%}
            {{ audience_setting_error(item_where ~ '.transform', transform, 'log1p or none') }}
        {%- endif -%}
        {%- do parsed.append({
            'column': audience_parse_identifier(item_where ~ '.column', item.get('column')),
            'transform': transform, 'fill': fill}) -%}
    {%- endfor -%}
    {{ return(parsed) }}
{%- endmacro %}


{#- Stops the run when `item` (a mapping) has a key outside `allowed`, naming the closest one. -#}
{% macro audience_check_keys(where, item, allowed) -%}
    {%- for key in item.keys() if key not in allowed -%}
        {%- set closest = audience_closest_name(key | string, allowed) -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": unknown key '" ~ key ~ "'"
            ~ ((" (did you mean '" ~ closest ~ "'?)") if closest else "")
            ~ "; allowed: " ~ allowed | join(', ')) }}
    {%- endfor -%}
{%- endmacro %}
