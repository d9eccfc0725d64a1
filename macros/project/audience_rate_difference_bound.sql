{#- One end of the 95% interval of a difference of two rates (treated minus control, each
    successes / trials): Newcombe's hybrid score interval (Newcombe 1998, method 10), built from
    each rate's Wilson score interval. Unlike the normal (Wald) interval it stays inside [-1, 1]
    and keeps its coverage for small groups and rates near 0 or 1. NULL when a group is empty.
    Used by every treated-against-control readout (audience_lift, campaign_segment_readout). -#}
{% macro audience_rate_difference_bound(bound, treated_successes, treated_trials, control_successes, control_trials) -%}
    {%- if bound not in ['lower', 'upper'] -%}
        {{ exceptions.raise_compiler_error("audience_rate_difference_bound: bound is lower or upper, not " ~ bound) }}
    {%- endif -%}
    {%- set treated = (treated_successes, treated_trials) -%}
    {%- set control = (control_successes, control_trials) -%}
    {%- set p1 = audience_rate_sql(*treated) -%}
    {%- set p0 = audience_rate_sql(*control) -%}
    {%- if bound == 'lower' -%}
    ({{ p1 }} - {{ p0 }} - sqrt(
        ({{ p1 }} - {{ audience_wilson_bound(-1, *treated) }}) * ({{ p1 }} - {{ audience_wilson_bound(-1, *treated) }})
        + ({{ audience_wilson_bound(1, *control) }} - {{ p0 }}) * ({{ audience_wilson_bound(1, *control) }} - {{ p0 }})
    ))
    {%- else -%}
    ({{ p1 }} - {{ p0 }} + sqrt(
        ({{ audience_wilson_bound(1, *treated) }} - {{ p1 }}) * ({{ audience_wilson_bound(1, *treated) }} - {{ p1 }})
        + ({{ p0 }} - {{ audience_wilson_bound(-1, *control) }}) * ({{ p0 }} - {{ audience_wilson_bound(-1, *control) }})
    ))
    {%- endif -%}
{%- endmacro %}


{% macro audience_rate_sql(successes, trials) -%}
    (cast({{ successes }} as double) / nullif({{ trials }}, 0))
{%- endmacro %}


{#- The Wilson score bound of successes / trials at 95%: sign -1 the lower, 1 the upper. -#}
{% macro audience_wilson_bound(sign, successes, trials) -%}
    {%- set z = 1.959963984540054 -%}
    {%- set p = audience_rate_sql(successes, trials) -%}
    {%- set n = 'nullif(' ~ trials ~ ', 0)' -%}
    (({{ p }} + {{ z * z }} / (2.0 * {{ n }}) {{ '-' if sign < 0 else '+' }} {{ z }} * sqrt({{ p }} * (1 - {{ p }}) / {{ n }} + {{ z * z }} / (4.0 * {{ n }} * {{ n }}))) / (1 + {{ z * z }} / {{ n }}))
{%- endmacro %}
