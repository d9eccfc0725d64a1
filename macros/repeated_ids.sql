{#- A query returning, as id_key, every non-null id (see id_key) that appears on more than one row of
    `relation`: the only ids staging has to rank to deduplicate. A superset of the ids repeated
    among valid rows, found without sorting or grouping every row by id.

    Integer ids go through buckets of 64 consecutive values first: a bucket whose row count exceeds
    the number of distinct ids in it (the bits set in a 64-bit mask) holds a repeated id, and only
    the rows of such buckets are grouped by id. With mostly distinct, mostly consecutive ids (the
    usual case) that groups 64 times fewer keys. Other ids are grouped by id directly. -#}
{% macro repeated_ids(relation, column, raw_type=none) -%}
    {{ return(adapter.dispatch('repeated_ids', 'audience')(relation, column, raw_type)) }}
{%- endmacro %}

{% macro default__repeated_ids(relation, column, raw_type=none) -%}
    {%- set key = id_key(column, raw_type) -%}
    {%- if raw_type in audience_integer_types() %}
    select {{ key }} as id_key
    from {{ relation }}
    where {{ key }} >> 6 in (
        select {{ key }} >> 6 as id_bucket
        from {{ relation }}
        where {{ key }} is not null
        group by {{ key }} >> 6
        having count(*) > bit_count(bit_or(cast(1 as ubigint) << cast({{ key }} & 63 as ubigint)))
    )
    group by {{ key }}
    having count(*) > 1
    {%- else %}
    select {{ key }} as id_key
    from {{ relation }}
    where {{ key }} is not null
    group by {{ key }}
    having count(*) > 1
    {%- endif %}
{%- endmacro %}
