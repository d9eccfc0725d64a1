{#- Run before every invocation (on-run-start, after the settings check): for each source table
    whose config.meta names a raw_file, find the file in the data folder, check its columns
    against the contract declared in the sources YAML, and register it as <source schema>.<table>.
    A structural problem stops the run with a message naming the source, the column and what was
    expected. Only what a business has is required: a table without a file is registered empty
    (and noted), customers are derived from the order lines when there is no customers file, and
    a loud warning says so when neither exists. raw.audience_raw_files records what was found. -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'audience')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    {{ exceptions.raise_compiler_error(
        "register_raw_sources: reading raw files is implemented for DuckDB only; on "
        ~ adapter.type() ~ ", load the raw tables into the schema of the sources instead") }}
{%- endmacro %}

{% macro duckdb__register_raw_sources() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set data_dir = audience_data_dir() -%}
    {%- set sources = graph.sources.values() | selectattr('package_name', 'equalto', project_name) | sort(attribute='unique_id') -%}
    {%- set registered = [] -%}
    {%- set malformed = [] -%}
    {%- for source in sources if (source.config.get('meta') or source.get('meta') or {}).get('raw_file') -%}
        {%- set meta = source.config.get('meta') or source.get('meta') or {} -%}
        {%- set name = source.source_name ~ '.' ~ source.name -%}
        {%- set file = audience_find_raw_file(data_dir, meta.get('raw_file')) -%}
        {%- set relation = adapter.quote(source.database) ~ '.' ~ adapter.quote(source.schema) ~ '.' ~ adapter.quote(source.identifier) -%}
        {%- do run_query('create schema if not exists ' ~ adapter.quote(source.database) ~ '.' ~ adapter.quote(source.schema)) -%}
        {%- do audience_drop_relation(source.database, source.schema, source.identifier) -%}
        {%- if file is none -%}
            {%- do registered.append({'source': source, 'relation': relation, 'status': 'absent', 'path': data_dir ~ '/' ~ meta.get('raw_file'), 'format': none}) -%}
        {%- else -%}
            {%- set reader = audience_raw_file_reader(file, source.name) -%}
            {%- if file['format'] == 'csv' -%}
                {#- CSV is loaded once per run, part by part (lines that do not parse are kept
                    aside with their line number); Parquet is read in place. -#}
                {%- set loaded = audience_load_csv_parts(file, source) -%}
                {%- do malformed.append(loaded['malformed']) -%}
                {%- set reader = {'sql': '(' ~ loaded['sql'] ~ ')', 'path': file['path'], 'format': 'csv'} -%}
            {%- endif -%}
            {%- set found = audience_raw_columns(reader) -%}
            {%- if found | length == 0 or (file['format'] == 'csv' and found.keys() | list == ['column0']) -%}
                {%- do registered.append({'source': source, 'relation': relation, 'status': 'empty', 'path': file['path'], 'format': file['format']}) -%}
            {%- else -%}
                {%- set select_list = audience_raw_select_list(source, found, name, reader) -%}
                {%- do run_query('create ' ~ ('table ' if file['format'] == 'csv' else 'view ') ~ relation ~ ' as select ' ~ (select_list | join(', ')) ~ ' from ' ~ reader['sql'] ~ ' as raw_file') -%}
                {%- do registered.append({'source': source, 'relation': relation, 'status': 'file', 'path': file['path'], 'format': file['format']}) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do audience_register_missing_sources(registered) -%}
    {%- do audience_record_raw_files(registered, malformed) -%}
    {{ return('') }}
{%- endmacro %}


