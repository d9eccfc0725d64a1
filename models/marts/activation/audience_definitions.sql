-- One row per declared audience (var audience__audiences): what it selects, in the words it was
-- declared in, with its defaults filled in and the attribute columns its rule reads (checked
-- against the attribute marts by audience_declarations, which makes them its parents).
{%- set audiences = audience_declarations() %}
with

declared as (
    {%- for audience in audiences %}
    select
        {{ audience_string_literal(audience['name']) }} as audience,
        cast({{ loop.index }} as integer) as declaration_order,
        {{ audience_string_literal(audience['description']) }} as description,
        {{ audience_string_literal(audience['entity']) }} as entity_type,
        {{ audience_string_literal(audience['rule']) }} as rule,
        {{ audience_string_literal(audience['rule_columns'] | join(', ')) }} as rule_columns,
        {{ audience_string_literal(audience['order_by']['column'] ~ ' ' ~ audience['order_by']['direction']) if audience.get('order_by') else 'cast(null as varchar)' }} as order_by,
        cast({{ audience.get('top_n') or 'null' }} as integer) as top_n,
        cast({{ audience.get('top_share') or 'null' }} as double) as top_share,
        {{ audience_string_literal(audience['per']) if audience.get('per') else 'cast(null as varchar)' }} as per,
        cast({{ audience['holdout_share'] }} as double) as holdout_share,
        {{ audience_string_literal(audience['refresh']) }} as refresh,
        {{ audience_string_literal(audience['destinations'] | join(', ')) }} as destinations
    {{ 'union all' if not loop.last }}
    {%- else %}
    select
        cast(null as varchar) as audience,
        cast(null as integer) as declaration_order,
        cast(null as varchar) as description,
        cast(null as varchar) as entity_type,
        cast(null as varchar) as rule,
        cast(null as varchar) as rule_columns,
        cast(null as varchar) as order_by,
        cast(null as integer) as top_n,
        cast(null as double) as top_share,
        cast(null as varchar) as per,
        cast(null as double) as holdout_share,
        cast(null as varchar) as refresh,
        cast(null as varchar) as destinations
    where false
    {%- endfor %}
),

final as (
    select * from declared
)

select * from final
