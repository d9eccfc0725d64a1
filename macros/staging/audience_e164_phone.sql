{#- A phone number in E.164 ('+' and 7 to 15 digits, the first not 0), from text with the usual
    separators (spaces, dashes, dots, parentheses) removed and a leading international 00 read as
    '+'; NULL when what is left is not E.164. A local number ("030 1234567") is NULL: the country
    code cannot be known for sure. Dispatched: regexp_replace replaces every match on Spark but
    only the first in DuckDB unless told ('g'). -#}
{% macro audience_e164_phone(text) -%}
    {{ return(adapter.dispatch('audience_e164_phone', 'audience')(text)) }}
{%- endmacro %}

{% macro default__audience_e164_phone(text) -%}
    {%- set compact = "regexp_replace(regexp_replace(" ~ text ~ ", '[ ().-]', ''), '^00', '+')" -%}
    case when {{ compact }} rlike '^[+][1-9][0-9]{6,14}$' then {{ compact }} end
{%- endmacro %}

{% macro duckdb__audience_e164_phone(text) -%}
    {%- set compact = "regexp_replace(regexp_replace(" ~ text ~ ", '[ ().-]', '', 'g'), '^00', '+')" -%}
    case when regexp_full_match({{ compact }}, '[+][1-9][0-9]{6,14}') then {{ compact }} end
{%- endmacro %}
