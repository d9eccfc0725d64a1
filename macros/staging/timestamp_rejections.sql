{#- CASE branches that reject a timestamp column: missing (when required), unparseable, in the
    future, or before the floor. `raw` is the source value, `parsed` the try_cast result. -#}
{% macro timestamp_rejections(raw, parsed, name, required=true) -%}
    {%- if required %}
            when {{ raw }} is null then 'missing_{{ name }}'
    {%- endif %}
            when {{ raw }} is not null and {{ parsed }} is null then 'unparseable_{{ name }}'
            when {{ parsed }} > {{ audience_timestamp_ceiling() }} then 'future_{{ name }}'
            when {{ parsed }} < {{ audience_timestamp_floor() }} then '{{ name }}_before_floor'
{%- endmacro %}
