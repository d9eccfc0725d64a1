{#- The feature columns of the current model in `model_state` (segment_model_state), in order.
    Empty while dbt parses or before the model exists. -#}
{% macro segment_model_features(model_state) -%}
    {%- if not execute or load_relation(model_state) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set rows = run_query(
        "select name from " ~ model_state ~ " where record = 'feature_transform'"
        ~ " and model_sequence = (select max(model_sequence) from " ~ model_state ~ ")"
        ~ " order by position"
    ) -%}
    {{ return(rows.columns[0].values() | list) }}
{%- endmacro %}
