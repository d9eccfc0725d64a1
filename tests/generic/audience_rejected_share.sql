{#- No silent loss: on a base model (every raw row of a source, with rejection_reason), fails when
    staging rejected more than var audience__max_rejected_share of the raw rows, or every one of
    them, with a message naming the source, the counts and the main reasons. A wrong date format,
    a wrong delimiter or a date floor after the data reject every row, and a green build would
    look fine. Attached to the base model, it runs before anything that reads the staged rows,
    which a failure skips. With var audience__rejected_share_severity = warn it reports and passes. -#}
{% test audience_rejected_share(model, source_name, table_name) %}
{%- set severity = audience_setting('audience__rejected_share_severity') -%}
{{ config(severity=severity) }}
{%- set limit = audience_setting('audience__max_rejected_share') -%}
{%- set raw_files = source('raw_files', 'audience_raw_files') -%}
{%- if execute -%}
    {%- set counts = run_query(
        "select rejection_reason, count(*) from " ~ model
        ~ " group by rejection_reason order by count(*) desc, rejection_reason").rows -%}
    {%- set rejected_counts = counts | rejectattr(0, 'none') | list -%}
    {%- set total = counts | sum(attribute=1) -%}
    {%- set rejected = rejected_counts | sum(attribute=1) -%}
    {%- if rejected > 0 and (rejected > limit * total or rejected == total) -%}
        {%- set reasons = [] -%}
        {%- for row in rejected_counts[:5] -%}
            {%- do reasons.append(row[0] ~ ' ' ~ '{:,}'.format(row[1])) -%}
        {%- endfor -%}
        {%- set message = "source " ~ source_name ~ "." ~ table_name ~ ": staging rejected "
            ~ '{:,}'.format(rejected) ~ " of " ~ '{:,}'.format(total) ~ " raw rows ("
            ~ '{:.1%}'.format(rejected / total) ~ ", more than var audience__max_rejected_share = "
            ~ '{:.1%}'.format(limit) ~ " allows): " ~ reasons | join(', ')
            ~ ((", ... (" ~ (rejected_counts | length - 5) ~ " more)") if rejected_counts | length > 5 else "")
            ~ (audience_derived_source_note(raw_files, source_name, table_name))
            ~ ". The rows and their values are in staging.rejected_rows; README 'Bring your own data'"
            ~ " lists the reasons and the settings (a timestamp format, a CSV delimiter, the date floor)." -%}
        {%- if severity == 'warn' -%}
            {%- do exceptions.warn(message) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(message) }}
        {%- endif -%}
    {%- endif -%}
{%- endif %}

select 1 as rejected_share_over_limit
where false

{% endtest %}

