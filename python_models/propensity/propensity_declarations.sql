-- The declared predictions and lookalikes (vars audience__predictions, audience__lookalikes) as
-- rows, each with its declaration as JSON and its dbt models resolved to relation names. The
-- Python models read them from here, which also makes them run after every declared model.
{%- set declarations = propensity_declarations() %}
{{ config(materialized='table') }}
with

declared as (
    {%- for declaration in declarations %}
    select
        {{ loop.index }} as declaration_order,
        {{ audience_string_literal(declaration["name"]) }} as prediction,
        {{ audience_string_literal(declaration["kind"]) }} as prediction_kind,
        {{ audience_string_literal(declaration["entity"]) }} as entity_type,
        {{ audience_string_literal(tojson(declaration)) }} as declaration_json,
        {{ audience_string_literal(local_md5(tojson([var('audience__predictions'), var('audience__lookalikes')]))) }}
            as declarations_fingerprint
    {{ "union all" if not loop.last }}
    {%- else %}
    select
        cast(null as integer) as declaration_order,
        cast(null as varchar) as prediction,
        cast(null as varchar) as prediction_kind,
        cast(null as varchar) as entity_type,
        cast(null as varchar) as declaration_json,
        cast(null as varchar) as declarations_fingerprint
    where false
    {%- endfor %}
)

select * from declared
