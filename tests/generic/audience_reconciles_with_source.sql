{#- Nothing vanishes in staging: the raw rows of a source table (the rows read from its file, and
    the CSV lines that could not be read) equal the rows staged in `model` plus the rows of that
    table in rejected_rows. Fails with the counts when they differ. -#}
{% test audience_reconciles_with_source(model, source_name, table_name) %}

with

raw_rows as (
    select count(*) as row_count from {{ source(source_name, table_name) }}
),

malformed_lines as (
    select count(*) as row_count
    from {{ source('raw_files', 'malformed_lines') }}
    where source_name = {{ audience_string_literal(source_name) }}
        and table_name = {{ audience_string_literal(table_name) }}
),

staged_rows as (
    select count(*) as row_count from {{ model }}
),

rejected_rows as (
    select count(*) as row_count
    from {{ ref('rejected_rows') }}
    where source_name = {{ audience_string_literal(source_name) }}
        and table_name = {{ audience_string_literal(table_name) }}
)

select
    raw_rows.row_count as raw_row_count,
    malformed_lines.row_count as malformed_line_count,
    staged_rows.row_count as staged_row_count,
    rejected_rows.row_count as rejected_row_count
from raw_rows
cross join malformed_lines
cross join staged_rows
cross join rejected_rows
where raw_rows.row_count + malformed_lines.row_count <> staged_rows.row_count + rejected_rows.row_count

{% endtest %}
