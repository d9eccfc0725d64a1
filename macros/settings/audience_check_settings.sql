{#- on-run-start, before anything else: every audience__* var checked against its spec (a bad
    one stops the run before any model, naming the var, the value and what is allowed), and a
    warning for every audience__* var that is set but unknown, with the closest known name (a
    misspelled var would otherwise be silently ignored). -#}
{% macro audience_check_settings() -%}
    {%- set spec = audience_settings_spec() -%}
    {%- for name in spec.keys() | sort -%}
        {%- do audience_setting(name) -%}
    {%- endfor -%}
    {%- set segment_k_min, segment_k_max = audience_setting('audience__segment_k_min'), audience_setting('audience__segment_k_max') -%}
    {%- if segment_k_min > segment_k_max -%}
        {{ exceptions.raise_compiler_error(
            "vars audience__segment_k_min (" ~ segment_k_min ~ ") and audience__segment_k_max ("
            ~ segment_k_max ~ "): the minimum must not exceed the maximum") }}
    {%- endif -%}
    {%- set event_types = audience_setting('audience__event_types') -%}
    {%- for visit_type in audience_setting('audience__visit_event_types') if visit_type not in event_types -%}
        {{ exceptions.raise_compiler_error(
            "var audience__visit_event_types: '" ~ visit_type ~ "' is not one of audience__event_types ("
            ~ event_types | join(', ') ~ ")") }}
    {%- endfor -%}
    {%- for name in audience_given_var_names() if name.startswith('audience__') and name not in spec -%}
        {%- set closest = audience_closest_name(name, spec.keys() | list) -%}
        {%- do exceptions.warn(
            "var " ~ name ~ " is not a setting of this project and is ignored"
            ~ ((": did you mean " ~ closest ~ "?") if closest else
               " (the audience__* settings are listed in dbt_project.yml)")) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}


{#- The names of the vars given on the command line (--vars) and in dbt_project.yml. -#}
{% macro audience_given_var_names() -%}
    {%- set names = [] -%}
    {%- set cli_vars = invocation_args_dict.get('vars') or {} -%}
    {%- if cli_vars is string -%}{%- set cli_vars = fromyaml(cli_vars) or {} -%}{%- endif -%}
    {%- for name in cli_vars.keys() -%}{%- do names.append(name) -%}{%- endfor -%}
    {%- for name in audience_project_var_names() if name not in names -%}{%- do names.append(name) -%}{%- endfor -%}
    {{ return(names | sort) }}
{%- endmacro %}


{#- The vars declared in dbt_project.yml (top-level and scoped to this project). dbt offers no way
    to list them, so the file is read through the engine; other adapters see only --vars. -#}
{% macro audience_project_var_names() -%}
    {{ return(adapter.dispatch('audience_project_var_names', 'audience')()) }}
{%- endmacro %}

{% macro default__audience_project_var_names() -%}
    {{ return([]) }}
{%- endmacro %}

{% macro duckdb__audience_project_var_names() -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set project_dir = invocation_args_dict.get('project_dir') or '.' -%}
    {%- set path = project_dir ~ '/dbt_project.yml' -%}
    {%- set found = run_query('select content from read_text(' ~ audience_string_literal(path) ~ ')') -%}
    {%- if found.rows | length == 0 -%}{{ return([]) }}{%- endif -%}
    {%- set project = fromyaml(found.rows[0][0]) or {} -%}
    {%- set declared = project.get('vars') or {} -%}
    {%- set names = [] -%}
    {%- for name, value in declared.items() -%}
        {%- if name == project_name and value is mapping -%}
            {%- for scoped in value.keys() -%}{%- do names.append(scoped) -%}{%- endfor -%}
        {%- else -%}
            {%- do names.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}
