{#- Build bookkeeping in the warehouse itself (table audience_meta.builds): on-run-start records
    the invocation as running, on-run-end as succeeded or failed. A build that was killed stays
    "running"; the next one marks it interrupted and warns that tables may come from two builds
    until it has rebuilt them. Readers that must never see a mixed state read the serving
    database instead, which is published only from a build that passed. -#}
{% macro audience_build_started() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- do run_query("create schema if not exists audience_meta") -%}
    {%- do run_query(
        "create table if not exists audience_meta.builds (invocation_id varchar, command varchar,"
        ~ " selection varchar, started_at timestamp, finished_at timestamp, status varchar,"
        ~ " nodes_failed integer)") -%}
    {%- set interrupted = run_query(
        "select invocation_id, started_at from audience_meta.builds where status = 'running'"
        ~ " order by started_at").rows -%}
    {%- for invocation_id, started_at in interrupted -%}
        {%- do exceptions.warn(
            "the build " ~ invocation_id ~ " started at " ~ started_at ~ " UTC did not finish (killed?):"
            ~ " until this one completes, the warehouse may hold tables from two builds") -%}
    {%- endfor -%}
    {%- do run_query("update audience_meta.builds set status = 'interrupted' where status = 'running'") -%}
    {%- set selection = invocation_args_dict.get('select') -%}
    {%- do run_query(
        "insert into audience_meta.builds values ("
        ~ audience_string_literal(invocation_id) ~ ", "
        ~ audience_string_literal(flags.WHICH or '') ~ ", "
        ~ (audience_string_literal(selection | join(' ') if selection is not string else selection) if selection else 'null') ~ ", "
        ~ "cast(" ~ audience_string_literal(run_started_at.strftime('%Y-%m-%d %H:%M:%S')) ~ " as timestamp),"
        ~ " null, 'running', null)") -%}
    {{ return('') }}
{%- endmacro %}


{#- on-run-end: the invocation's outcome, and no leftover __dbt_tmp tables (dbt-duckdb leaves the
    staging table of an incremental Python model behind in the main schema). -#}
{% macro audience_build_finished(results) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error', 'skipped']) | list -%}
    {%- do run_query(
        "update audience_meta.builds set finished_at = cast(" ~ audience_string_literal(modules.datetime.datetime.now(modules.pytz.utc).strftime('%Y-%m-%d %H:%M:%S')) ~ " as timestamp),"
        ~ " status = " ~ audience_string_literal('failed' if failed else 'succeeded') ~ ","
        ~ " nodes_failed = " ~ failed | length
        ~ " where invocation_id = " ~ audience_string_literal(invocation_id)) -%}
    {%- for row in run_query(
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'"
            ~ " and table_name like '%\\_\\_dbt\\_tmp%' escape '\\'"
            ~ " and table_catalog = " ~ audience_string_literal(target.database)).rows -%}
        {%- do run_query('drop table if exists ' ~ adapter.quote(row[0]) ~ '.' ~ adapter.quote(row[1])) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
