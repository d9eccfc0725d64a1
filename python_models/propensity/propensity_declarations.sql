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
        '{{ declaration["name"] | replace("'", "''") }}' as prediction,
        '{{ declaration["kind"] }}' as prediction_kind,
        '{{ declaration.get("entity", "") | replace("'", "''") }}' as entity_type,
        '{{ tojson(declaration) | replace("'", "''") }}' as declaration_json
    {{ "union all" if not loop.last }}
    {%- else %}
    select
        cast(null as integer) as declaration_order,
        cast(null as varchar) as prediction,
        cast(null as varchar) as prediction_kind,
        cast(null as varchar) as entity_type,
        cast(null as varchar) as declaration_json
    where false
    {%- endfor %}
)

select * from declared
