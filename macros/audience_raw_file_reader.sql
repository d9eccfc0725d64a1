{#- The raw file of a table: <dir>/<name>.parquet, <dir>/<name>.csv, or a folder <dir>/<name>/ of
    .parquet or .csv parts, in that order of preference; none when there is none. -#}
{% macro audience_find_raw_file(data_dir, raw_file) -%}
    {%- set base = data_dir ~ '/' ~ raw_file -%}
    {%- for path, format in [(base ~ '.parquet', 'parquet'), (base ~ '.csv', 'csv'), (base ~ '/*.parquet', 'parquet'), (base ~ '/*.csv', 'csv')] -%}
        {%- set found = run_query('select count(*), coalesce(sum(size), 0) from read_blob(' ~ audience_string_literal(path) ~ ')') -%}
        {%- if found.rows[0][0] > 0 -%}
            {{ return({'path': path, 'format': format, 'size': found.rows[0][1]}) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{#- The table-function call that reads a raw file found by audience_find_raw_file. Parts of a
    folder are matched by column name (a part without an optional column reads it as NULL; CSV
    parts are loaded one by one, see audience_load_csv_parts). CSV is read with every column as
    text and the dialect of var audience__raw_file_formats (never
    sniffed from a sample); staging parses and validates the values. -#}
{% macro audience_raw_file_reader(file, table) -%}
    {%- set path = audience_string_literal(file['path']) -%}
    {%- if file['format'] == 'parquet' -%}
        {%- set sql = 'read_parquet(' ~ path ~ ', union_by_name = true)' -%}
    {%- else -%}
        {%- set format = audience_raw_file_format(table) -%}
        {%- set sql = 'read_csv(' ~ path ~ ', all_varchar = true'
            ~ ', header = true'
            ~ ', delim = ' ~ audience_string_literal(format['delimiter'])
            ~ ', quote = ' ~ audience_string_literal(format['quote'])
            ~ ', escape = ' ~ audience_string_literal(format['escape'])
            ~ ', encoding = ' ~ audience_string_literal(format['encoding']) ~ ')' -%}
    {%- endif -%}
    {{ return({'sql': sql, 'path': file['path'], 'format': file['format'], 'size': file['size']}) }}
{%- endmacro %}
