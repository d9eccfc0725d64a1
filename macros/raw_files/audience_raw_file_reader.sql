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
    parts are loaded one by one, see audience_load_csv_parts). A CSV file is read with every
    column as text, with the dialect of var audience__raw_file_formats and the columns of its
    first line: DuckDB's sniffer, which guesses from a sample of rows and gives up on a file with
    one bad quote, is never used. Staging parses and validates the values. -#}
{% macro audience_raw_file_reader(file, table) -%}
    {%- set path = audience_string_literal(file['path']) -%}
    {%- if file['format'] == 'parquet' -%}
        {{ return({'sql': 'read_parquet(' ~ path ~ ', union_by_name = true)', 'path': file['path'], 'format': 'parquet'}) }}
    {%- endif -%}
    {%- set format = audience_raw_file_format(table) -%}
    {%- set dialect = ', delim = ' ~ audience_string_literal(format['delimiter'])
        ~ ', quote = ' ~ audience_string_literal(format['quote'])
        ~ ', escape = ' ~ audience_string_literal(format['escape'])
        ~ ', encoding = ' ~ audience_string_literal(format['encoding']) -%}
    {#- The first line. Without preserve_insertion_order (the profile turns it off), `limit 1` on
        a file read on several threads returns whichever line a thread produced first: read on
        one thread, with the order kept for this query, then the profile's setting restored. -#}
    {%- do run_query('set preserve_insertion_order = true') -%}
    {%- set first = run_query(
        "select line from read_csv(" ~ path ~ ", auto_detect = false, header = false, parallel = false,"
        ~ " columns = {'line': 'VARCHAR'}, delim = chr(31), quote = '', escape = '', strict_mode = false,"
        ~ " ignore_errors = true,"
        ~ " encoding = " ~ audience_string_literal(format['encoding']) ~ ") limit 1").rows -%}
    {%- do run_query('set preserve_insertion_order = ' ~ ('true' if (target.get('settings') or {}).get('preserve_insertion_order', true) else 'false')) -%}
    {%- set columns = audience_csv_header_columns(first[0][0] if first and first[0][0] else '', format['delimiter'], format['quote']) -%}
    {%- set typed = [] -%}
    {%- for column in columns -%}
        {%- do typed.append(audience_string_literal(column) ~ ": 'VARCHAR'") -%}
    {%- endfor -%}
    {%- set sql = 'read_csv(' ~ path ~ ', auto_detect = false, header = true, columns = {' ~ typed | join(', ') ~ '}' ~ dialect ~ ')' -%}
    {{ return({'sql': sql, 'path': file['path'], 'format': 'csv', 'columns': columns}) }}
{%- endmacro %}


{#- The column names of a CSV header line: split on the delimiter outside quotes, unquoted,
    trimmed. Two columns of one name stop the run (the reader would not know which to take). -#}
{% macro audience_csv_header_columns(line, delimiter, quote) -%}
    {%- set state = namespace(current='', quoted=false, columns=[]) -%}
    {%- for character in line -%}
        {%- if quote and character == quote -%}
            {%- set state.quoted = not state.quoted -%}
            {%- if not state.quoted and loop.nextitem == quote -%}{%- set state.current = state.current ~ quote -%}{%- endif -%}
        {%- elif character == delimiter and not state.quoted -%}
            {%- set state.columns = state.columns + [state.current | trim] -%}
            {%- set state.current = '' -%}
        {%- else -%}
            {%- set state.current = state.current ~ character -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set columns = (state.columns + [state.current | trim]) if line | trim else [] -%}
    {%- for column in columns if (columns | select('equalto', column) | list | length) > 1 -%}
        {{ exceptions.raise_compiler_error("raw CSV file: the header names column '" ~ column ~ "' twice: " ~ line) }}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}
