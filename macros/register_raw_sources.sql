{#- Run before every invocation (on-run-start): for each source table whose config.meta names a
    raw_file, find the file in the data folder, check its columns against the contract declared in
    the sources YAML, and register it as a view <source schema>.<table>. A structural problem stops
    the run with a message naming the source, the column and what was expected. -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'audience')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set data_dir = audience_data_dir() -%}
    {%- set sources = graph.sources.values() | selectattr('package_name', 'equalto', project_name) | sort(attribute='unique_id') -%}
    {%- for source in sources -%}
        {%- set meta = source.config.get('meta') or source.get('meta') or {} -%}
        {%- if meta.get('raw_file') -%}
            {%- set name = source.source_name ~ '.' ~ source.name -%}
            {%- set reader = audience_raw_file_reader(data_dir, meta.get('raw_file'), name) -%}
            {%- set described = run_query('describe select * from ' ~ reader) -%}
            {%- set found = {} -%}
            {%- for row in described.rows -%}
                {%- do found.update({row[0] | lower: {'name': row[0], 'type': row[1] | upper}}) -%}
            {%- endfor -%}
            {%- set select_list = [] -%}
            {%- for column in source.columns.values() -%}
                {%- set spec = column.config.get('meta') or column.get('meta') or {} -%}
                {%- set kind = spec.get('type', 'text') -%}
                {%- set actual = found.get(column.name | lower) -%}
                {%- if actual is none -%}
                    {%- if spec.get('required', false) -%}
                        {{ exceptions.raise_compiler_error(
                            "source " ~ name ~ ": required column '" ~ column.name ~ "' (" ~ kind
                            ~ ") is missing from " ~ reader ~ ". Columns found: "
                            ~ (found.keys() | sort | join(', ')) ~ ".") }}
                    {%- endif -%}
                    {%- do select_list.append('cast(null as varchar) as ' ~ adapter.quote(column.name)) -%}
                {%- else -%}
                    {%- if not audience_raw_type_matches(kind, actual['type']) -%}
                        {{ exceptions.raise_compiler_error(
                            "source " ~ name ~ ": column '" ~ column.name ~ "' has type "
                            ~ actual['type'] ~ " in " ~ reader ~ "; expected "
                            ~ audience_raw_type_expectation(kind) ~ ".") }}
                    {%- endif -%}
                    {%- do select_list.append(adapter.quote(actual['name']) ~ ' as ' ~ adapter.quote(column.name)) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- set schema_relation = adapter.quote(source.database) ~ '.' ~ adapter.quote(source.schema) -%}
            {%- do run_query('create schema if not exists ' ~ schema_relation) -%}
            {%- do run_query(
                'create or replace view ' ~ schema_relation ~ '.' ~ adapter.quote(source.identifier)
                ~ ' as select ' ~ (select_list | join(', ')) ~ ' from ' ~ reader) -%}
            {{ log('registered raw source ' ~ name ~ ' <- ' ~ reader, info=false) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
