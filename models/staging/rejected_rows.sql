{{ config(materialized="table") }}

-- Every raw row that staging did not accept, with a machine-readable reason and its values.
with

{% set bases = [
    ('shop', 'customers', 'base_shop__customers', 'customer_id'),
    ('shop', 'order_lines', 'base_shop__order_lines', 'order_line_id'),
    ('shop', 'events', 'base_shop__events', 'event_id'),
    ('shop', 'campaign_exposures', 'base_shop__campaign_exposures', 'exposure_id'),
    ('crm', 'leads', 'base_crm__leads', 'lead_id'),
    ('crm', 'lead_activities', 'base_crm__lead_activities', 'activity_id'),
] %}

{% for source_name, table_name, base_model, key in bases %}
{{ table_name }} as (
    select
        '{{ source_name }}' as source_name,
        '{{ table_name }}' as table_name,
        {{ key }} as record_id,
        rejection_reason,
        raw_record
    from {{ ref(base_model) }}
    where rejection_reason is not null
),

{% endfor %}

unioned as (
    {% for _, table_name, _, _ in bases %}
    {% if not loop.first %}union all{% endif %}
    select * from {{ table_name }}
    {% endfor %}
),

numbered as (
    select
        *,
        -- Identical rejected rows (say, three copies of one raw row) are told apart by occurrence.
        row_number() over (
            partition by source_name, table_name, rejection_reason, raw_record
        ) as occurrence
    from unioned
),

final as (
    select
        {{ dbt.hash(
            "source_name || '|' || table_name || '|' || rejection_reason || '|' || raw_record"
            ~ " || '|' || cast(occurrence as varchar)"
        ) }} as rejected_row_id,
        source_name,
        table_name,
        record_id,
        rejection_reason,
        raw_record
    from numbered
)

select * from final
