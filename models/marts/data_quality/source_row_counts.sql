-- Rows per source table: staged, rejected and raw (= staged + rejected, which the
-- audience_reconciles_with_source tests check on every build). A table, so that the report and
-- BI tools get the counts from the serving database without reading the raw files.
{%- set staged_models = [
    ('shop', 'customers', 'stg_shop__customers'),
    ('shop', 'order_lines', 'stg_shop__order_lines'),
    ('shop', 'events', 'stg_shop__events'),
    ('shop', 'campaign_exposures', 'stg_shop__campaign_exposures'),
    ('crm', 'leads', 'stg_crm__leads'),
    ('crm', 'lead_activities', 'stg_crm__lead_activities'),
] %}

with

staged as (
    {%- for source_name, table_name, model in staged_models %}
    select
        '{{ source_name }}' as source_name,
        '{{ table_name }}' as table_name,
        count(*) as staged_rows
    from {{ ref(model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

rejected as (
    select
        source_name,
        table_name,
        count(*) as rejected_rows
    from {{ ref('rejected_rows') }}
    group by source_name, table_name
),

final as (
    select
        staged.source_name,
        staged.table_name,
        cast(staged.staged_rows + coalesce(rejected.rejected_rows, 0) as bigint) as raw_rows,
        cast(staged.staged_rows as bigint) as staged_rows,
        cast(coalesce(rejected.rejected_rows, 0) as bigint) as rejected_rows
    from staged
    left join rejected
        on
            staged.source_name = rejected.source_name
            and staged.table_name = rejected.table_name
)

select * from final
