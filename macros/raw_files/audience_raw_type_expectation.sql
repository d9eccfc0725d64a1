{#- A human-readable expectation for a contract type, for error messages. -#}
{% macro audience_raw_type_expectation(kind) -%}
    {%- set expectations = {
        'id': 'an id (VARCHAR or an integer type)',
        'timestamp': 'a timestamp (TIMESTAMP, DATE, or VARCHAR holding ISO 8601 text)',
        'number': 'a number (an integer, DECIMAL, DOUBLE, or VARCHAR holding numbers)',
        'integer': 'whole numbers (an integer type, a DECIMAL or DOUBLE holding whole numbers, or VARCHAR)',
        'boolean': 'true/false values (BOOLEAN, an integer type holding 1 or 0, or VARCHAR holding true/false, t/f, yes/no, y/n or 1/0)',
        'text': 'text (VARCHAR)'} -%}
    {{ return(expectations.get(kind, kind)) }}
{%- endmacro %}
