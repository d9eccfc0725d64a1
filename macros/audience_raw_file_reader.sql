{#- The table-function call that reads one raw table: <dir>/<name>.parquet, <dir>/<name>.csv, or a
    folder <dir>/<name>/ of .parquet or .csv parts, in that order of preference. CSV is read with
    every column as text; staging parses and validates the values. -#}
{% macro audience_raw_file_reader(data_dir, raw_file, source_name) -%}
    {%- set base = data_dir ~ '/' ~ raw_file -%}
    {%- set candidates = [
        (base ~ '.parquet', 'parquet'), (base ~ '.csv', 'csv'),
        (base ~ '/*.parquet', 'parquet'), (base ~ '/*.csv', 'csv')] -%}
    {%- for path, format in candidates -%}
        {%- set hits = run_query("select count(*) from glob('" ~ path ~ "')").columns[0].values()[0] -%}
        {%- if hits > 0 -%}
            {%- if format == 'parquet' -%}
                {{ return("read_parquet('" ~ path ~ "')") }}
            {%- else -%}
                {{ return("read_csv('" ~ path ~ "', header = true, all_varchar = true)") }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "source " ~ source_name ~ ": no raw file found. Expected " ~ base ~ ".parquet, " ~ base
        ~ ".csv or a folder " ~ base ~ "/ of Parquet or CSV files. Set AUDIENCE_DATA_DIR to the "
        ~ "folder holding your files, or run `make demo-data`.") }}
{%- endmacro %}
