-- The members of every declared audience at the as-of date: the entities of its attribute mart
-- that match its rule, ordered by order_by (ties by id), cut to its size cap (top_n, or top_share
-- rounded up, within each value of `per` when given), with a deterministic holdout: a member is
-- held out when the first 8 hex digits of md5('<audience>:<id>') fall below the audience's
-- holdout share of the 2^32 values (the same entity, the same answer, on every build). A table:
-- the history, members, changes and summary marts all read it.
{{ config(materialized="table") }}
{%- set audiences = audience_declarations() %}
with
{%- for audience in audiences %}
{%- set id = adapter.quote(audience['id_column']) %}
{%- set order = audience.get('order_by') %}
{%- set order_sql = (adapter.quote(order['column']) ~ ' ' ~ order['direction'] ~ ' nulls last, ' ~ id ~ ' asc') if order else id %}
{%- set per = audience.get('per') %}

matching_{{ loop.index }} as (
    select
        cast({{ id }} as varchar) as entity_id,
        as_of_date,
        {%- if audience['rule_columns'] %}
        {%- for column in audience['rule_columns'] + ([order['column']] if order and order['column'] not in audience['rule_columns'] else []) %}
        {{ audience_string_literal(column ~ '=') }} || coalesce(cast({{ adapter.quote(column) }} as varchar), 'null')
        {%- if not loop.last %} || '; ' ||{%- endif %}
        {%- endfor %} as rule_values,
        {%- else %}
        cast(null as varchar) as rule_values,
        {%- endif %}
        row_number() over ({{ ('partition by ' ~ adapter.quote(per) ~ ' ') if per }}order by {{ order_sql }}) as rank_within,
        count(*) over ({{ ('partition by ' ~ adapter.quote(per)) if per }}) as matching_within,
        {{ adapter.quote(order['column']) if order else 'cast(null as integer)' }} as order_value
    from {{ audience['relation'] }}
    where {{ audience['rule_sql'] }}
),

audience_{{ loop.index }} as (
    select
        {{ audience_string_literal(audience['name']) }} as audience,
        {{ audience_string_literal(audience['entity']) }} as entity_type,
        entity_id,
        as_of_date,
        cast(row_number() over (order by {{ ('order_value ' ~ order['direction'] ~ ' nulls last, ') if order }}entity_id asc) as integer) as member_rank,
        substr({{ dbt.hash(audience_string_literal(audience['name'] ~ ':') ~ ' || entity_id') }}, 1, 8)
            < {{ audience_string_literal(audience_holdout_threshold(audience['holdout_share'])) }} as is_holdout,
        rule_values
    from matching_{{ loop.index }}
    {%- if audience.get('top_n') %}
    where rank_within <= {{ audience['top_n'] }}
    {%- elif audience.get('top_share') %}
    where rank_within <= ceil({{ audience['top_share'] }} * matching_within)
    {%- endif %}
),
{%- endfor %}

final as (
    {%- for audience in audiences %}
    select * from audience_{{ loop.index }}
    {{ 'union all' if not loop.last }}
    {%- else %}
    select
        cast(null as varchar) as audience,
        cast(null as varchar) as entity_type,
        cast(null as varchar) as entity_id,
        cast(null as date) as as_of_date,
        cast(null as integer) as member_rank,
        cast(null as boolean) as is_holdout,
        cast(null as varchar) as rule_values
    where false
    {%- endfor %}
)

select * from final
