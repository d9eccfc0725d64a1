{#- {column: meta} of a model of the project, from its YAML (a column's `config: {meta: ...}`, or
    its older top-level `meta`). Empty at parse time, when the graph is not read yet. -#}
{% macro audience_column_meta(model_name) -%}
    {%- set found = {} -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name -%}
            {%- for name, column in node.columns.items() -%}
                {%- set meta = dict(column.get('meta') or {}) -%}
                {%- do meta.update((column.get('config') or {}).get('meta') or {}) -%}
                {%- do found.update({name | lower: meta}) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}


{#- The label window of a label column, in days: its YAML meta label_window_days, the one place
    the window is written. The model that computes the label reads it (required there), and so
    does a declared prediction whose label is that column (its horizon_days). None where the
    column declares none; 0 at parse time. -#}
{% macro audience_label_window_days(model_name, column, required=false) -%}
    {%- if not execute -%}{{ return(0) }}{%- endif -%}
    {%- set days = audience_column_meta(model_name).get(column, {}).get('label_window_days') -%}
    {%- if days is none and not required -%}{{ return(none) }}{%- endif -%}
    {%- if days is not number or days is boolean or days != days | int or days < 1 -%}
        {{ exceptions.raise_compiler_error(
            model_name ~ "." ~ column ~ ": the label window (config meta label_window_days in the"
            ~ " model's YAML) must be a whole number of days, at least 1; got " ~ (days | string)) }}
    {%- endif -%}
    {{ return(days | int) }}
{%- endmacro %}
