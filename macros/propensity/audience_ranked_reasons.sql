{#- The non-zero contributions of a row's features as a list of (magnitude, feature,
    contribution), largest magnitude first: what audience_reason_columns reads the top 3 from.
    DuckDB: list functions, a lambda and struct_pack; other engines need their own implementation
    (issue 19). -#}
{% macro audience_ranked_reasons(contributions) -%}
    {{ return(adapter.dispatch('audience_ranked_reasons', 'audience')(contributions)) }}
{%- endmacro %}

{% macro duckdb__audience_ranked_reasons(contributions) -%}
    list_sort(
        list_filter(
            list_value(
                {%- for feature, expression in contributions %}
                struct_pack(magnitude := abs({{ expression }}), feature := {{ audience_string_literal(feature) }}, contribution := {{ expression }}){{ "," if not loop.last }}
                {%- endfor %}
            ),
            lambda reason: reason.magnitude > 0
        ),
        'DESC'
    )
{%- endmacro %}
