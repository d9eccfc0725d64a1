{#- The SQL type of a staged amount: DECIMAL(18, var audience__amount_decimals). -#}
{% macro audience_amount_type() -%}
    decimal(18, {{ audience_setting('audience__amount_decimals') }})
{%- endmacro %}


{#- A raw amount as an exact DECIMAL(38, 18) (NULL when it does not parse; NaN and infinities do
    not). -#}
{% macro amount_exact_value(column, raw_type=none) -%}
    {%- set type = (raw_type or '') | upper -%}
    {%- if type in ['FLOAT', 'DOUBLE', 'REAL'] -%}
        case when isfinite({{ column }}) then try_cast({{ column }} as decimal(38, 18)) end
    {%- elif type and type != 'VARCHAR' -%}
        try_cast({{ column }} as decimal(38, 18))
    {%- else -%}
        try_cast({{ text_value(column, raw_type) }} as decimal(38, 18))
    {%- endif -%}
{%- endmacro %}


{#- Whether a raw amount has more decimal places than var audience__amount_decimals allows (it is
    then rejected, never rounded). A floating-point column cannot hold 19.99 exactly: it counts
    as having two decimals when it is within a millionth of a cent of such a number. -#}
{% macro amount_has_extra_decimals(column, exact, raw_type=none) -%}
    {%- set decimals = audience_setting('audience__amount_decimals') -%}
    {%- set type = (raw_type or '') | upper -%}
    {%- if type in ['FLOAT', 'DOUBLE', 'REAL'] -%}
        abs({{ column }} * {{ 10 ** decimals }} - round({{ column }} * {{ 10 ** decimals }})) > 0.000001
    {%- else -%}
        {{ exact }} <> round({{ exact }}, {{ decimals }})
    {%- endif -%}
{%- endmacro %}
