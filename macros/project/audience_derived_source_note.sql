{#- For a source registration derived from another file (customers from the order lines, when
    there is no customers file): where its values came from, so the message points at the file
    the user gave. -#}
{% macro audience_derived_source_note(raw_files, source_name, table_name) -%}
    {%- set derived = run_query(
        "select count(*) from " ~ raw_files ~ " where source_name = " ~ audience_string_literal(source_name)
        ~ " and table_name = " ~ audience_string_literal(table_name) ~ " and status = 'derived'").rows[0][0] -%}
    {%- if derived and source_name == 'shop' and table_name == 'customers' -%}
        {{ return(". There is no customers file: the customers were derived from shop.order_lines, each"
            ~ " signed up at its first order line, so signup_at reasons are about the order lines' ordered_at") }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
