-- The declared predictions and lookalikes (vars audience__predictions, audience__lookalikes) as
-- rows, each with its declaration as JSON and its dbt models resolved to relation names. The
-- Python models read them from here, which also makes them run after every declared model.
{%- set declarations = propensity_declarations() %}
{{ config(materialized='table') }}

{{ propensity_declarations_sql(declarations) }}
