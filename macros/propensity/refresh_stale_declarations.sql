{#- on-run-start: a selection that builds the models after propensity_declarations but not the
    model itself (`dbt build --select propensity_model_state+`) would train and score the
    declarations of the last build that included it. When the vars audience__predictions /
    audience__lookalikes have changed since then, the table is rebuilt here first, from the same
    SQL as the model, so a changed declaration always retrains. The declared feature models are
    read as they are in the warehouse (they are not rebuilt unless selected). -#}
{% macro audience_refresh_stale_declarations() -%}
    {%- if not execute or flags.WHICH not in ['run', 'build'] -%}{{ return('') }}{%- endif -%}
    {%- set model = graph.nodes.get('model.' ~ project_name ~ '.propensity_declarations') -%}
    {%- if model is none or model.unique_id in selected_resources -%}{{ return('') }}{%- endif -%}
    {%- set readers = [] -%}
    {%- for unique_id in selected_resources if unique_id in graph.nodes -%}
        {%- if model.unique_id in graph.nodes[unique_id].depends_on.nodes -%}{%- do readers.append(unique_id) -%}{%- endif -%}
    {%- endfor -%}
    {%- set relation = adapter.get_relation(database=model.database, schema=model.schema, identifier=model.alias) -%}
    {%- if not readers or relation is none -%}{{ return('') }}{%- endif -%}
    {%- set built = run_query('select distinct declarations_fingerprint from ' ~ relation).columns[0].values() | list -%}
    {%- if built == [propensity_declarations_fingerprint()] -%}{{ return('') }}{%- endif -%}
    {%- set declarations = propensity_declarations(from_graph=true) -%}
    {%- if built == [] and declarations == [] -%}{{ return('') }}{%- endif -%}
    {%- do log("propensity_declarations was built from other declarations than this run's vars and is"
           ~ " not selected: rebuilding it before " ~ readers | map('replace', 'model.' ~ project_name ~ '.', '') | join(', '), info=true) -%}
    {#- One transaction, committed here: dbt rolls back what is left open after on-run-start
        (reading the declared models' columns may have begun one). -#}
    {%- call statement('drop_stale_declarations', auto_begin=true) -%}
        {{ get_drop_sql(relation) }}
    {%- endcall -%}
    {%- call statement('refresh_declarations', auto_begin=true) -%}
        {{ get_create_table_as_sql(false, relation, propensity_declarations_sql(declarations)) }}
    {%- endcall -%}
    {%- do adapter.commit() -%}
    {{ return('') }}
{%- endmacro %}
