{#- A query returning, as id_key, the ids (see id_key) staging has to rank to deduplicate
    `relation`: every non-null id that appears on more than one row, and possibly a few that do not
    (ranking an id on one row leaves it as it is). Found without sorting or grouping every row by id.

    Integer ids go through buckets of 64 consecutive values, in one pass over the ids: a bucket
    whose row count exceeds the number of distinct ids in it (the bits set in a 64-bit mask of the
    ids present) holds a repeated id. A second mask, the XOR of the ids' bits, has the ids present
    an odd number of times: when every id of the bucket is on one or two rows (its rows then number
    the ids present plus the ids present twice), the repeated ids are read off the masks. A bucket
    with an id on three rows or more (rare) returns all its 64 ids rather than a second pass over
    the ids to find which. With mostly distinct, mostly consecutive ids (the usual case) that groups
    64 times fewer keys than grouping by id. Other ids are grouped by id directly. -#}
{% macro repeated_ids(relation, column, raw_type=none) -%}
    {{ return(adapter.dispatch('repeated_ids', 'audience')(relation, column, raw_type)) }}
{%- endmacro %}

{% macro duckdb__repeated_ids(relation, column, raw_type=none) -%}
    {%- set key = id_key(column, raw_type) -%}
    {%- if raw_type in audience_integer_types() %}
    {%- set id_bit = 'cast(1 as ubigint) << cast(' ~ key ~ ' & 63 as ubigint)' %}
    with

    buckets as (
        select
            {{ key }} >> 6 as id_bucket,
            count(*) as row_count,
            bit_or({{ id_bit }}) as present,
            bit_xor({{ id_bit }}) as present_odd
        from {{ relation }}
        where {{ key }} is not null
        group by {{ key }} >> 6
    ),

    repeat_buckets as (
        select
            id_bucket,
            present & ~present_odd as present_even,
            -- (bit_count is a TINYINT: subtracted from the BIGINT row count, not added.)
            row_count - bit_count(present) = bit_count(present & ~present_odd) as has_pairs_only
        from buckets
        where row_count > bit_count(present)
    ),

    bits as (
        select range as id_bit from range(64)
    )

    -- Buckets whose ids are on one or two rows each: the ids present an even number of times.
    -- The others: every id of the bucket.
    select cast(cast(repeat_buckets.id_bucket as hugeint) * 64 + bits.id_bit as {{ raw_type }}) as id_key
    from repeat_buckets
    cross join bits
    where not repeat_buckets.has_pairs_only or (repeat_buckets.present_even >> cast(bits.id_bit as ubigint)) & 1 = 1
    {%- else %}
    select {{ key }} as id_key
    from {{ relation }}
    where {{ key }} is not null
    group by {{ key }}
    having count(*) > 1
    {%- endif %}
{%- endmacro %}
