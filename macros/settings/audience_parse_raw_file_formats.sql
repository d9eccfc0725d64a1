{#- var audience__raw_file_formats: how each raw CSV file is written, by table name, e.g.
    {customers: {delimiter: ';', encoding: latin-1}}. Every key is optional; the defaults are
    audience_raw_file_format_defaults(). Pinning the dialect means DuckDB's sniffer, which decides
    from a sample of the first rows, never guesses it. -#}
{% macro audience_parse_raw_file_formats(where, value) -%}
    {%- if value is not mapping -%}
        {{ audience_setting_error(where, value, 'a mapping of table name to {delimiter, quote, escape, encoding, timestamp_format}') }}
    {%- endif -%}
    {%- set known_tables = [] -%}
    {%- for source in (graph.sources.values() if execute else []) if source.package_name == project_name -%}
        {%- do known_tables.append(source.name) -%}
    {%- endfor -%}
    {%- set defaults = audience_raw_file_format_defaults() -%}
    {%- set parsed = {} -%}
    {%- for table, format in value.items() -%}
        {%- set item_where = where ~ '.' ~ table -%}
        {%- if known_tables and table not in known_tables -%}
            {%- set closest = audience_closest_name(table | string, known_tables) -%}
            {{ exceptions.raise_compiler_error(
                "var " ~ where ~ ": unknown table '" ~ table ~ "'"
                ~ ((" (did you mean '" ~ closest ~ "'?)") if closest else "")
                ~ "; tables: " ~ known_tables | sort | join(', ')) }}
        {%- endif -%}
        {%- if format is not mapping -%}
            {{ audience_setting_error(item_where, format, 'a mapping {delimiter, quote, escape, encoding, timestamp_format}') }}
        {%- endif -%}
        {{ audience_check_keys('var ' ~ item_where, format, defaults.keys() | list) }}
        {%- set checked = {} -%}
        {%- for key in ['delimiter', 'quote', 'escape'] if key in format -%}
            {%- set character = format[key] | string -%}
            {%- if (character | length != 1 and not (key != 'delimiter' and character == '')) or character in ['\n', '\r'] -%}
                {{ audience_setting_error(item_where ~ '.' ~ key, format[key], 'one character' ~ ('' if key == 'delimiter' else ' (or empty for none)')) }}
            {%- endif -%}
            {%- do checked.update({key: character}) -%}
        {%- endfor -%}
        {%- if 'encoding' in format -%}
            {%- set encoding = format['encoding'] | string | lower | replace('_', '-') -%}
            {%- set encoding = 'latin-1' if encoding in ['latin1', 'iso-8859-1'] else ('utf-8' if encoding == 'utf8' else encoding) -%}
            {%- if encoding not in ['utf-8', 'utf-16', 'latin-1'] -%}
                {{ audience_setting_error(item_where ~ '.encoding', format['encoding'], 'utf-8, utf-16 or latin-1') }}
            {%- endif -%}
            {%- do checked.update({'encoding': encoding}) -%}
        {%- endif -%}
        {%- if format.get('timestamp_format') is not none -%}
            {%- set pattern = format['timestamp_format'] | string -%}
            {%- if not modules.re.match('^(%[YmdHMSfzZbBeIpjy]|[-/:. T,])+\\Z', pattern) -%}
                {{ audience_setting_error(item_where ~ '.timestamp_format', pattern, 'a strptime format of %Y %m %d %H %M %S %f %z %b %p ... and the separators - / : . T , (e.g. %m/%d/%Y %H:%M)') }}
            {%- endif -%}
            {%- do checked.update({'timestamp_format': pattern}) -%}
        {%- endif -%}
        {%- do parsed.update({table: checked}) -%}
    {%- endfor -%}
    {{ return(parsed) }}
{%- endmacro %}


{#- How a raw CSV file is read unless var audience__raw_file_formats says otherwise. -#}
{% macro audience_raw_file_format_defaults() -%}
    {{ return({'delimiter': ',', 'quote': '"', 'escape': '"', 'encoding': 'utf-8', 'timestamp_format': none}) }}
{%- endmacro %}


{#- The CSV format of raw table `table`: the defaults overlaid with its var entry. -#}
{% macro audience_raw_file_format(table) -%}
    {%- set format = audience_raw_file_format_defaults() -%}
    {%- do format.update(audience_setting('audience__raw_file_formats').get(table, {})) -%}
    {{ return(format) }}
{%- endmacro %}
