{{ config(materialized="table") }}

-- Every optional value staging set to NULL on a row it kept: the value did not parse (a marketing
-- consent that is not true/false, yes/no, y/n, t/f or 1/0; a phone not in E.164), or could not
-- be true (a negative company size, a birth year in the future). The row is staged without it;
-- the raw value is kept here with the reason, so nothing is lost. (Rows that cannot be staged at
-- all are in rejected_rows.)
with

{% set values = [
    ('shop', 'customers', 'base_shop__customers', 'customer_id', 'birth_year'),
    ('shop', 'customers', 'base_shop__customers', 'customer_id', 'marketing_consent'),
    ('shop', 'customers', 'base_shop__customers', 'customer_id', 'phone'),
    ('shop', 'order_lines', 'base_shop__order_lines', 'order_line_id', 'quantity'),
    ('crm', 'leads', 'base_crm__leads', 'lead_id', 'company_size'),
] %}

{% for source_name, table_name, base_model, key, column in values %}
{{ table_name }}_{{ column }} as (
    select
        {{ audience_string_literal(source_name) }} as source_name,
        {{ audience_string_literal(table_name) }} as table_name,
        {{ key }} as record_id,
        {{ audience_string_literal(column) }} as column_name,
        {{ column }}_text as raw_value,
        {{ column }}_issue as issue
    from {{ ref(base_model) }}
    where rejection_reason is null and {{ column }}_issue is not null
),

{% endfor %}

final as (
    {% for _, table_name, _, _, column in values %}
    {% if not loop.first %}union all{% endif %}
    select * from {{ table_name }}_{{ column }}
    {% endfor %}
)

select * from final
