{#- Which bit packings customer_behavior_features uses for a list of windows (in days):
    day_mask (the active days of a window as a bit mask of days) and packed_counts (one sum of
    packed window flags per event type instead of one count per window). Both need DuckDB's
    HUGEINT and bit functions; elsewhere neither is used and the portable path runs. -#}
{% macro audience_behavior_packing(windows) -%}
    {{ return(adapter.dispatch('audience_behavior_packing', 'audience')(windows)) }}
{%- endmacro %}

{% macro default__audience_behavior_packing(windows) -%}
    {{ return({'day_mask': false, 'packed_counts': false}) }}
{%- endmacro %}

{#- The mask holds 126 days; up to three windows share a HUGEINT, at least 42 bits each (no count
    comes near 2^42). -#}
{% macro duckdb__audience_behavior_packing(windows) -%}
    {{ return({'day_mask': windows | max <= 126, 'packed_counts': windows | length <= 3}) }}
{%- endmacro %}