{#- {'name': {name, type}} of the columns a raw file reader returns, lower-cased names as keys. -#}
{% macro audience_raw_columns(reader) -%}
    {%- set found = {} -%}
    {%- set described = run_query('describe select * from ' ~ reader['sql'] ~ ' as raw_file') -%}
    {%- for row in described.rows -%}
        {%- do found.update({row[0] | lower: {'name': row[0], 'type': row[1] | upper}}) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}


{#- The contract's columns selected from a raw file (NULL for missing optional ones), or a clear
    error for a missing required column or an impossible type. -#}
{% macro audience_raw_select_list(source, found, name, reader) -%}
    {%- set select_list = [] -%}
    {%- for column in source.columns.values() -%}
        {%- set spec = column.config.get('meta') or column.get('meta') or {} -%}
        {%- set kind = spec.get('type', 'text') -%}
        {%- set actual = found.get(column.name | lower) -%}
        {%- if actual is none -%}
            {%- if spec.get('required', false) -%}
                {%- set hint = (" If the file uses another delimiter, quote or encoding, set var audience__raw_file_formats (README, Bring your own data).")
                    if reader['format'] == 'csv' and found | length == 1 else "" -%}
                {{ exceptions.raise_compiler_error(
                    "source " ~ name ~ ": required column '" ~ column.name ~ "' (" ~ kind
                    ~ ") is missing from " ~ reader['path'] ~ ". Columns found: "
                    ~ (found.keys() | sort | join(', ')) ~ "." ~ hint) }}
            {%- endif -%}
            {%- do select_list.append('cast(null as varchar) as ' ~ adapter.quote(column.name)) -%}
        {%- else -%}
            {%- if not audience_raw_type_matches(kind, actual['type']) -%}
                {{ exceptions.raise_compiler_error(
                    "source " ~ name ~ ": column '" ~ column.name ~ "' has type "
                    ~ actual['type'] ~ " in " ~ reader['path'] ~ "; expected "
                    ~ audience_raw_type_expectation(kind) ~ ".") }}
            {%- endif -%}
            {%- do select_list.append(adapter.quote(actual['name']) ~ ' as ' ~ adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(select_list) }}
{%- endmacro %}


{#- Loads the parts of a CSV source (one file, or every file of its folder) into temporary tables
    with the pinned dialect. Lines DuckDB cannot read (ragged, badly quoted, wrongly encoded) are
    not loaded; they go, with their file, line number, text and error, to a temporary table for
    raw.malformed_lines (staging rejects each as malformed_csv_line). Returns the SQL that unions
    the parts by column name, and that table. An empty file (0 bytes) is an empty part. -#}
{% macro audience_load_csv_parts(file, source) -%}
    {%- set prefix = 'audience_csv_' ~ source.source_name ~ '_' ~ source.name -%}
    {%- set readers = [] -%}
    {%- for path, size in run_query('select filename, size from read_blob(' ~ audience_string_literal(file['path']) ~ ') order by filename').rows if size > 0 -%}
        {%- set reader = audience_raw_file_reader({'path': path, 'format': 'csv', 'size': size}, source.name) -%}
        {%- if reader['columns'] -%}{%- do readers.append(reader) -%}{%- endif -%}
    {%- endfor -%}
    {%- set loaded, errors = [], [] -%}
    {%- for reader in readers -%}
        {%- set part = prefix ~ '_' ~ loop.index -%}
        {%- do run_query('drop table if exists temp.' ~ part) -%}
        {%- do run_query('drop table if exists temp.' ~ part ~ '_rejects') -%}
        {%- do run_query('drop table if exists temp.' ~ part ~ '_scan') -%}
        {%- do run_query(
            'create temp table ' ~ part ~ ' as select * from ' ~ reader['sql'][:-1]
            ~ ", store_rejects = true, rejects_table = '" ~ part ~ "_rejects', rejects_scan = '" ~ part ~ "_scan')") -%}
        {%- do loaded.append('select * from temp.' ~ part) -%}
        {%- do errors.append(
            "select " ~ audience_string_literal(source.source_name) ~ " as source_name, "
            ~ audience_string_literal(source.name) ~ " as table_name, "
            ~ audience_string_literal(audience_data_relative_path(reader['path'])) ~ " as file_path, cast(line as bigint) as line_number,"
            ~ " any_value(csv_line) as line_text,"
            ~ " string_agg(distinct cast(error_type as varchar), ', ' order by cast(error_type as varchar)) as error_type,"
            ~ " min(error_message) as error_message"
            ~ " from temp." ~ part ~ "_rejects group by line") -%}
    {%- endfor -%}
    {%- if not loaded -%}
        {{ return({'sql': 'select 1 as column0 where false', 'malformed': none}) }}
    {%- endif -%}
    {%- do run_query('create or replace temp table ' ~ prefix ~ '_malformed as ' ~ errors | join(' union all ')) -%}
    {{ return({'sql': loaded | join(' union all by name '), 'malformed': 'temp.' ~ prefix ~ '_malformed'}) }}
{%- endmacro %}


{#- A raw file's path relative to the data folder, as stored in the warehouse's tables, so that a
    build's tables do not depend on where the data folder was (and say nothing about the machine). -#}
{% macro audience_data_relative_path(path) -%}
    {%- set folder = audience_data_dir().rstrip('/') ~ '/' -%}
    {{ return(path[folder | length:] if path.startswith(folder) else path) }}
{%- endmacro %}


{#- Sources without a file: registered as empty relations with the contract's columns, except
    customers, which are derived from the order lines when those exist (one customer per
    customer_id, signed up at its first order). With neither, nothing can be built. -#}
{% macro audience_register_missing_sources(registered) -%}
    {%- set by_table = {} -%}
    {%- for item in registered -%}{%- do by_table.update({item['source'].name: item}) -%}{%- endfor -%}
    {%- set customers, order_lines = by_table.get('customers'), by_table.get('order_lines') -%}
    {%- if customers and order_lines and customers['status'] != 'file' and order_lines['status'] != 'file' -%}
        {#- A project that only trains predictions of its own (README "Predictions") needs no
            shop files; everything else is then empty, which the warning says. -#}
        {%- do exceptions.warn(
            "no customers or order_lines file in " ~ audience_data_dir() ~ ": the customer features,"
            ~ " segments, CLV, uplift and the shipped customer predictions are built empty. Set"
            ~ " AUDIENCE_DATA_DIR to the folder holding your files (customers.csv / .parquet,"
            ~ " order_lines.csv / .parquet, or folders of parts), or run `make demo-data`.") -%}
    {%- endif -%}
    {%- for item in registered if item['status'] != 'file' -%}
        {%- if item['source'].name == 'customers' and order_lines and order_lines['status'] == 'file' -%}
            {%- do run_query(
                'create view ' ~ item['relation'] ~ ' as ' ~ audience_customers_from_order_lines(item['source'], order_lines)) -%}
            {%- do item.update({'status': 'derived'}) -%}
        {%- else -%}
            {%- set columns = [] -%}
            {%- for column in item['source'].columns.values() -%}
                {%- do columns.append('cast(null as varchar) as ' ~ adapter.quote(column.name)) -%}
            {%- endfor -%}
            {%- do run_query('create view ' ~ item['relation'] ~ ' as select ' ~ columns | join(', ') ~ ' where false') -%}
            {%- do log('audience: source ' ~ item['source'].source_name ~ '.' ~ item['source'].name ~ ' has ' ~ ('no file (' ~ item['path'] ~ '.csv / .parquet / folder)' if item['status'] == 'absent' else 'an empty file') ~ ': built as empty; what needs it is noted in the summary', info=true) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}


{#- raw.customers when there is no customers file: the customer ids of the order lines. -#}
{% macro audience_customers_from_order_lines(customers_source, order_lines) -%}
    {%- set raw_types = {} -%}
    {%- for row in run_query('describe select * from ' ~ order_lines['relation']).rows -%}
        {%- do raw_types.update({row[0] | lower: row[1] | upper}) -%}
    {%- endfor -%}
    {%- set columns = [] -%}
    {%- for column in customers_source.columns.values() -%}
        {%- if column.name == 'customer_id' -%}
            {%- do columns.append('customer_id') -%}
        {%- elif column.name == 'signup_at' -%}
            {#- The raw value of the earliest line, so that staging parses it as it parses the line. -#}
            {%- do columns.append('arg_min(ordered_at, ' ~ timestamp_value('ordered_at', raw_types.get('ordered_at'), 'order_lines') ~ ') as signup_at') -%}
        {%- else -%}
            {%- do columns.append('cast(null as varchar) as ' ~ adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    select {{ columns | join(', ') }}
    from (
        select {{ text_value('customer_id', raw_types.get('customer_id')) }} as customer_id, ordered_at
        from {{ order_lines['relation'] }}
    ) as lines
    where customer_id is not null
    group by customer_id
{%- endmacro %}


{#- raw.audience_raw_files (what each source was read from) and raw.malformed_lines (CSV lines that
    could not be read), replaced on every run. -#}
{% macro audience_record_raw_files(registered, malformed) -%}
    {%- set rows = [] -%}
    {%- for item in registered -%}
        {%- do rows.append(
            'select ' ~ audience_string_literal(item['source'].source_name) ~ ' as source_name, '
            ~ audience_string_literal(item['source'].name) ~ ' as table_name, '
            ~ audience_string_literal(item['status']) ~ ' as status, '
            ~ audience_string_literal(item['path']) ~ ' as path, '
            ~ (audience_string_literal(item['format']) if item['format'] else 'cast(null as varchar)') ~ ' as file_format') -%}
    {%- endfor -%}
    {%- do run_query('create or replace table raw.audience_raw_files as ' ~ rows | join(' union all ')) -%}
    {%- set parts = ["select cast(null as varchar) as source_name, cast(null as varchar) as table_name, cast(null as varchar) as file_path, cast(null as bigint) as line_number, cast(null as varchar) as line_text, cast(null as varchar) as error_type, cast(null as varchar) as error_message where false"] -%}
    {%- for table in malformed if table -%}{%- do parts.append('select * from ' ~ table) -%}{%- endfor -%}
    {%- do run_query('create or replace table raw.malformed_lines as ' ~ parts | join(' union all ')) -%}
{%- endmacro %}


{#- Drops a table or view, whichever it is (DuckDB refuses DROP VIEW on a table and the reverse). -#}
{% macro audience_drop_relation(database, schema, identifier) -%}
    {%- set found = run_query(
        "select table_type from information_schema.tables where table_catalog = "
        ~ audience_string_literal(database) ~ " and table_schema = " ~ audience_string_literal(schema)
        ~ " and table_name = " ~ audience_string_literal(identifier)) -%}
    {%- for row in found.rows -%}
        {%- do run_query('drop ' ~ ('view' if row[0] == 'VIEW' else 'table') ~ ' ' ~ adapter.quote(database)
            ~ '.' ~ adapter.quote(schema) ~ '.' ~ adapter.quote(identifier)) -%}
    {%- endfor -%}
{%- endmacro %}
