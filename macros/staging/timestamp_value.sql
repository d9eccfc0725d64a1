{#- A raw value as a UTC timestamp (TIMESTAMP without zone, the type every staged time has), NULL
    when it does not parse. Never depends on the build machine's or the session's time zone:
    - TIMESTAMPTZ columns (how Spark and pandas write instants) and text with an offset or a zone
      name ('2025-06-01T23:30:00+02:00', '... CET') are instants: converted to UTC;
    - TIMESTAMP and DATE columns and text without a zone are wall-clock times in
      var audience__naive_time_zone (default UTC);
    - text in another layout parses with the table's timestamp_format
      (var audience__raw_file_formats), e.g. '%m/%d/%Y %H:%M'.
    `raw_type` comes from raw_column_types; `table` names the raw table (for its format). -#}
{% macro timestamp_value(column, raw_type=none, table=none) -%}
    {{ return(adapter.dispatch('timestamp_value', 'audience')(column, raw_type, table)) }}
{%- endmacro %}

{% macro duckdb__timestamp_value(column, raw_type, table) -%}
    {%- set type = (raw_type or '') | upper -%}
    {%- set layout = audience_raw_file_format(table)['timestamp_format'] if table else none -%}
    {%- if type in ['TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ'] -%}
        {#- epoch_us of an instant is its UTC time: no zone conversion, no session setting. -#}
        make_timestamp(epoch_us({{ column }}))
    {%- elif type.startswith('TIMESTAMP') or type == 'DATE' -%}
        {{ duckdb__audience_wall_clock_to_utc('cast(' ~ column ~ ' as timestamp)') }}
    {%- elif layout and ('%z' in layout or '%Z' in layout) -%}
        make_timestamp(epoch_us(try_strptime(cast({{ column }} as varchar), {{ audience_string_literal(layout) }})))
    {%- elif layout -%}
        {{ duckdb__audience_wall_clock_to_utc('try_strptime(cast(' ~ column ~ ' as varchar), ' ~ audience_string_literal(layout) ~ ')') }}
    {%- else -%}
        case
            -- A time followed by Z, an offset or a zone name: an instant.
            when regexp_matches(cast({{ column }} as varchar), '[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\s*([zZ]|[+-][0-9]|[A-Za-z])')
                then make_timestamp(epoch_us(try_cast({{ column }} as timestamptz)))
            else {{ duckdb__audience_wall_clock_to_utc('try_cast(' ~ column ~ ' as timestamp)') }}
        end
    {%- endif -%}
{%- endmacro %}


{#- A TIMESTAMP read as wall-clock time in var audience__naive_time_zone, as UTC. -#}
{% macro duckdb__audience_wall_clock_to_utc(expression) -%}
    {%- set zone = audience_setting('audience__naive_time_zone') -%}
    {%- if zone in ['UTC', 'Etc/UTC', 'Etc/Universal', 'Universal', 'Zulu', 'Etc/Zulu', 'GMT', 'Etc/GMT'] -%}
        {{ expression }}
    {%- else -%}
        make_timestamp(epoch_us(timezone({{ audience_string_literal(zone) }}, {{ expression }})))
    {%- endif -%}
{%- endmacro %}
