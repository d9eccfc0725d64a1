{#- No silent loss: fails when staging rejected more than var audience__max_rejected_share of a
    source's raw rows, or every one of them, with a message naming the source, the counts and the
    main reasons (a wrong date format, a wrong delimiter or a date floor after the data are
    planted this way: every row rejected, and a green build would look fine). With
    var audience__rejected_share_severity = warn it reports and passes. -#}
{% test audience_rejected_share(model, source_name, table_name) %}
{{ config(severity='warn' if audience_setting('audience__rejected_share_severity') == 'warn' else 'error') }}
{%- set limit = audience_setting('audience__max_rejected_share') -%}
{%- set rejected_rows = ref('rejected_rows') -%}
{%- if execute -%}
    {%- set counts = run_query(
        "select rejection_reason, count(*) from " ~ rejected_rows
        ~ " where source_name = " ~ audience_string_literal(source_name)
        ~ " and table_name = " ~ audience_string_literal(table_name)
        ~ " group by rejection_reason order by count(*) desc, rejection_reason") -%}
    {%- set staged = run_query("select count(*) from " ~ model).rows[0][0] -%}
    {%- set rejected = counts.rows | sum(attribute=1) -%}
    {%- set total = staged + rejected -%}
    {%- if rejected > 0 and (rejected > limit * total or staged == 0) -%}
        {%- set reasons = [] -%}
        {%- for row in counts.rows[:5] -%}
            {%- do reasons.append(row[0] ~ ' ' ~ '{:,}'.format(row[1])) -%}
        {%- endfor -%}
        {%- set message = "source " ~ source_name ~ "." ~ table_name ~ ": staging rejected "
            ~ '{:,}'.format(rejected) ~ " of " ~ '{:,}'.format(total) ~ " raw rows ("
            ~ '{:.1%}'.format(rejected / total) ~ ", more than var audience__max_rejected_share = "
            ~ '{:.1%}'.format(limit) ~ " allows): " ~ reasons | join(', ')
            ~ ((", ... (" ~ (counts.rows | length - 5) ~ " more)") if counts.rows | length > 5 else "")
            ~ ". The rows and their values are in staging.rejected_rows; README 'Bring your own data'"
            ~ " lists the reasons and the settings (a timestamp format, a CSV delimiter, the date floor)." -%}
        {%- if audience_setting('audience__rejected_share_severity') == 'warn' -%}
            {%- do exceptions.warn(message) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(message) }}
        {%- endif -%}
    {%- endif -%}
{%- endif %}

select 1 as rejected_share_over_limit
where false

{% endtest %}
