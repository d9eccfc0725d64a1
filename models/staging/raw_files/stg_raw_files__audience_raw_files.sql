-- How each source table was read this run (register_raw_sources): from a file, absent, empty, or
-- derived (customers from the order lines). The marts that a missing source empties say so from
-- here (macro audience_absent_sources_note). Not the file paths, which name the machine's folders
-- (tables must not depend on where the data folder is).
with

source as (
    select * from {{ source('raw_files', 'audience_raw_files') }}
),

final as (
    select
        cast(source_name as varchar) as source_name,
        cast(table_name as varchar) as table_name,
        cast(status as varchar) as status
    from source
)

select * from final
