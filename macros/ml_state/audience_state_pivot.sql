{#- The columns of a pivot over a long model-state table (propensity_model_state,
    uplift_evaluation_state, segment_model_state, clv_fit_state): for each state name in `names`,
        [cast(]max(case when <name_column> = '<name>' then <column> end)[ as <data_type>)] as <alias>
    joined by commas, for the select list of a query that groups by the state's key. The alias is
    the state name unless `renamed` maps it to another. Every state mart pivots through this one
    macro, so a state row's name and the column it lands in are written in one place. -#}
{% macro audience_state_pivot(names, column='value', data_type=none, renamed={}, name_column='name') -%}
    {%- set columns = [] -%}
    {%- for state_name in names -%}
        {%- set alias = renamed.get(state_name, state_name) -%}
        {%- if not modules.re.fullmatch('[a-z_][a-z0-9_]*', alias) -%}
            {{ exceptions.raise_compiler_error("audience_state_pivot: '" ~ alias ~ "' is not a lowercase column name") }}
        {%- endif -%}
        {%- set pivoted = 'max(case when ' ~ name_column ~ ' = ' ~ audience_string_literal(state_name) ~ ' then ' ~ column ~ ' end)' -%}
        {%- if data_type is not none -%}
            {%- set pivoted = 'cast(' ~ pivoted ~ ' as ' ~ data_type ~ ')' -%}
        {%- endif -%}
        {%- do columns.append(pivoted ~ ' as ' ~ alias) -%}
    {%- endfor -%}
    {{ columns | join(',\n        ') }}
{%- endmacro %}
