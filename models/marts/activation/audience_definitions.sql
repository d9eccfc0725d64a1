-- One row per declared audience (var audience__audiences): what it selects, in the words it was
-- declared in, with its defaults filled in (macros/activation/audience_definitions_sql.sql).
with

declared as (
    {{ audience_definitions_sql() | indent(4) }}
),

final as (
    select * from declared
)

select * from final
