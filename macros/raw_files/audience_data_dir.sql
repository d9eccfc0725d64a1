{#- Folder holding the raw files: $AUDIENCE_DATA_DIR, or the demo data inside the project. A
    relative AUDIENCE_DATA_DIR is taken relative to the project folder, wherever dbt starts. -#}
{% macro audience_data_dir() -%}
    {%- set project_dir = invocation_args_dict.get('project_dir') or '.' -%}
    {%- set configured = env_var('AUDIENCE_DATA_DIR', '') | trim -%}
    {%- if configured == '' -%}
        {{ return(project_dir ~ '/data/demo') }}
    {%- elif configured.startswith('/') -%}
        {{ return(configured) }}
    {%- else -%}
        {{ return(project_dir ~ '/' ~ configured) }}
    {%- endif -%}
{%- endmacro %}
