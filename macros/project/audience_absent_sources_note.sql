{#- A SQL expression: "shop.order_lines had no file; ..." for the source tables upstream of the
    given models that had no file or an empty one this run (stg_raw_files__audience_raw_files), or
    NULL when every one had a file. The marts such a source leaves empty say why with it, beside
    the summary's note. Upstream sources are found in dbt's graph, so the note names the files a
    mart reads; int_as_of_date is not followed (it reads every source, for the as-of date only). -#}
{% macro audience_absent_sources_note(model_names) -%}
    {%- set raw_files = ref('stg_raw_files__audience_raw_files') -%}
    {%- if not execute -%}{{ return('cast(null as varchar)') }}{%- endif -%}
    {%- set pending = [] -%}
    {%- for name in model_names -%}{%- do pending.append('model.' ~ project_name ~ '.' ~ name) -%}{%- endfor -%}
    {%- set seen, tables = [], [] -%}
    {#- Breadth-first over the parents (a loop over a list that grows: Jinja has no while). -#}
    {%- for unique_id in pending if unique_id not in seen -%}
        {%- do seen.append(unique_id) -%}
        {%- if unique_id in graph.sources -%}
            {%- set found = graph.sources[unique_id] -%}
            {%- do tables.append('(source_name = ' ~ audience_string_literal(found.source_name)
                ~ ' and table_name = ' ~ audience_string_literal(found.name) ~ ')') -%}
        {%- elif unique_id in graph.nodes and graph.nodes[unique_id].name != 'int_as_of_date' -%}
            {%- do pending.extend(graph.nodes[unique_id].depends_on.nodes) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not tables -%}{{ return('cast(null as varchar)') }}{%- endif -%}
    {%- set text = "source_name || '.' || table_name || ' had ' || case when status = 'absent'"
        ~ " then 'no file' else 'an empty file' end" -%}
    {{ return('(select ' ~ dbt.listagg(text, "'; '", 'order by source_name, table_name') ~ ' from '
        ~ raw_files ~ " where status in ('absent', 'empty') and (" ~ tables | unique | sort | join(' or ') ~ '))') }}
{%- endmacro %}
