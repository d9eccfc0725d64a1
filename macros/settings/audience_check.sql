{#- `dbt run-operation audience_check`: checks every audience__* var and declaration (the same
    checks as the start of every build) without building anything, and says so. -#}
{% macro audience_check() -%}
    {%- do audience_check_settings() -%}
    {%- set predictions = audience_setting('audience__predictions') | length -%}
    {%- set lookalikes = audience_setting('audience__lookalikes') | length -%}
    {{ print("audience settings OK (" ~ predictions ~ " predictions, " ~ lookalikes ~ " lookalikes declared)") }}
{%- endmacro %}
