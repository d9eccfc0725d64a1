{#-
    Read only by dbt Labs' dbt-project-evaluator, which `../shared/tools/evaluate-project` installs
    on a throwaway copy of the project (it is not a dependency of the project). The evaluator leaves
    out a rule's rows that match a project's deliberate exceptions, kept in a seed named
    dbt_project_evaluator_exceptions; its own macro reads them only once that seed is built and the
    package's empty seed of the same name is disabled, and the tool builds the package's nodes alone
    on a fresh warehouse. This implementation, found through the `dispatch` block of dbt_project.yml,
    reads the same rows from the seed's CSV file, so the exceptions hold however the evaluator is
    run. Decision 0011 says why each one is there; every row's comment names it.
-#}
{% macro duckdb__filter_exceptions() %}
    {%- if execute and flags.WHICH not in ['compile'] -%}
        {%- set seeds = graph.nodes.values()
            | selectattr('resource_type', 'equalto', 'seed')
            | selectattr('package_name', 'equalto', project_name)
            | selectattr('name', 'equalto', 'dbt_project_evaluator_exceptions') | list -%}
        {%- if seeds -%}
            {%- set seed_file = seeds[0].root_path ~ '/' ~ seeds[0].original_file_path -%}
            {%- set rows = run_query(
                "select column_name, id_to_exclude from read_csv(" ~ audience_string_literal(seed_file)
                ~ ", header = true, all_varchar = true) where fct_name = "
                ~ audience_string_literal(model.name) ~ " order by column_name, id_to_exclude") -%}
            where 1 = 1
            {%- for exception in rows %}
                {%- if not modules.re.fullmatch('[a-z_][a-z0-9_]*', exception[0]) -%}
                    {{ exceptions.raise_compiler_error(
                        "seeds/dbt_project_evaluator_exceptions.csv: column_name '" ~ exception[0]
                        ~ "' of rule " ~ model.name ~ " is not a column name") }}
                {%- endif %}
            and {{ exception[0] }} not like {{ audience_string_literal(exception[1]) }}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
