{#- The lines of a raw CSV file that could not be read (raw.malformed_lines, filled by
    register_raw_sources) as rows of a base model: every column NULL but rejection_reason
    (malformed_csv_line) and raw_record, which holds the line number, its text and the error.
    `columns` are the base model's columns in order, as (name, type); rejection_reason and
    raw_record among them get their values. -#}
{% macro malformed_line_rows(table_name, columns) -%}
    select
        {%- for name, type in columns %}
        {%- if name == 'rejection_reason' %}
        'malformed_csv_line' as rejection_reason
        {%- elif name == 'raw_record' %}
        {{ raw_record_json(["file_path", "line_number", "line_text", "error_type", "error_message"]) }} as raw_record
        {%- else %}
        cast(null as {{ type }}) as {{ name }}
        {%- endif %}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ source('raw_files', 'malformed_lines') }}
    where table_name = {{ audience_string_literal(table_name) }}
{%- endmacro %}
