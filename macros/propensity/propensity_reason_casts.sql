{#- The nine reason-code columns of the score marts (reason_<1..3>_feature / _direction /
    _contribution), cast to the contracted types. -#}
{% macro propensity_reason_casts() -%}
    {%- for n in range(1, 4) %}
        cast(reason_{{ n }}_feature as varchar) as reason_{{ n }}_feature,
        cast(reason_{{ n }}_direction as varchar) as reason_{{ n }}_direction,
        cast(reason_{{ n }}_contribution as double) as reason_{{ n }}_contribution{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
